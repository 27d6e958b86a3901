// What users rely on while apx keeps keytabs, service tickets, default credentials and
// krb5 contexts between security contexts (keytab_cache.h, ticket_cache.h,
// context_pool.h): a keytab rewritten by kadmin is used by the next accept, a ccache
// replaced or destroyed by another process is seen by the next init, tickets apx gets
// still land in the user's ccache, a replayed AP-REQ is refused in a second process, and
// credentials shared by threads work. MIT's mechanism (krb5 OID) runs each case beside
// apx (its own OID) as the control.
#include <gtest/gtest.h>
#include <krb5/krb5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gssapi/gssapi_apx.h"
#include "kdc/gss_helpers.h"
#include "support/realm.h"

namespace apx::test {
namespace {

gss_OID_desc kApx = {APX_MECH_OID_LENGTH, const_cast<char*>(APX_MECH_OID_DER)};

struct Mech {
  const char* label;
  gss_OID oid;
};
const Mech kMechs[] = {{"MIT", &kKrb5Oid}, {"apx", &kApx}};

void sh(const std::string& cmd) {
  ASSERT_EQ(std::system((cmd + " > /dev/null 2>&1").c_str()), 0) << cmd;
}
void kadmin(const std::string& query) {
  sh("kadmin.local -r APX.TEST -q '" + query + "'");
}
std::string run_out(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  pclose(p);
  return out;
}
std::string path(const std::string& leaf) { return Realm::shared().dir() + "/estab-" + leaf; }

// A FILE ccache at `cc` with a fresh TGT of `principal`, got by kinit in another process.
void kinit(const std::string& principal, const std::string& keytab, const std::string& cc) {
  sh("kinit -k -t " + keytab + " -c FILE:" + cc + " " + principal);
}

struct Creds {
  Cred init, acc;
};

// gss_acquire_cred_from: an initiator on `ccache` and/or an acceptor on `keytab`.
Cred acquire(gss_OID mech, gss_cred_usage_t usage, const std::string& key,
             const std::string& value) {
  Cred c;
  OM_uint32 minor = 0;
  gss_OID_set_desc mechs = {1, mech};
  gss_key_value_element_desc e = {key.c_str(), value.c_str()};
  gss_key_value_set_desc store = {1, &e};
  EXPECT_EQ(gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, usage, &store,
                                  &c.h, nullptr, nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor, mech);
  return c;
}

struct Result {
  OM_uint32 init_major = 0, accept_major = 0, final_major = 0;
  std::string client;                 // the initiator as the acceptor names it
  std::vector<uint8_t> ap_req;        // the first token
};

Result establish(gss_OID mech, const std::string& service, gss_cred_id_t init,
                 gss_cred_id_t acc) {
  Result r;
  OM_uint32 minor = 0;
  Name target = import(service, GSS_C_NT_HOSTBASED_SERVICE);
  Ctx ic, ac;
  Buffer tok, rep, fin;
  Name src;
  const OM_uint32 flags = GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG;
  r.init_major = gss_init_sec_context(&minor, init, &ic.h, target.h, mech, flags, 0, nullptr,
                                      nullptr, nullptr, &tok.b, nullptr, nullptr);
  if (r.init_major != GSS_S_CONTINUE_NEEDED) return r;
  r.ap_req = tok.bytes();
  r.accept_major = gss_accept_sec_context(&minor, &ac.h, acc, &tok.b, nullptr, &src.h, nullptr,
                                          &rep.b, nullptr, nullptr, nullptr);
  if (r.accept_major != GSS_S_COMPLETE) return r;
  Buffer text;
  gss_display_name(&minor, src.h, &text.b, nullptr);
  r.client = text.str();
  r.final_major = gss_init_sec_context(&minor, init, &ic.h, target.h, mech, flags, 0, nullptr,
                                       &rep.b, nullptr, &fin.b, nullptr, nullptr);
  return r;
}

bool ok(const Result& r) { return r.final_major == GSS_S_COMPLETE; }

class EstablishCache : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A second user, for a ccache replaced by another client's tickets.
    kadmin("addprinc -randkey estab-other");
    kadmin("ktadd -k " + path("other.keytab") + " -norandkey estab-other");
  }
  // Points the process's default ccache at `cc` for the test's duration (KRB5CCNAME:
  // gss_krb5_ccache_name reaches only the mechanism under the krb5 OID).
  void use_ccache(const std::string& cc) { setenv("KRB5CCNAME", ("FILE:" + cc).c_str(), 1); }
  void SetUp() override {
    const char* v = getenv("KRB5CCNAME");
    saved_ = v != nullptr ? v : "";
  }
  void TearDown() override { setenv("KRB5CCNAME", saved_.c_str(), 1); }
  std::string saved_;
};

