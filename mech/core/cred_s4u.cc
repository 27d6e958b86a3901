// S4U2Self and the proxy credentials S4U2Proxy starts from ([MS-SFU] §3.1.5.1, §3.1.5.2),
// as MIT 1.20's lib/gssapi/krb5/s4u_gss_glue.c keeps them: a MEMORY ccache whose
// principal is the impersonated user, holding the impersonating service's tickets, the
// evidence ticket (user -> service) and a proxy_impersonator config entry.
#include "base/trace.h"
#include "core/cred.h"

// S4U2Self: libkrb5 exports krb5_get_credentials_for_user (since 1.8, symbol version
// krb5_3_MIT) but declares it only in its private k5-int.h; no public call does S4U2Self
// (krb5_get_init_creds_* cannot carry PA-FOR-USER in a TGS request). Declared here with
// MIT 1.20's signature.
extern "C" krb5_error_code KRB5_CALLCONV krb5_get_credentials_for_user(
    krb5_context context, krb5_flags options, krb5_ccache ccache, krb5_creds* in_creds,
    krb5_data* cert, krb5_creds** out_creds);

namespace apx::core {

using base::Minor;
using base::Result;
using base::Status;

namespace {

// MIT's KRB5_CC_CONF_PROXY_IMPERSONATOR (k5-int.h, not public).
constexpr const char* kConfProxyImpersonator = "proxy_impersonator";

}  // namespace

Result<std::shared_ptr<Cred>> Cred::impersonate(const Name& user) {
  APX_TRY(resolve(nullptr));
  if (!can_initiate() || !ccache_ || !name_ || impersonator_)
    return Status::failure(Minor::kCredCannotImpersonate);
  krb5_context c = k5_.get();
  APX_TRY_ASSIGN(k5::PrincipalPtr client, user.principal(k5_));
  APX_TRY_ASSIGN(k5::PrincipalPtr self, name_->principal(k5_));
  krb5_creds in{};
  in.server = self.get();
  // A certificate name: the KDC finds the user from the certificate (PA-S4U-X509-USER).
  const std::vector<uint8_t>& cert = user.certificate();
  krb5_data cert_data{KV5M_DATA, static_cast<unsigned int>(cert.size()),
                      const_cast<char*>(reinterpret_cast<const char*>(cert.data()))};
  if (cert.empty()) in.client = client.get();
  // MIT: gss_krb5_set_allowable_enctypes picks the evidence ticket's session key type.
  if (!allowed_.empty()) in.keyblock.enctype = allowed_.front();
  krb5_creds* out = nullptr;
  krb5_error_code code = 0;
  {
    auto guard = lock();
    // Not stored: the evidence ticket lives in the proxy credential only, as in MIT.
    code = krb5_get_credentials_for_user(c, KRB5_GC_CANONICALIZE | KRB5_GC_NO_STORE,
                                         ccache_.get(), &in, cert.empty() ? nullptr : &cert_data, &out);
  }
  if (code != 0)
    return k5_.error(GSS_S_FAILURE, code,
                     "Cannot get a ticket to " + name_->display() + " for " + user.display() +
                         " (S4U2Self)");
  auto owned = k5_.own<krb5_creds, krb5_free_creds>(out);
  base::trace("acquire_cred_impersonate_name: S4U2Self ticket for %s to %s",
              k5_.unparse(out->client).c_str(), name_->display().c_str());
  return compose_proxy(*out);
}

Result<std::shared_ptr<Cred>> Cred::compose_proxy(const krb5_creds& evidence) {
  APX_TRY(resolve(nullptr));
  if (!can_initiate() || !ccache_ || !name_ || impersonator_)
    return Status::failure(Minor::kCredCannotImpersonate);
  APX_TRY_ASSIGN(k5::Context pk5, k5::Context::create());
  krb5_context c = pk5.get();
  krb5_ccache raw = nullptr;
  krb5_error_code code = krb5_cc_new_unique(c, "MEMORY", nullptr, &raw);
  if (code != 0) return pk5.error(GSS_S_FAILURE, code, "Cannot make a MEMORY ccache");
  // Destroyed on failure below, or with the credential that takes it.
  k5::CcachePtr cc = pk5.own_made_ccache(raw);
  code = krb5_cc_initialize(c, raw, evidence.client);
  if (code != 0) return pk5.error(GSS_S_FAILURE, code, "Cannot initialise the proxy ccache");
  APX_TRY(copy_tickets(raw, false));
  const std::string& self = name_->display();
  krb5_data value{KV5M_DATA, static_cast<unsigned int>(self.size()),
                  const_cast<char*>(self.data())};
  code = krb5_cc_set_config(c, raw, nullptr, kConfProxyImpersonator, &value);
  if (code == 0) code = krb5_cc_store_cred(c, raw, const_cast<krb5_creds*>(&evidence));
  if (code != 0) return pk5.error(GSS_S_FAILURE, code, "Cannot store the evidence ticket");
  APX_TRY_ASSIGN(Name client, Name::from_principal(pk5, evidence.client));
  base::trace("proxy credential: %s impersonated by %s", client.display().c_str(), self.c_str());
  APX_TRY_ASSIGN(std::shared_ptr<Cred> proxy,
                 from_delegation(std::move(pk5), std::move(cc), std::move(client),
                                 evidence.times.endtime));
  proxy->impersonator_ = self;
  return proxy;
}

}  // namespace apx::core
