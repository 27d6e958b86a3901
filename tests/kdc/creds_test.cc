// Credentials through the mechglue with apx interposing the krb5 OID.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "kdc/gss_helpers.h"
#include "support/realm.h"

extern std::string g_trace_path;

namespace apx::test {
namespace {

gss_OID_set_desc krb5_set() { return {1, const_cast<gss_OID>(&kKrb5Oid)}; }

OM_uint32 acquire_from(gss_cred_usage_t usage, const char* key, const std::string& value,
                       Cred& out, OM_uint32& minor, gss_name_t name = GSS_C_NO_NAME) {
  gss_key_value_element_desc el = {key, value.c_str()};
  gss_key_value_set_desc store = {1, &el};
  gss_OID_set_desc mechs = krb5_set();
  return gss_acquire_cred_from(&minor, name, 0, &mechs, usage, &store, &out.h, nullptr, nullptr);
}

TEST(Creds, DefaultInitiatorCredential) {
  Cred c;
  OM_uint32 minor, lifetime = 0;
  gss_OID_set_desc mechs = krb5_set();
  ASSERT_EQ(gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_INITIATE, &c.h, nullptr,
                             &lifetime),
            GSS_S_COMPLETE)
      << minor_text(minor);
  EXPECT_GT(lifetime, 3600u);
  Name name;
  gss_cred_usage_t usage = -1;
  ASSERT_EQ(gss_inquire_cred(&minor, c.h, &name.h, &lifetime, &usage, nullptr), GSS_S_COMPLETE);
  EXPECT_EQ(usage, GSS_C_INITIATE);
  Buffer shown;
  ASSERT_EQ(gss_display_name(&minor, name.h, &shown.b, nullptr), GSS_S_COMPLETE);
  EXPECT_EQ(shown.str(), Realm::shared().user_principal());
  OM_uint32 init_life = 0, acc_life = 0;
  ASSERT_EQ(gss_inquire_cred_by_mech(&minor, c.h, &kKrb5Oid, nullptr, &init_life, &acc_life,
                                     &usage),
            GSS_S_COMPLETE);
  EXPECT_GT(init_life, 3600u);
}

TEST(Creds, BothUsagesFromDefaults) {
  // The client's tickets and the service keytab of the realm, in one credential.
  Cred c;
  OM_uint32 minor;
  gss_OID_set_desc mechs = krb5_set();
  ASSERT_EQ(gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_BOTH, &c.h, nullptr, nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor);
  gss_cred_usage_t usage = -1;
  OM_uint32 init_life = 0, acc_life = 0;
  ASSERT_EQ(gss_inquire_cred_by_mech(&minor, c.h, &kKrb5Oid, nullptr, &init_life, &acc_life,
                                     &usage),
            GSS_S_COMPLETE);
  EXPECT_EQ(usage, GSS_C_BOTH);
  EXPECT_GT(init_life, 0u);
  EXPECT_EQ(acc_life, GSS_C_INDEFINITE);
}

TEST(Creds, ExpiredTicketsSaySoAndHowToFix) {
  // As MIT: the credential is made, with lifetime 0, and inquire_cred reports it expired.
  Cred c;
  OM_uint32 minor;
  const std::string expired = "FILE:" + Realm::shared().expired_ccache();
  ASSERT_EQ(acquire_from(GSS_C_INITIATE, "ccache", expired, c, minor), GSS_S_COMPLETE)
      << minor_text(minor);
  OM_uint32 lifetime = 99;
  EXPECT_EQ(gss_inquire_cred(&minor, c.h, nullptr, &lifetime, nullptr, nullptr),
            GSS_S_CREDENTIALS_EXPIRED);
  EXPECT_EQ(lifetime, 0u);
  std::string text = minor_text(minor);
  EXPECT_NE(text.find("expired"), std::string::npos) << text;
  EXPECT_NE(text.find("kinit"), std::string::npos) << text;
  // A context cannot start from it: MIT's major (FAILURE), a message that says why.
  Name target = import("host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
  Ctx ctx;
  Buffer out;
  EXPECT_EQ(gss_init_sec_context(&minor, c.h, &ctx.h, target.h, &kKrb5Oid, 0, 0, nullptr,
                                 nullptr, nullptr, &out.b, nullptr, nullptr),
            GSS_S_FAILURE);
  text = minor_text(minor);
  EXPECT_NE(text.find("expired"), std::string::npos) << text;
  EXPECT_NE(text.find("kinit"), std::string::npos) << text;
}

TEST(Creds, MissingCcacheSaysNoCredentials) {
  Cred c;
  OM_uint32 minor;
  EXPECT_EQ(acquire_from(GSS_C_INITIATE, "ccache", "FILE:" + Realm::shared().dir() + "/none", c,
                         minor),
            GSS_S_NO_CRED);
  const std::string text = minor_text(minor);
  EXPECT_NE(text.find("No Kerberos credentials"), std::string::npos) << text;
  EXPECT_NE(text.find("kinit"), std::string::npos) << text;
}

TEST(Creds, AcceptorForNamedPrincipalNeedsItsKey) {
  Name host = import("host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
  Cred ok;
  OM_uint32 minor;
  EXPECT_EQ(acquire_from(GSS_C_ACCEPT, "keytab", "FILE:" + Realm::shared().keytab(), ok, minor,
                         host.h),
            GSS_S_COMPLETE)
      << minor_text(minor);
  Name other = import("other@localhost", GSS_C_NT_HOSTBASED_SERVICE);
  Cred missing;
  EXPECT_EQ(acquire_from(GSS_C_ACCEPT, "keytab", "FILE:" + Realm::shared().keytab(), missing,
                         minor, other.h),
            GSS_S_NO_CRED);
  const std::string text = minor_text(minor);
  EXPECT_NE(text.find("other/localhost@APX.TEST"), std::string::npos) << text;
  EXPECT_NE(text.find(Realm::shared().keytab()), std::string::npos) << text;
}

TEST(Creds, EmptyKeytabIsNoCred) {
  Cred c;
  OM_uint32 minor;
  EXPECT_EQ(acquire_from(GSS_C_ACCEPT, "keytab", "FILE:" + Realm::shared().dir() + "/absent.keytab",
                         c, minor),
            GSS_S_NO_CRED);
  EXPECT_NE(minor_text(minor).find("KRB5_KTNAME"), std::string::npos);
}

TEST(Creds, ClientKeytabFillsAnEmptyCache) {
  Cred c;
  OM_uint32 minor, lifetime = 0;
  gss_key_value_element_desc el[2] = {{"ccache", "MEMORY:apx-client-keytab-test"},
                                      {"client_keytab", nullptr}};
  const std::string kt = "FILE:" + Realm::shared().user_keytab();
  el[1].value = kt.c_str();
  gss_key_value_set_desc store = {2, el};
  gss_OID_set_desc mechs = krb5_set();
  ASSERT_EQ(gss_acquire_cred_from(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_INITIATE, &store, &c.h,
                                  nullptr, &lifetime),
            GSS_S_COMPLETE)
      << minor_text(minor);
  EXPECT_GT(lifetime, 3600u);
  Name name;
  ASSERT_EQ(gss_inquire_cred(&minor, c.h, &name.h, nullptr, nullptr, nullptr), GSS_S_COMPLETE);
  Buffer shown;
  gss_display_name(&minor, name.h, &shown.b, nullptr);
  EXPECT_EQ(shown.str(), Realm::shared().user_principal());
  // And a context starts from it.
  Name target = import("host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
  Ctx ctx;
  Buffer out;
  EXPECT_EQ(gss_init_sec_context(&minor, c.h, &ctx.h, target.h, &kKrb5Oid, 0, 0, nullptr,
                                 nullptr, nullptr, &out.b, nullptr, nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor);
}

TEST(Creds, ClientKeytabRenewsExpiredTickets) {
  Cred c;
  OM_uint32 minor, lifetime = 0;
  // A copy of the expired cache: the renewal writes into it.
  const std::string copy = Realm::shared().dir() + "/expired-copy.ccache";
  {
    std::ifstream in(Realm::shared().expired_ccache(), std::ios::binary);
    std::ofstream out(copy, std::ios::binary);
    out << in.rdbuf();
  }
  const std::string cc = "FILE:" + copy, kt = "FILE:" + Realm::shared().user_keytab();
  gss_key_value_element_desc el[2] = {{"ccache", cc.c_str()}, {"client_keytab", kt.c_str()}};
  gss_key_value_set_desc store = {2, el};
  gss_OID_set_desc mechs = krb5_set();
  ASSERT_EQ(gss_acquire_cred_from(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_INITIATE, &store, &c.h,
                                  nullptr, &lifetime),
            GSS_S_COMPLETE)
      << minor_text(minor);
  EXPECT_GT(lifetime, 3600u);
}

TEST(Creds, CcacheNameExtensionSwitchesTheDefault) {
  OM_uint32 minor;
  const char* old = nullptr;
  const std::string expired = "FILE:" + Realm::shared().expired_ccache();
  ASSERT_EQ(gss_krb5_ccache_name(&minor, expired.c_str(), &old), GSS_S_COMPLETE);
  {
    Cred c;
    OM_uint32 lifetime = 99;
    gss_OID_set_desc mechs = krb5_set();
    EXPECT_EQ(gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_INITIATE, &c.h, nullptr,
                               &lifetime),
              GSS_S_COMPLETE);
    EXPECT_EQ(lifetime, 0u);  // the expired cache was used
  }
  ASSERT_EQ(gss_krb5_ccache_name(&minor, nullptr, &old), GSS_S_COMPLETE);
  ASSERT_NE(old, nullptr);
  EXPECT_EQ(std::string(old), expired);
  Cred c;
  gss_OID_set_desc mechs = krb5_set();
  EXPECT_EQ(gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_INITIATE, &c.h, nullptr,
                             nullptr),
            GSS_S_COMPLETE);
}

TEST(Creds, RegisterAcceptorIdentityPicksTheKeytab) {
  OM_uint32 minor;
  const std::string absent = "FILE:" + Realm::shared().dir() + "/absent.keytab";
  ASSERT_EQ(krb5_gss_register_acceptor_identity(absent.c_str()), GSS_S_COMPLETE);
  {
    Cred c;
    gss_OID_set_desc mechs = krb5_set();
    EXPECT_EQ(gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_ACCEPT, &c.h, nullptr,
                               nullptr),
              GSS_S_NO_CRED);
  }
  ASSERT_EQ(krb5_gss_register_acceptor_identity(nullptr), GSS_S_COMPLETE);
  Cred c;
  gss_OID_set_desc mechs = krb5_set();
  EXPECT_EQ(gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_ACCEPT, &c.h, nullptr,
                             nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor);
}

// admin/admin has a password in the realm (scripts/realm).
constexpr const char* kAdminPassword = "apx-test-admin";
std::string admin_principal() { return std::string("admin/admin@") + Realm::kName; }

std::string cred_name_text(gss_cred_id_t c) {
  OM_uint32 minor;
  Name name;
  if (gss_inquire_cred(&minor, c, &name.h, nullptr, nullptr, nullptr) != GSS_S_COMPLETE)
    return "(inquire_cred failed: " + minor_text(minor) + ")";
  Buffer shown;
  gss_display_name(&minor, name.h, &shown.b, nullptr);
  return shown.str();
}

// gss_acquire_cred_with_password, as mod_auth_gssapi's GssapiBasicAuth calls it.
OM_uint32 acquire_with_password(const std::string& password, Cred& out, OM_uint32& minor,
                                OM_uint32* lifetime = nullptr) {
  Name admin = import(admin_principal(), GSS_C_NT_USER_NAME);
  gss_buffer_desc pw = buf(password);
  gss_OID_set_desc mechs = krb5_set();
  return gss_acquire_cred_with_password(&minor, admin.h, &pw, 0, &mechs, GSS_C_INITIATE, &out.h,
                                        nullptr, lifetime);
}

TEST(Creds, PasswordGetsTicketsOfItsOwn) {
  Cred c;
  OM_uint32 minor, lifetime = 0;
  ASSERT_EQ(acquire_with_password(kAdminPassword, c, minor, &lifetime), GSS_S_COMPLETE)
      << minor_text(minor);
  EXPECT_GT(lifetime, 3600u);
  EXPECT_EQ(cred_name_text(c.h), admin_principal());
  // A context starts from it, and the acceptor sees admin/admin.
  Name target = import("host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
  Ctx ic, ac;
  Buffer to_acc, to_init;
  ASSERT_EQ(gss_init_sec_context(&minor, c.h, &ic.h, target.h, &kKrb5Oid, 0, 0, nullptr, nullptr,
                                 nullptr, &to_acc.b, nullptr, nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor);
  Name src;
  ASSERT_EQ(gss_accept_sec_context(&minor, &ac.h, GSS_C_NO_CREDENTIAL, &to_acc.b, nullptr, &src.h,
                                   nullptr, &to_init.b, nullptr, nullptr, nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor);
  Buffer shown;
  gss_display_name(&minor, src.h, &shown.b, nullptr);
  EXPECT_EQ(shown.str(), admin_principal());
  // The default ccache was left alone: it still holds user's tickets.
  Cred def;
  gss_OID_set_desc mechs = krb5_set();
  ASSERT_EQ(gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_INITIATE, &def.h, nullptr,
                             nullptr),
            GSS_S_COMPLETE);
  EXPECT_EQ(cred_name_text(def.h), Realm::shared().user_principal());
}

TEST(Creds, WrongPasswordIsNoCredAndSaysWhy) {
  Cred c;
  OM_uint32 minor;
  EXPECT_EQ(acquire_with_password("not-the-password", c, minor), GSS_S_NO_CRED);
  EXPECT_NE(minor_text(minor).find("with the password"), std::string::npos) << minor_text(minor);
}

TEST(Creds, PasswordStoreKey) {
  // MIT's "password" store key: the same initial tickets, for a named initiator only.
  Name admin = import(admin_principal(), GSS_C_NT_USER_NAME);
  OM_uint32 minor;
  {
    Cred c;
    ASSERT_EQ(acquire_from(GSS_C_INITIATE, "password", kAdminPassword, c, minor, admin.h),
              GSS_S_COMPLETE)
        << minor_text(minor);
    EXPECT_EQ(cred_name_text(c.h), admin_principal());
  }
  Cred no_name, acceptor;
  EXPECT_EQ(acquire_from(GSS_C_INITIATE, "password", kAdminPassword, no_name, minor),
            GSS_S_BAD_NAME);
  EXPECT_EQ(acquire_from(GSS_C_ACCEPT, "password", kAdminPassword, acceptor, minor, admin.h),
            GSS_S_FAILURE);
}

// The MEMORY ccache apx named in its trace for the password credential (apx's plugin and
// this test share the process's libkrb5, so the cache can be looked at from here).
std::string last_password_ccache() {
  std::ifstream f(g_trace_path);
  std::string line, name;
  const std::string mark = " with its password, into ";
  while (std::getline(f, line)) {
    const size_t at = line.find(mark);
    if (at != std::string::npos) name = line.substr(at + mark.size());
  }
  return name;
}

bool ccache_has_tickets(const std::string& name) {
  krb5_context c = nullptr;
  if (krb5_init_context(&c) != 0) return false;
  krb5_ccache cc = nullptr;
  krb5_principal p = nullptr;
  const bool has = krb5_cc_resolve(c, name.c_str(), &cc) == 0 &&
                   krb5_cc_get_principal(c, cc, &p) == 0;
  krb5_free_principal(c, p);
  if (cc != nullptr) krb5_cc_close(c, cc);
  krb5_free_context(c);
  return has;
}

TEST(Creds, PasswordTicketsGoWithTheCredential) {
  // libkrb5 keeps a MEMORY ccache's tickets until it is destroyed, not closed: a server
  // checking a password per request would otherwise keep every user's tickets.
  std::string cache;
  {
    Cred c;
    OM_uint32 minor;
    ASSERT_EQ(acquire_with_password(kAdminPassword, c, minor), GSS_S_COMPLETE)
        << minor_text(minor);
    cache = last_password_ccache();
    ASSERT_EQ(cache.rfind("MEMORY:", 0), 0u) << cache;
    EXPECT_TRUE(ccache_has_tickets(cache));
  }
  EXPECT_FALSE(ccache_has_tickets(cache)) << cache << " outlived its credential";
}

}  // namespace
}  // namespace apx::test