TEST_F(EstablishCache, KeytabRewrittenByKadminIsUsedByTheNextAccept) {
  for (const Mech& m : kMechs) {
    SCOPED_TRACE(m.label);
    const std::string svc = std::string("rot") + m.label, kt = path(svc + ".keytab");
    std::remove(kt.c_str());
    kadmin("addprinc -randkey " + svc + "/localhost");
    kadmin("ktadd -k " + kt + " " + svc + "/localhost");
    Cred acc = acquire(m.oid, GSS_C_ACCEPT, "keytab", kt);
    for (int round = 0; round < 3; ++round) {
      SCOPED_TRACE(round);
      // A fresh ccache, so the ticket is for the key the KDC holds now.
      const std::string cc = path(svc + ".ccache");
      kinit(Realm::shared().user_principal(), Realm::shared().user_keytab(), cc);
      Cred init = acquire(m.oid, GSS_C_INITIATE, "ccache", "FILE:" + cc);
      EXPECT_TRUE(ok(establish(m.oid, svc + "@localhost", init.h, acc.h)));
      if (round == 0) {
        kadmin("ktadd -k " + kt + " " + svc + "/localhost");  // appended: new kvno
      } else if (round == 1) {
        // Replaced by a keytab with the next key only (a new file at the same path).
        std::remove(kt.c_str());
        kadmin("ktadd -k " + kt + " " + svc + "/localhost");
      }
    }
    // ktutil rewriting the keytab without any key of the principal: refused next time.
    const std::string empty = path(svc + "-other.keytab");
    std::remove(empty.c_str());
    kadmin("ktadd -k " + empty + " -norandkey estab-other");
    sh("printf 'rkt " + empty + "\\nwkt " + kt + ".new\\nquit\\n' | ktutil");
    sh("mv " + kt + ".new " + kt);
    const std::string cc = path(svc + ".ccache");
    kinit(Realm::shared().user_principal(), Realm::shared().user_keytab(), cc);
    Cred init = acquire(m.oid, GSS_C_INITIATE, "ccache", "FILE:" + cc);
    const Result r = establish(m.oid, svc + "@localhost", init.h, acc.h);
    EXPECT_EQ(r.init_major, static_cast<OM_uint32>(GSS_S_CONTINUE_NEEDED));
    EXPECT_TRUE(GSS_ERROR(r.accept_major));
  }
}

TEST_F(EstablishCache, CcacheReplacedOrDestroyedByAnotherProcessIsSeenByTheNextInit) {
  for (const Mech& m : kMechs) {
    SCOPED_TRACE(m.label);
    const std::string cc = path(std::string("replaced-") + m.label + ".ccache");
    kinit(Realm::shared().user_principal(), Realm::shared().user_keytab(), cc);
    use_ccache(cc);
    for (int i = 0; i < 3; ++i) {
      const Result r = establish(m.oid, "sha1@localhost", GSS_C_NO_CREDENTIAL, GSS_C_NO_CREDENTIAL);
      EXPECT_TRUE(ok(r));
      EXPECT_EQ(r.client, Realm::shared().user_principal());
    }
    // kinit in another process: another client's tickets in the same file.
    kinit("estab-other@APX.TEST", path("other.keytab"), cc);
    Result r = establish(m.oid, "sha1@localhost", GSS_C_NO_CREDENTIAL, GSS_C_NO_CREDENTIAL);
    EXPECT_TRUE(ok(r));
    EXPECT_EQ(r.client, "estab-other@APX.TEST");
    // kdestroy in another process: no tickets for the next init.
    sh("kdestroy -c FILE:" + cc);
    r = establish(m.oid, "sha1@localhost", GSS_C_NO_CREDENTIAL, GSS_C_NO_CREDENTIAL);
    EXPECT_TRUE(GSS_ERROR(r.init_major));
    // And a renewed ccache (kinit again) works at once.
    kinit(Realm::shared().user_principal(), Realm::shared().user_keytab(), cc);
    r = establish(m.oid, "sha1@localhost", GSS_C_NO_CREDENTIAL, GSS_C_NO_CREDENTIAL);
    EXPECT_TRUE(ok(r));
    EXPECT_EQ(r.client, Realm::shared().user_principal());
  }
}

