// S4U2Self through the mechglue against the shared realm's KDC (DB2 back end): the service
// host/localhost impersonates user with its own TGT, accepts the impersonated user, and
// gets MIT's answers for what DB2 cannot grant (S4U2Proxy). Built into both in-process
// suites: in kdc-interposer apx answers for the krb5 OID; in kdc-standalone the same
// cases run for apx under its own OID and for MIT's mechanism (the control).
// Successful S4U2Proxy needs a KDC with delegation tables: tests/interop/s4u_test.cc.
#include <gtest/gtest.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "kdc/gss_helpers.h"
#include "support/memory_ccaches.h"
#include "support/realm.h"

#ifdef APX_SUITE_STANDALONE
#include "gssapi/gssapi_apx.h"
#endif

namespace apx::test {
namespace {

struct Mech {
  const char* label;
  gss_OID oid;
};

std::vector<Mech> mechs() {
#ifdef APX_SUITE_STANDALONE
  static gss_OID_desc apx_oid = {APX_MECH_OID_LENGTH, const_cast<char*>(APX_MECH_OID_DER)};
  return {{"apx", &apx_oid}, {"MIT", &kKrb5Oid}};
#else
  return {{"apx (interposed)", &kKrb5Oid}};
#endif
}

constexpr const char* kService = "host/localhost@APX.TEST";

// The service's own credential, as a web front end holds it: initiator tickets got with
// its keytab into a MEMORY ccache of its own, and the keytab for accepting.
Cred service_cred(gss_OID mech, gss_cred_usage_t usage = GSS_C_BOTH) {
  static int n = 0;
  const std::string keytab = Realm::shared().keytab();
  const std::string ccache = "MEMORY:s4u-service-" + std::to_string(getpid()) + "-" + std::to_string(++n);
  gss_key_value_element_desc el[] = {
      {"client_keytab", keytab.c_str()}, {"keytab", keytab.c_str()}, {"ccache", ccache.c_str()}};
  gss_key_value_set_desc store = {3, el};
  gss_OID_set_desc mechs = {1, mech};
  Name name = import(kService, GSS_KRB5_NT_PRINCIPAL_NAME);
  Cred c;
  OM_uint32 minor;
  EXPECT_EQ(gss_acquire_cred_from(&minor, name.h, GSS_C_INDEFINITE, &mechs, usage, &store, &c.h,
                                  nullptr, nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor, mech);
  return c;
}

OM_uint32 impersonate(gss_OID mech, gss_cred_id_t service, const Name& user, Cred& out,
                      OM_uint32* minor, gss_cred_usage_t usage = GSS_C_INITIATE) {
  gss_OID_set_desc mechs = {1, mech};
  return gss_acquire_cred_impersonate_name(minor, service, user.h, GSS_C_INDEFINITE, &mechs,
                                           usage, &out.h, nullptr, nullptr);
}

std::string shown(gss_name_t n) {
  OM_uint32 minor;
  Buffer b;
  gss_display_name(&minor, n, &b.b, nullptr);
  return b.str();
}

// The impersonator gss_inquire_cred_by_oid reports ("" for none; "?" when it fails).
std::string impersonator_of(gss_cred_id_t cred) {
  OM_uint32 minor;
  gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
  if (gss_inquire_cred_by_oid(&minor, cred, GSS_KRB5_GET_CRED_IMPERSONATOR, &set) != GSS_S_COMPLETE ||
      set == GSS_C_NO_BUFFER_SET)
    return "?";
  std::string out = set->count == 1 ? std::string(static_cast<char*>(set->elements[0].value),
                                                  set->elements[0].length)
                                    : "";
  gss_release_buffer_set(&minor, &set);
  return out;
}

// Establishes a context from `init` to the service (`accept`), returning the acceptor's
// source name and flags and its delegated credential.
void establish(gss_OID mech, gss_cred_id_t init, gss_cred_id_t accept, std::string& src,
               OM_uint32& flags, Cred& delegated) {
  Name target = import(kService, GSS_KRB5_NT_PRINCIPAL_NAME);
  OM_uint32 minor;
  Ctx ic, ac;
  Buffer tok, rep;
  Name source;
  ASSERT_EQ(gss_init_sec_context(&minor, init, &ic.h, target.h, mech, 0, 0, nullptr, nullptr,
                                 nullptr, &tok.b, nullptr, nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor, mech);
  ASSERT_EQ(gss_accept_sec_context(&minor, &ac.h, accept, &tok.b, nullptr, &source.h, nullptr,
                                   &rep.b, &flags, nullptr, &delegated.h),
            GSS_S_COMPLETE)
      << minor_text(minor, mech);
  src = shown(source.h);
}

TEST(S4u2Self, ServiceAcceptsTheImpersonatedUser) {
  for (const Mech& m : mechs()) {
    // An enterprise name too: the source name the mechglue builds from it once freed the
    // static name type apx gave it (the process aborted).
    for (auto [text, type] : {std::pair{"user@APX.TEST", GSS_KRB5_NT_PRINCIPAL_NAME},
                              std::pair{"user", GSS_KRB5_NT_ENTERPRISE_NAME}}) {
      SCOPED_TRACE(std::string(m.label) + " " + text);
      Cred service = service_cred(m.oid);
      Name user = import(text, type);
      Cred imp;
      OM_uint32 minor;
      ASSERT_EQ(impersonate(m.oid, service.h, user, imp, &minor), GSS_S_COMPLETE)
          << minor_text(minor, m.oid);
      Name cred_name;
      OM_uint32 lifetime = 0;
      gss_cred_usage_t usage;
      ASSERT_EQ(gss_inquire_cred(&minor, imp.h, &cred_name.h, &lifetime, &usage, nullptr),
                GSS_S_COMPLETE);
      EXPECT_EQ(shown(cred_name.h), "user@APX.TEST");
      EXPECT_EQ(usage, GSS_C_INITIATE);
      EXPECT_GT(lifetime, 0u);
      EXPECT_EQ(impersonator_of(imp.h), kService);
      EXPECT_EQ(impersonator_of(service.h), "");

      std::string src;
      OM_uint32 flags = 0;
      Cred delegated;
      establish(m.oid, imp.h, service.h, src, flags, delegated);
      EXPECT_EQ(src, "user@APX.TEST");
      // MIT: an acceptor credential that can initiate hands out a proxy credential for
      // the ticket it accepted (the evidence for S4U2Proxy), with the DELEG flag.
      ASSERT_NE(delegated.h, GSS_C_NO_CREDENTIAL);
      EXPECT_NE(flags & GSS_C_DELEG_FLAG, 0u);
      EXPECT_EQ(impersonator_of(delegated.h), kService);
    }
  }
}

TEST(S4u2Self, AcceptOnlyServiceHandsOutNoProxyCredential) {
  for (const Mech& m : mechs()) {
    SCOPED_TRACE(m.label);
    Cred service = service_cred(m.oid), acceptor = service_cred(m.oid, GSS_C_ACCEPT);
    Name user = import("user@APX.TEST", GSS_KRB5_NT_PRINCIPAL_NAME);
    Cred imp;
    OM_uint32 minor;
    ASSERT_EQ(impersonate(m.oid, service.h, user, imp, &minor), GSS_S_COMPLETE);
    std::string src;
    OM_uint32 flags = 0;
    Cred delegated;
    establish(m.oid, imp.h, acceptor.h, src, flags, delegated);
    EXPECT_EQ(src, "user@APX.TEST");
    EXPECT_EQ(delegated.h, GSS_C_NO_CREDENTIAL);
    EXPECT_EQ(flags & GSS_C_DELEG_FLAG, 0u);
  }
}

TEST(S4u2Self, ProxyRefusedByDb2AsMit) {
  // DB2 holds no delegation permissions: the KDC answers the S4U2Proxy request with
  // KDC_ERR_BADOPTION ("KDC can't fulfill requested option"), as in MIT's t_s4u.py.
  for (const Mech& m : mechs()) {
    SCOPED_TRACE(m.label);
    Cred service = service_cred(m.oid);
    Name user = import("user@APX.TEST", GSS_KRB5_NT_PRINCIPAL_NAME);
    Cred imp;
    OM_uint32 minor;
    ASSERT_EQ(impersonate(m.oid, service.h, user, imp, &minor), GSS_S_COMPLETE);
    Name backend = import("sha1@localhost", GSS_C_NT_HOSTBASED_SERVICE);
    Ctx ic;
    Buffer tok;
    EXPECT_EQ(gss_init_sec_context(&minor, imp.h, &ic.h, backend.h, m.oid, 0, 0, nullptr,
                                   nullptr, nullptr, &tok.b, nullptr, nullptr),
              GSS_S_FAILURE);
    // (The mechglue renumbers the minor codes of a mechanism under its own OID.)
    EXPECT_NE(minor_text(minor, m.oid).find("KDC can't fulfill requested option"),
              std::string::npos)
        << minor_text(minor, m.oid);
    EXPECT_EQ(tok.b.length, 0u);
  }
}

TEST(S4u2Self, RefusedArgumentsAsMit) {
  for (const Mech& m : mechs()) {
    SCOPED_TRACE(m.label);
    Cred service = service_cred(m.oid), acceptor = service_cred(m.oid, GSS_C_ACCEPT);
    Name user = import("user@APX.TEST", GSS_KRB5_NT_PRINCIPAL_NAME);
    OM_uint32 minor;
    Cred a, b, imp, c;
    // The impersonated credential is for initiating only.
    EXPECT_EQ(impersonate(m.oid, service.h, user, a, &minor, GSS_C_BOTH), GSS_S_FAILURE);
    // An accept-only impersonator has no TGT to ask with.
    EXPECT_EQ(impersonate(m.oid, acceptor.h, user, b, &minor), GSS_S_NO_CRED);
    // An impersonated credential cannot impersonate again.
    ASSERT_EQ(impersonate(m.oid, service.h, user, imp, &minor), GSS_S_COMPLETE);
    EXPECT_EQ(impersonate(m.oid, imp.h, user, c, &minor), GSS_S_FAILURE);
    EXPECT_EQ(c.h, GSS_C_NO_CREDENTIAL);
  }
}

TEST(S4u2Self, StoredProxyCredentialStaysOne) {
  // gss_store_cred keeps the proxy credential: the stored ccache names the impersonator
  // (MIT's proxy_impersonator config entry), so a credential acquired from it is one again.
  for (const Mech& m : mechs()) {
    SCOPED_TRACE(m.label);
    Cred service = service_cred(m.oid);
    Name user = import("user@APX.TEST", GSS_KRB5_NT_PRINCIPAL_NAME);
    Cred imp;
    OM_uint32 minor;
    ASSERT_EQ(impersonate(m.oid, service.h, user, imp, &minor), GSS_S_COMPLETE);
    const std::string cc = "FILE:" + Realm::shared().dir() + "/s4u-stored-" +
                           std::to_string(getpid()) + "-" + m.label;
    gss_key_value_element_desc el = {"ccache", cc.c_str()};
    gss_key_value_set_desc store = {1, &el};
    ASSERT_EQ(gss_store_cred_into(&minor, imp.h, GSS_C_INITIATE, m.oid, 1, 0, &store, nullptr,
                                  nullptr),
              GSS_S_COMPLETE)
        << minor_text(minor, m.oid);
    gss_OID_set_desc mechs = {1, m.oid};
    Cred again;
    ASSERT_EQ(gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs,
                                    GSS_C_INITIATE, &store, &again.h, nullptr, nullptr),
              GSS_S_COMPLETE)
        << minor_text(minor, m.oid);
    EXPECT_EQ(impersonator_of(again.h), kService);
    Name n;
    ASSERT_EQ(gss_inquire_cred(&minor, again.h, &n.h, nullptr, nullptr, nullptr), GSS_S_COMPLETE);
    EXPECT_EQ(shown(n.h), "user@APX.TEST");
    // Exported and imported, it stays one too.
    Buffer token;
    ASSERT_EQ(gss_export_cred(&minor, again.h, &token.b), GSS_S_COMPLETE) << minor_text(minor, m.oid);
    Cred imported;
    ASSERT_EQ(gss_import_cred(&minor, &token.b, &imported.h), GSS_S_COMPLETE)
        << minor_text(minor, m.oid);
    EXPECT_EQ(impersonator_of(imported.h), kService);
    unlink(cc.substr(5).c_str());
  }
}

// A copy of the proxy ccache `from` in `to`, without the evidence ticket when
// `drop_evidence`, with proxy_impersonator set to `impersonator` (when not null).
void rewrite_proxy_ccache(const std::string& from, const std::string& to, bool drop_evidence,
                          const char* impersonator) {
  krb5_context c = nullptr;
  ASSERT_EQ(krb5_init_context(&c), 0);
  krb5_ccache in = nullptr, out = nullptr;
  krb5_principal user = nullptr, service = nullptr;
  ASSERT_EQ(krb5_cc_resolve(c, from.c_str(), &in), 0);
  ASSERT_EQ(krb5_cc_resolve(c, to.c_str(), &out), 0);
  ASSERT_EQ(krb5_cc_get_principal(c, in, &user), 0);
  ASSERT_EQ(krb5_parse_name(c, kService, &service), 0);
  ASSERT_EQ(krb5_cc_initialize(c, out, user), 0);
  krb5_cc_cursor cur;
  krb5_creds creds;
  ASSERT_EQ(krb5_cc_start_seq_get(c, in, &cur), 0);
  while (krb5_cc_next_cred(c, in, &cur, &creds) == 0) {
    const bool config = krb5_is_config_principal(c, creds.server);
    const bool evidence = krb5_principal_compare(c, creds.server, service);
    if (!config && !(drop_evidence && evidence)) {
      EXPECT_EQ(krb5_cc_store_cred(c, out, &creds), 0);
    }
    krb5_free_cred_contents(c, &creds);
  }
  krb5_cc_end_seq_get(c, in, &cur);
  const std::string value = impersonator ? impersonator : kService;
  krb5_data d{KV5M_DATA, static_cast<unsigned int>(value.size()), const_cast<char*>(value.data())};
  EXPECT_EQ(krb5_cc_set_config(c, out, nullptr, "proxy_impersonator", &d), 0);
  krb5_free_principal(c, user);
  krb5_free_principal(c, service);
  krb5_cc_close(c, in);
  krb5_cc_close(c, out);
  krb5_free_context(c);
}

// Acquire from `ccache` and initiate to the service's back end: the first major error.
OM_uint32 initiate_from(gss_OID mech, const std::string& ccache, std::string& text) {
  gss_key_value_element_desc el = {"ccache", ccache.c_str()};
  gss_key_value_set_desc store = {1, &el};
  gss_OID_set_desc mechs = {1, mech};
  Cred cred;
  OM_uint32 minor;
  OM_uint32 major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs,
                                          GSS_C_INITIATE, &store, &cred.h, nullptr, nullptr);
  if (major == GSS_S_COMPLETE) {
    Name backend = import("sha1@localhost", GSS_C_NT_HOSTBASED_SERVICE);
    Ctx ic;
    Buffer tok;
    major = gss_init_sec_context(&minor, cred.h, &ic.h, backend.h, mech, 0, 0, nullptr, nullptr,
                                 nullptr, &tok.b, nullptr, nullptr);
    EXPECT_EQ(tok.b.length, 0u);
  }
  text = minor_text(minor, mech);
  return major;
}

TEST(S4u2Self, DamagedProxyCcacheFailsCleanly) {
  // A stored proxy credential whose impersonator does not parse, or which lost its
  // evidence ticket: a GSS error with a text, never a ticket or a crash.
  for (const Mech& m : mechs()) {
    SCOPED_TRACE(m.label);
    Cred service = service_cred(m.oid);
    Name user = import("user@APX.TEST", GSS_KRB5_NT_PRINCIPAL_NAME);
    Cred imp;
    OM_uint32 minor;
    ASSERT_EQ(impersonate(m.oid, service.h, user, imp, &minor), GSS_S_COMPLETE);
    const std::string base = "FILE:" + Realm::shared().dir() + "/s4u-damaged-" +
                             std::to_string(getpid()) + "-" + m.label;
    gss_key_value_element_desc el = {"ccache", base.c_str()};
    gss_key_value_set_desc store = {1, &el};
    ASSERT_EQ(gss_store_cred_into(&minor, imp.h, GSS_C_INITIATE, m.oid, 1, 0, &store, nullptr,
                                  nullptr),
              GSS_S_COMPLETE);
    const std::string bad_name = base + "-name", no_evidence = base + "-noevidence";
    rewrite_proxy_ccache(base, bad_name, false, "a@B@C\\");
    rewrite_proxy_ccache(base, no_evidence, true, nullptr);
    std::string text;
    EXPECT_TRUE(GSS_ERROR(initiate_from(m.oid, bad_name, text))) << text;
    EXPECT_FALSE(text.empty());
    EXPECT_TRUE(GSS_ERROR(initiate_from(m.oid, no_evidence, text))) << text;
    EXPECT_FALSE(text.empty());
    for (const std::string& f : {base, bad_name, no_evidence}) unlink(f.substr(5).c_str());
  }
}

TEST(S4u2Self, ReleasedProxyCredentialsLeaveNoCache) {
  for (const Mech& m : mechs()) {
    SCOPED_TRACE(m.label);
    Cred service = service_cred(m.oid);
    MemoryCcacheWatch watch(Realm::shared().dir() + "/krb5trace-s4u-" + std::to_string(getpid()));
    Name user = import("user@APX.TEST", GSS_KRB5_NT_PRINCIPAL_NAME);
    for (int i = 0; i < 4; ++i) {
      Cred imp, delegated;
      OM_uint32 minor, flags = 0;
      ASSERT_EQ(impersonate(m.oid, service.h, user, imp, &minor), GSS_S_COMPLETE);
      std::string src;
      establish(m.oid, imp.h, service.h, src, flags, delegated);
    }
    EXPECT_GE(watch.seen().size(), 8u);
    EXPECT_EQ(watch.live(), std::vector<std::string>{});
  }
}

}  // namespace
}  // namespace apx::test
