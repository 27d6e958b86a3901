// Context lifetimes as MIT reports them (MIT's t_lifetime): the initiator's time_req asks
// for a ticket that lasts that long, and the acceptor adds the allowed clock skew as a
// grace period. apx (its own OID) and MIT (the krb5 OID) side by side, each from a fresh
// ccache that holds only the TGT.
#include <gtest/gtest.h>
#include <krb5/krb5.h>

#include <string>

#include "gssapi/gssapi_apx.h"
#include "kdc/gss_helpers.h"
#include "support/realm.h"

namespace apx::test {
namespace {

gss_OID_desc kApx = {APX_MECH_OID_LENGTH, const_cast<char*>(APX_MECH_OID_DER)};

// A FILE ccache at `path` holding a fresh TGT of the realm's user (from its keytab).
void fresh_ccache(const std::string& path) {
  krb5_context c = nullptr;
  ASSERT_EQ(krb5_init_context(&c), 0);
  krb5_principal user = nullptr;
  krb5_keytab kt = nullptr;
  krb5_ccache cc = nullptr;
  krb5_creds creds{};
  ASSERT_EQ(krb5_parse_name(c, Realm::shared().user_principal().c_str(), &user), 0);
  ASSERT_EQ(krb5_kt_resolve(c, Realm::shared().user_keytab().c_str(), &kt), 0);
  ASSERT_EQ(krb5_get_init_creds_keytab(c, &creds, user, kt, 0, nullptr, nullptr), 0);
  ASSERT_EQ(krb5_cc_resolve(c, ("FILE:" + path).c_str(), &cc), 0);
  ASSERT_EQ(krb5_cc_initialize(c, cc, user), 0);
  ASSERT_EQ(krb5_cc_store_cred(c, cc, &creds), 0);
  krb5_free_cred_contents(c, &creds);
  krb5_cc_close(c, cc);
  krb5_kt_close(c, kt);
  krb5_free_principal(c, user);
  krb5_free_context(c);
}

struct Lifetimes {
  OM_uint32 init = 0, init_ctx_time = 0, acc = 0, acc_ctx_time = 0;
};

Lifetimes measure(gss_OID mech, const std::string& ccache, OM_uint32 time_req) {
  Lifetimes l;
  OM_uint32 minor = 0;
  const char* old = nullptr;
  EXPECT_EQ(gss_krb5_ccache_name(&minor, ccache.c_str(), &old), GSS_S_COMPLETE);
  Name target = import("host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
  Ctx ic, ac;
  Buffer tok, rep, none;
  EXPECT_EQ(gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ic.h, target.h, mech, 0, time_req,
                                 nullptr, nullptr, nullptr, &tok.b, nullptr, &l.init),
            GSS_S_COMPLETE)
      << minor_text(minor, mech);
  EXPECT_EQ(gss_accept_sec_context(&minor, &ac.h, GSS_C_NO_CREDENTIAL, &tok.b, nullptr, nullptr,
                                   nullptr, &rep.b, nullptr, &l.acc, nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor, mech);
  EXPECT_EQ(gss_context_time(&minor, ic.h, &l.init_ctx_time), GSS_S_COMPLETE);
  EXPECT_EQ(gss_context_time(&minor, ac.h, &l.acc_ctx_time), GSS_S_COMPLETE);
  EXPECT_EQ(gss_krb5_ccache_name(&minor, nullptr, nullptr), GSS_S_COMPLETE);
  return l;
}

void expect_near(OM_uint32 got, OM_uint32 want) {
  EXPECT_LE(got, want);
  EXPECT_GE(got + 10, want);
}

TEST(Lifetime, TimeReqAndAcceptorGraceAsMit) {
  const std::string dir = Realm::shared().dir();
  constexpr OM_uint32 kReq = 3600;
  for (auto [label, mech] : {std::pair{"MIT", const_cast<gss_OID>(&kKrb5Oid)},
                             std::pair{"apx", &kApx}}) {
    SCOPED_TRACE(label);
    const std::string cc = dir + "/lifetime-" + label + ".ccache";
    fresh_ccache(cc);
    const Lifetimes l = measure(mech, "FILE:" + cc, kReq);
    expect_near(l.init, kReq);
    expect_near(l.init_ctx_time, kReq);
    expect_near(l.acc, kReq + 300);  // the realm's krb5.conf keeps MIT's default clockskew
    expect_near(l.acc_ctx_time, kReq + 300);
  }
}

}  // namespace
}  // namespace apx::test