TEST_F(EstablishCache, ServiceTicketsLandInTheUsersCcacheForOtherPrograms) {
  for (const Mech& m : kMechs) {
    SCOPED_TRACE(m.label);
    const std::string cc = path(std::string("klist-") + m.label + ".ccache");
    kinit(Realm::shared().user_principal(), Realm::shared().user_keytab(), cc);
    use_ccache(cc);
    EXPECT_EQ(run_out("klist -c FILE:" + cc).find("sha2/localhost@APX.TEST"), std::string::npos);
    for (int i = 0; i < 2; ++i)
      EXPECT_TRUE(ok(establish(m.oid, "sha2@localhost", GSS_C_NO_CREDENTIAL, GSS_C_NO_CREDENTIAL)));
    EXPECT_NE(run_out("klist -c FILE:" + cc).find("sha2/localhost@APX.TEST"), std::string::npos);
  }
}

TEST_F(EstablishCache, ReplayedApReqIsRefusedInASecondProcess) {
  // The default replay cache, whatever tests before this one chose.
  const char* had = getenv("KRB5RCACHETYPE");
  const std::string old = had != nullptr ? had : "";
  unsetenv("KRB5RCACHETYPE");
  for (const Mech& m : kMechs) {
    SCOPED_TRACE(m.label);
    for (bool child_first : {false, true}) {
      SCOPED_TRACE(child_first ? "second process accepts first" : "this process accepts first");
      OM_uint32 minor = 0;
      Name target = import("sha1@localhost", GSS_C_NT_HOSTBASED_SERVICE);
      Ctx ic;
      Buffer tok;
      ASSERT_EQ(gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ic.h, target.h, m.oid, 0, 0,
                                     nullptr, nullptr, nullptr, &tok.b, nullptr, nullptr),
                GSS_S_COMPLETE);
      auto accept_here = [&]() {
        Ctx ac;
        gss_buffer_desc in = tok.b;
        Buffer out;
        OM_uint32 mi = 0;
        return gss_accept_sec_context(&mi, &ac.h, GSS_C_NO_CREDENTIAL, &in, nullptr, nullptr,
                                      nullptr, &out.b, nullptr, nullptr, nullptr);
      };
      if (!child_first) {
        EXPECT_EQ(accept_here(), GSS_S_COMPLETE);
      }
      const pid_t pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) _exit(GSS_ERROR(accept_here()) ? 1 : 0);
      int st = 0;
      ASSERT_EQ(waitpid(pid, &st, 0), pid);
      ASSERT_TRUE(WIFEXITED(st));
      if (child_first) {
        EXPECT_EQ(WEXITSTATUS(st), 0) << "the first accept, in the second process";
        EXPECT_TRUE(GSS_ERROR(accept_here())) << "the replay, in this process";
      } else {
        EXPECT_EQ(WEXITSTATUS(st), 1) << "the replay, in the second process";
      }
    }
  }
  if (had != nullptr) setenv("KRB5RCACHETYPE", old.c_str(), 1);
}

TEST_F(EstablishCache, CredentialsSharedByThreads) {
  for (const Mech& m : kMechs) {
    SCOPED_TRACE(m.label);
    const std::string cc = path(std::string("threads-") + m.label + ".ccache");
    kinit(Realm::shared().user_principal(), Realm::shared().user_keytab(), cc);
    use_ccache(cc);
    Cred init = acquire(m.oid, GSS_C_INITIATE, "ccache", "FILE:" + cc);
    Cred acc = acquire(m.oid, GSS_C_ACCEPT, "keytab", Realm::shared().keytab());
    constexpr int kThreads = 4, kEach = 20;
    std::atomic<int> good{0}, shared_good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        // Each thread uses the shared credentials, then the default ones.
        const char* service = t % 2 ? "sha2@localhost" : "sha1@localhost";
        for (int i = 0; i < kEach; ++i) {
          if (ok(establish(m.oid, service, init.h, acc.h))) ++shared_good;
          if (ok(establish(m.oid, service, GSS_C_NO_CREDENTIAL, GSS_C_NO_CREDENTIAL))) ++good;
        }
      });
    }
    for (std::thread& th : threads) th.join();
    EXPECT_EQ(shared_good.load(), kThreads * kEach);
    EXPECT_EQ(good.load(), kThreads * kEach);
  }
}

}  // namespace
}  // namespace apx::test
