// Initiator credentials as MIT 1.20 chooses and fills them (its t_ccselect.py,
// t_client_keytab.py, t_store_cred.py, t_credstore.py): ccache selection by the target,
// the client keytab writing to the default ccache and refreshing it, gss_store_cred(_into)
// into collections, and password credentials.
//
// Built into both in-process suites: in kdc-interposer apx answers for the krb5 OID; in
// kdc-standalone every case runs for apx under its own OID and for MIT's mechanism (the
// control) under the krb5 OID, which must pass it as well.
#include <gtest/gtest.h>
#include <krb5/krb5.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
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
  // gss_krb5_ccache_name reaches the mechanism: the mechglue sends it to the krb5 OID only.
  bool krb5_extensions;
};

std::vector<Mech> mechs() {
#ifdef APX_SUITE_STANDALONE
  static gss_OID_desc apx_oid = {APX_MECH_OID_LENGTH, const_cast<char*>(APX_MECH_OID_DER)};
  return {{"apx", &apx_oid, false}, {"MIT", &kKrb5Oid, true}};
#else
  return {{"apx (interposed)", &kKrb5Oid, true}};
#endif
}

constexpr const char* kAdmin = "admin/admin@APX.TEST";
constexpr const char* kAdminPassword = "apx-test-admin";  // scripts/realm

std::string admin_keytab() { return "FILE:" + Realm::shared().dir() + "/admin.keytab"; }
std::string user_keytab() { return "FILE:" + Realm::shared().user_keytab(); }

