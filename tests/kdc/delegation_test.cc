// Delegated tickets and the caches apx makes for itself must not outlive their owner.
// libkrb5 keeps a MEMORY ccache — for delegated tickets, the user's TGT and its session
// key — in a process-wide table until krb5_cc_destroy; krb5_cc_close leaves it there.
// MIT's mechanism destroys what it made when the credential is released, and keeps no
// delegated tickets for a caller that passed no delegated_cred_handle.
//
// Built into both in-process suites: in kdc-interposer apx answers for the krb5 OID; in
// kdc-standalone the same cases run for apx under its own OID and for MIT's mechanism
// (the control), which must pass them as well.
#include <gtest/gtest.h>

#include <cstdlib>
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
  bool is_apx;
};

std::vector<Mech> mechs() {
#ifdef APX_SUITE_STANDALONE
  static gss_OID_desc apx_oid = {APX_MECH_OID_LENGTH, const_cast<char*>(APX_MECH_OID_DER)};
  return {{"apx", &apx_oid, true}, {"MIT", &kKrb5Oid, false}};
#else
  return {{"apx (interposed)", &kKrb5Oid, true}};
#endif
}

std::string trace_file(const char* what) {
  return Realm::shared().dir() + "/krb5trace-" + what + "-" + std::to_string(getpid());
}

// One delegating exchange; `delegated` null: the acceptor does not ask for the tickets.
// Returns the acceptor's flags.
OM_uint32 delegate_once(gss_OID mech, gss_cred_id_t* delegated) {
  Name target = import("host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
  OM_uint32 minor, flags = 0;
  Ctx ic, ac;
  Buffer tok, rep, none;
  EXPECT_EQ(gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ic.h, target.h, mech,
                                 GSS_C_MUTUAL_FLAG | GSS_C_DELEG_FLAG, 0, nullptr, nullptr,
                                 nullptr, &tok.b, nullptr, nullptr),
            GSS_S_CONTINUE_NEEDED)
      << minor_text(minor, mech);
  EXPECT_EQ(gss_accept_sec_context(&minor, &ac.h, GSS_C_NO_CREDENTIAL, &tok.b, nullptr, nullptr,
                                   nullptr, &rep.b, &flags, nullptr, delegated),
            GSS_S_COMPLETE)
      << minor_text(minor, mech);
  EXPECT_EQ(gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ic.h, target.h, mech,
                                 GSS_C_MUTUAL_FLAG | GSS_C_DELEG_FLAG, 0, nullptr, &rep.b,
                                 nullptr, &none.b, nullptr, nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor, mech);
  return flags;
}

// The delegated tickets can be copied out (OpenSSH's way) before the credential goes.
void expect_copyable(gss_cred_id_t delegated) {
  krb5_context c = nullptr;
  ASSERT_EQ(krb5_init_context(&c), 0);
  krb5_ccache mem = nullptr;
  krb5_principal user = nullptr;
  ASSERT_EQ(krb5_cc_new_unique(c, "MEMORY", nullptr, &mem), 0);
  ASSERT_EQ(krb5_parse_name(c, Realm::shared().user_principal().c_str(), &user), 0);
  ASSERT_EQ(krb5_cc_initialize(c, mem, user), 0);
  OM_uint32 minor;
  EXPECT_EQ(gss_krb5_copy_ccache(&minor, delegated, mem), GSS_S_COMPLETE) << minor_text(minor);
  krb5_creds want{}, got{};
  want.client = user;
  EXPECT_EQ(krb5_parse_name(c, "krbtgt/APX.TEST@APX.TEST", &want.server), 0);
  EXPECT_EQ(krb5_cc_retrieve_cred(c, mem, 0, &want, &got), 0) << "no TGT copied";
  krb5_free_cred_contents(c, &got);
  krb5_free_principal(c, want.server);
  krb5_free_principal(c, user);
  krb5_cc_destroy(c, mem);
  krb5_free_context(c);
}

constexpr int kRounds = 6;

TEST(Delegation, ReleasedDelegatedTicketsLeaveNoCache) {
  for (const Mech& m : mechs()) {
    SCOPED_TRACE(m.label);
    MemoryCcacheWatch watch(trace_file("deleg"));
    for (int i = 0; i < kRounds; ++i) {
      Cred delegated;
      const OM_uint32 flags = delegate_once(m.oid, &delegated.h);
      EXPECT_TRUE(flags & GSS_C_DELEG_FLAG);
      ASSERT_NE(delegated.h, GSS_C_NO_CREDENTIAL);
      if (i == 0) expect_copyable(delegated.h);
    }  // gss_release_cred here
    // The trace saw the delegated caches (else this would prove nothing) ...
    EXPECT_GE(watch.seen().size(), static_cast<size_t>(kRounds));
    // ... and none is left.
    EXPECT_EQ(watch.live(), std::vector<std::string>{});
  }
}

TEST(Delegation, TicketsNotAskedForAreCheckedAndDropped) {
  for (const Mech& m : mechs()) {
    SCOPED_TRACE(m.label);
    MemoryCcacheWatch watch(trace_file("nodeleg"));
    for (int i = 0; i < kRounds; ++i) {
      // MIT reads the KRB-CRED and reports GSS_C_DELEG_FLAG, then drops the tickets.
      EXPECT_TRUE(delegate_once(m.oid, nullptr) & GSS_C_DELEG_FLAG);
    }
    EXPECT_EQ(watch.live(), std::vector<std::string>{});
  }
}

// A credential filled from the client keytab keeps its tickets in a MEMORY cache of its
// own (apx; MIT writes them to the empty default cache instead), gone with it.
TEST(Delegation, ClientKeytabCacheGoesWithItsCredential) {
  const std::string no_cache = "FILE:" + Realm::shared().dir() + "/no-such.ccache";
  const std::string old_ccname = std::getenv("KRB5CCNAME");
  setenv("KRB5CCNAME", no_cache.c_str(), 1);
  const std::string kt = "FILE:" + Realm::shared().user_keytab();
  for (const Mech& m : mechs()) {
    if (!m.is_apx) continue;
    SCOPED_TRACE(m.label);
    MemoryCcacheWatch watch(trace_file("client-kt"));
    for (int i = 0; i < kRounds; ++i) {
      Name user = import(Realm::shared().user_principal(), GSS_C_NT_USER_NAME);
      gss_key_value_element_desc el = {"client_keytab", kt.c_str()};
      gss_key_value_set_desc store = {1, &el};
      gss_OID_set_desc set = {1, m.oid};
      Cred c;
      OM_uint32 minor;
      ASSERT_EQ(gss_acquire_cred_from(&minor, user.h, 0, &set, GSS_C_INITIATE, &store, &c.h,
                                      nullptr, nullptr),
                GSS_S_COMPLETE)
          << minor_text(minor, m.oid);
    }
    EXPECT_GE(watch.seen().size(), static_cast<size_t>(kRounds));
    EXPECT_EQ(watch.live(), std::vector<std::string>{});
  }
  setenv("KRB5CCNAME", old_ccname.c_str(), 1);
}

}  // namespace
}  // namespace apx::test