// A fresh directory under the realm's for one case.
std::string scratch(const std::string& what) {
  static int n = 0;
  const std::string d = Realm::shared().dir() + "/initcred-" + std::to_string(getpid()) + "-" +
                        what + "-" + std::to_string(++n);
  std::filesystem::create_directories(d);
  return d;
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// kinit -k: tickets for `client` from `keytab` into `ccname`.
void kinit(const std::string& ccname, const char* client, const std::string& keytab) {
  krb5_context c = nullptr;
  ASSERT_EQ(krb5_init_context(&c), 0);
  krb5_ccache cc = nullptr;
  krb5_keytab kt = nullptr;
  krb5_principal p = nullptr;
  krb5_creds creds{};
  ASSERT_EQ(krb5_cc_resolve(c, ccname.c_str(), &cc), 0);
  ASSERT_EQ(krb5_kt_resolve(c, keytab.c_str(), &kt), 0);
  ASSERT_EQ(krb5_parse_name(c, client, &p), 0);
  ASSERT_EQ(krb5_get_init_creds_keytab(c, &creds, p, kt, 0, nullptr, nullptr), 0);
  ASSERT_EQ(krb5_cc_initialize(c, cc, p), 0);
  ASSERT_EQ(krb5_cc_store_cred(c, cc, &creds), 0);
  krb5_free_cred_contents(c, &creds);
  krb5_free_principal(c, p);
  krb5_kt_close(c, kt);
  krb5_cc_close(c, cc);
  krb5_free_context(c);
}

// The client of `ccname` ("" when it has none), and its refresh_time config entry.
struct CacheView {
  std::string client;
  long refresh_time = 0;
};
CacheView view(const std::string& ccname) {
  CacheView v;
  krb5_context c = nullptr;
  if (krb5_init_context(&c) != 0) return v;
  krb5_ccache cc = nullptr;
  krb5_principal p = nullptr;
  if (krb5_cc_resolve(c, ccname.c_str(), &cc) == 0 && krb5_cc_get_principal(c, cc, &p) == 0) {
    char* s = nullptr;
    if (krb5_unparse_name(c, p, &s) == 0) v.client = s;
    krb5_free_unparsed_name(c, s);
    krb5_data d{};
    if (krb5_cc_get_config(c, cc, nullptr, "refresh_time", &d) == 0) {
      v.refresh_time = std::stol(std::string(d.data, d.length));
      krb5_free_data_contents(c, &d);
    }
  }
  krb5_free_principal(c, p);
  if (cc != nullptr) krb5_cc_close(c, cc);
  krb5_free_context(c);
  return v;
}

// The primary cache's client in the collection `ccname`, and all its clients.
std::vector<std::string> collection_clients(const std::string& ccname, std::string& primary) {
  std::vector<std::string> out;
  ScopedEnv env("KRB5CCNAME", ccname);
  primary = view(ccname).client;
  krb5_context c = nullptr;
  if (krb5_init_context(&c) != 0) return out;
  krb5_cccol_cursor cur = nullptr;
  krb5_ccache cc = nullptr;
  if (krb5_cccol_cursor_new(c, &cur) == 0) {
    while (krb5_cccol_cursor_next(c, cur, &cc) == 0 && cc != nullptr) {
      char* name = nullptr;
      if (krb5_cc_get_full_name(c, cc, &name) == 0) out.push_back(view(name).client);
      krb5_free_string(c, name);
      krb5_cc_close(c, cc);
    }
    krb5_cccol_cursor_free(c, &cur);
  }
  krb5_free_context(c);
  return out;
}

// One context from `cred` to host@localhost; the acceptor's view of the initiator ("" and
// the failing major in `major` when it does not start).
std::string initiator_seen(gss_OID mech, gss_cred_id_t cred, OM_uint32* major = nullptr) {
  Name target = import("host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
  OM_uint32 minor = 0;
  Ctx ic, ac;
  Buffer tok, rep, shown;
  Name src;
  const OM_uint32 m = gss_init_sec_context(&minor, cred, &ic.h, target.h, mech, 0, 0, nullptr,
                                           nullptr, nullptr, &tok.b, nullptr, nullptr);
  if (major != nullptr) *major = m;
  if (m != GSS_S_COMPLETE) return "";
  EXPECT_EQ(gss_accept_sec_context(&minor, &ac.h, GSS_C_NO_CREDENTIAL, &tok.b, nullptr, &src.h,
                                   nullptr, &rep.b, nullptr, nullptr, nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor, mech);
  gss_display_name(&minor, src.h, &shown.b, nullptr);
  return shown.str();
}

// A DIR collection holding user (primary) and admin/admin, with HOME holding `k5identity`.
struct Collection {
  std::string dir, ccname;
};
Collection user_and_admin(const std::string& k5identity) {
  Collection col;
  col.dir = scratch("col");
  col.ccname = "DIR:" + col.dir + "/cc";
  std::filesystem::create_directories(col.dir + "/cc");
  // DIR's primary is its "tkt" cache until one is switched to.
  kinit("DIR::" + col.dir + "/cc/tktadmin", kAdmin, admin_keytab());
  kinit("DIR::" + col.dir + "/cc/tkt", "user@APX.TEST", user_keytab());
  std::ofstream(col.dir + "/.k5identity") << k5identity;
  return col;
}

TEST(InitiatorCreds, DefaultCredentialFollowsK5identityForTheTarget) {
  // MIT's t_ccselect: no name given, the ccache is chosen by the target at
  // gss_init_sec_context time (krb5_cc_select), not the collection's primary.
  const Collection col = user_and_admin(std::string(kAdmin) + " service=host host=localhost\n");
  ScopedEnv cc("KRB5CCNAME", col.ccname), home("HOME", col.dir);
  for (const Mech& m : mechs()) {
    SCOPED_TRACE(m.label);
    EXPECT_EQ(initiator_seen(m.oid, GSS_C_NO_CREDENTIAL), kAdmin);
    // The same with a credential acquired without a name (and no lifetime asked for).
    Cred c;
    OM_uint32 minor;
    gss_OID_set_desc set = {1, m.oid};
    ASSERT_EQ(gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &set, GSS_C_INITIATE, &c.h, nullptr,
                               nullptr),
              GSS_S_COMPLETE)
        << minor_text(minor, m.oid);
    EXPECT_EQ(initiator_seen(m.oid, c.h), kAdmin);
  }
}

TEST(InitiatorCreds, NoTicketsAnywhereIsNoCredAtAcquire) {
  const std::string d = scratch("empty");
  ScopedEnv cc("KRB5CCNAME", "DIR:" + d), ckt("KRB5_CLIENT_KTNAME", "FILE:" + d + "/none.kt");
  for (const Mech& m : mechs()) {
    SCOPED_TRACE(m.label);
    Cred c;
    OM_uint32 minor;
    gss_OID_set_desc set = {1, m.oid};
    EXPECT_EQ(gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &set, GSS_C_INITIATE, &c.h, nullptr,
                               nullptr),
              GSS_S_NO_CRED);
    EXPECT_NE(minor_text(minor, m.oid).find("No Kerberos credentials available"),
              std::string::npos)
        << minor_text(minor, m.oid);
  }
}

TEST(InitiatorCreds, ClientKeytabWritesTheEmptyDefaultCache) {
  // MIT's t_client_keytab test 5: a name, no cache for it, the default cache absent: the
  // tickets go to the default cache (not a private one), with a refresh_time.
  for (const Mech& m : mechs()) {
    SCOPED_TRACE(m.label);
    const std::string ccname = "FILE:" + scratch("kt") + "/ccache";
    ScopedEnv cc("KRB5CCNAME", ccname);
    Name user = import("user@APX.TEST", GSS_C_NT_USER_NAME);
    gss_key_value_element_desc el = {"client_keytab", nullptr};
    const std::string kt = user_keytab();
    el.value = kt.c_str();
    gss_key_value_set_desc store = {1, &el};
    gss_OID_set_desc set = {1, m.oid};
    Cred c;
    OM_uint32 minor;
    ASSERT_EQ(gss_acquire_cred_from(&minor, user.h, 0, &set, GSS_C_INITIATE, &store, &c.h,
                                    nullptr, nullptr),
              GSS_S_COMPLETE)
        << minor_text(minor, m.oid);
    const CacheView v = view(ccname);
    EXPECT_EQ(v.client, "user@APX.TEST");
    EXPECT_GT(v.refresh_time, 1000);
  }
}

TEST(InitiatorCreds, ClientKeytabRefusesADefaultCacheOfAnotherClient) {
  // MIT's t_client_keytab test 4: the default FILE cache holds user; admin/admin is asked
  // for and is in the client keytab: the cache is not taken over.
  for (const Mech& m : mechs()) {
    SCOPED_TRACE(m.label);
    const std::string ccname = "FILE:" + scratch("other") + "/ccache";
    kinit(ccname, "user@APX.TEST", user_keytab());
    ScopedEnv cc("KRB5CCNAME", ccname);
    Name admin = import(kAdmin, GSS_C_NT_USER_NAME);
    const std::string kt = admin_keytab();
    gss_key_value_element_desc el = {"client_keytab", kt.c_str()};
    gss_key_value_set_desc store = {1, &el};
    gss_OID_set_desc set = {1, m.oid};
    Cred c;
    OM_uint32 minor;
    EXPECT_EQ(gss_acquire_cred_from(&minor, admin.h, 0, &set, GSS_C_INITIATE, &store, &c.h,
                                    nullptr, nullptr),
              GSS_S_NO_CRED);
    EXPECT_NE(minor_text(minor, m.oid).find("does not match desired name"), std::string::npos)
        << minor_text(minor, m.oid);
    EXPECT_EQ(view(ccname).client, "user@APX.TEST");
  }
}

TEST(InitiatorCreds, ClientKeytabRefreshesAtRefreshTime) {
  // MIT's t_client_keytab test 6: refresh_time passed, the tickets are got again.
  for (const Mech& m : mechs()) {
    SCOPED_TRACE(m.label);
    const std::string ccname = "FILE:" + scratch("refresh") + "/ccache";
    kinit(ccname, "user@APX.TEST", user_keytab());
    {
      krb5_context c = nullptr;
      krb5_ccache cc = nullptr;
      ASSERT_EQ(krb5_init_context(&c), 0);
      ASSERT_EQ(krb5_cc_resolve(c, ccname.c_str(), &cc), 0);
      krb5_data one = {KV5M_DATA, 1, const_cast<char*>("1")};
      ASSERT_EQ(krb5_cc_set_config(c, cc, nullptr, "refresh_time", &one), 0);
      krb5_cc_close(c, cc);
      krb5_free_context(c);
    }
    ASSERT_EQ(view(ccname).refresh_time, 1);
    const std::string kt = user_keytab();
    gss_key_value_element_desc el[2] = {{"ccache", ccname.c_str()}, {"client_keytab", kt.c_str()}};
    gss_key_value_set_desc store = {2, el};
    gss_OID_set_desc set = {1, m.oid};
    Name user = import("user@APX.TEST", GSS_C_NT_USER_NAME);
    Cred c;
    OM_uint32 minor;
    ASSERT_EQ(gss_acquire_cred_from(&minor, user.h, 0, &set, GSS_C_INITIATE, &store, &c.h,
                                    nullptr, nullptr),
              GSS_S_COMPLETE)
        << minor_text(minor, m.oid);
    EXPECT_GT(view(ccname).refresh_time, 1000);
  }
}

OM_uint32 acquire_ccache(gss_OID mech, const std::string& ccname, Cred& out) {
  gss_key_value_element_desc el = {"ccache", ccname.c_str()};
  gss_key_value_set_desc store = {1, &el};
  gss_OID_set_desc set = {1, mech};
  OM_uint32 minor;
  return gss_acquire_cred_from(&minor, GSS_C_NO_NAME, 0, &set, GSS_C_INITIATE, &store, &out.h,
                               nullptr, nullptr);
}

OM_uint32 store_into(gss_OID mech, gss_cred_id_t cred, const std::string& ccname,
                     bool overwrite, bool make_default) {
  gss_key_value_element_desc el = {"ccache", ccname.c_str()};
  gss_key_value_set_desc store = {1, &el};
  OM_uint32 minor;
  return gss_store_cred_into(&minor, cred, GSS_C_INITIATE, mech, overwrite, make_default, &store,
                             nullptr, nullptr);
}

TEST(InitiatorCreds, StoreCredKeepsEveryClientOfACollection) {
  // MIT's t_store_cred: storing admin must not lose user; default_cred makes it primary;
  // an occupied destination needs overwrite_cred.
  for (const Mech& m : mechs()) {
    SCOPED_TRACE(m.label);
    const std::string d = scratch("store");
    const std::string cc_user = "FILE:" + d + "/user", cc_admin = "FILE:" + d + "/admin";
    kinit(cc_user, "user@APX.TEST", user_keytab());
    kinit(cc_admin, kAdmin, admin_keytab());
    std::filesystem::create_directories(d + "/cc");
    const std::string col = "DIR:" + d + "/cc";
    Cred user, admin;
    ASSERT_EQ(acquire_ccache(m.oid, cc_user, user), GSS_S_COMPLETE);
    ASSERT_EQ(acquire_ccache(m.oid, cc_admin, admin), GSS_S_COMPLETE);
    EXPECT_EQ(store_into(m.oid, user.h, col, false, false), GSS_S_COMPLETE);
    EXPECT_EQ(store_into(m.oid, user.h, col, false, false), GSS_S_DUPLICATE_ELEMENT);
    EXPECT_EQ(store_into(m.oid, user.h, col, true, false), GSS_S_COMPLETE);
    EXPECT_EQ(store_into(m.oid, admin.h, col, false, true), GSS_S_COMPLETE);
    std::string primary;
    std::vector<std::string> clients = collection_clients(col, primary);
    std::sort(clients.begin(), clients.end());
    EXPECT_EQ(clients, (std::vector<std::string>{kAdmin, "user@APX.TEST"}));
    EXPECT_EQ(primary, kAdmin);
    // A FILE destination holding tickets is replaced only with overwrite_cred.
    EXPECT_EQ(store_into(m.oid, admin.h, cc_user, false, false), GSS_S_DUPLICATE_ELEMENT);
    EXPECT_EQ(view(cc_user).client, "user@APX.TEST");
    EXPECT_EQ(store_into(m.oid, admin.h, cc_user, true, false), GSS_S_COMPLETE);
    EXPECT_EQ(view(cc_user).client, kAdmin);
  }
}

TEST(InitiatorCreds, StoreCredFollowsCcacheNameExtension) {
  // gss_store_cred (no store) goes where gss_krb5_ccache_name points.
  for (const Mech& m : mechs()) {
    if (!m.krb5_extensions) continue;
    SCOPED_TRACE(m.label);
    const std::string d = scratch("ccname");
    const std::string src = "FILE:" + d + "/src", dest = "FILE:" + d + "/dest";
    kinit(src, "user@APX.TEST", user_keytab());
    Cred c;
    ASSERT_EQ(acquire_ccache(m.oid, src, c), GSS_S_COMPLETE);
    OM_uint32 minor;
    ASSERT_EQ(gss_krb5_ccache_name(&minor, dest.c_str(), nullptr), GSS_S_COMPLETE);
    const OM_uint32 major =
        gss_store_cred(&minor, c.h, GSS_C_INITIATE, m.oid, 0, 0, nullptr, nullptr);
    ASSERT_EQ(gss_krb5_ccache_name(&minor, nullptr, nullptr), GSS_S_COMPLETE);
    EXPECT_EQ(major, GSS_S_COMPLETE) << minor_text(minor, m.oid);
    EXPECT_EQ(view(dest).client, "user@APX.TEST");
  }
}

TEST(InitiatorCreds, PasswordCredentialInAMemoryCacheGoneOnRelease) {
  const std::string d = scratch("pw");
  ScopedEnv cc("KRB5CCNAME", "FILE:" + d + "/untouched");
  for (const Mech& m : mechs()) {
    SCOPED_TRACE(m.label);
    MemoryCcacheWatch watch(Realm::shared().dir() + "/krb5trace-pw-" + std::to_string(getpid()));
    {
      Name admin = import(kAdmin, GSS_C_NT_USER_NAME);
      const std::string password = kAdminPassword;  // outlives the buffer that points at it
      gss_buffer_desc pw = buf(password);
      gss_OID_set_desc set = {1, m.oid};
      Cred c;
      OM_uint32 minor, lifetime = 0;
      ASSERT_EQ(gss_acquire_cred_with_password(&minor, admin.h, &pw, 0, &set, GSS_C_INITIATE,
                                               &c.h, nullptr, &lifetime),
                GSS_S_COMPLETE)
          << minor_text(minor, m.oid);
      EXPECT_GT(lifetime, 3600u);
      EXPECT_EQ(initiator_seen(m.oid, c.h), kAdmin);
    }
    EXPECT_GE(watch.seen().size(), 1u);
    EXPECT_EQ(watch.live(), std::vector<std::string>{});
    EXPECT_FALSE(std::filesystem::exists(d + "/untouched"));
  }
}

OM_uint32 acquire_password_store(gss_OID mech, std::vector<gss_key_value_element_desc> el,
                                 const char* name, Cred& out, OM_uint32& minor) {
  gss_key_value_set_desc store = {static_cast<OM_uint32>(el.size()), el.data()};
  gss_OID_set_desc set = {1, mech};
  Name n = name != nullptr ? import(name, GSS_C_NT_USER_NAME) : Name{};
  return gss_acquire_cred_from(&minor, n.h, 0, &set, GSS_C_INITIATE, &store, &out.h, nullptr,
                               nullptr);
}

TEST(InitiatorCreds, PasswordAndVerifyStoreKeys) {
  // MIT's t_credstore "password" and "verify": a password needs a name and no ccache; with
  // "verify" the tickets must work against the keytab's key.
  const std::string good = "FILE:" + Realm::shared().keytab();
  const std::string stale = "FILE:" + Realm::shared().stale_keytab();
  const std::string d = scratch("verify");
  ScopedEnv cc("KRB5CCNAME", "FILE:" + d + "/untouched");
  for (const Mech& m : mechs()) {
    SCOPED_TRACE(m.label);
    OM_uint32 minor;
    {
      Cred c;
      ASSERT_EQ(acquire_password_store(m.oid, {{"password", kAdminPassword}}, kAdmin, c, minor),
                GSS_S_COMPLETE)
          << minor_text(minor, m.oid);
      EXPECT_EQ(initiator_seen(m.oid, c.h), kAdmin);
    }
    Cred noname, wrongpw, withcc, verified, mismatch;
    EXPECT_EQ(acquire_password_store(m.oid, {{"password", "x"}}, nullptr, noname, minor),
              GSS_S_BAD_NAME);
    EXPECT_EQ(acquire_password_store(m.oid, {{"password", "wrong"}}, kAdmin, wrongpw, minor),
              GSS_S_NO_CRED);
    EXPECT_EQ(acquire_password_store(m.oid, {{"password", kAdminPassword}, {"ccache", "MEMORY:x"}},
                                     kAdmin, withcc, minor),
              GSS_S_FAILURE);
    EXPECT_NE(minor_text(minor, m.oid).find("Credential usage type is unknown"),
              std::string::npos)
        << minor_text(minor, m.oid);
    EXPECT_EQ(acquire_password_store(m.oid,
                                     {{"password", kAdminPassword},
                                      {"keytab", good.c_str()},
                                      {"verify", "host/localhost@APX.TEST"}},
                                     kAdmin, verified, minor),
              GSS_S_COMPLETE)
        << minor_text(minor, m.oid);
    // The stale keytab holds an old key of host/localhost: verification fails.
    EXPECT_EQ(acquire_password_store(m.oid,
                                     {{"password", kAdminPassword},
                                      {"keytab", stale.c_str()},
                                      {"verify", "host/localhost@APX.TEST"}},
                                     kAdmin, mismatch, minor),
              GSS_S_NO_CRED);
  }
  EXPECT_FALSE(std::filesystem::exists(d + "/untouched"));
}

}  // namespace
}  // namespace apx::test
