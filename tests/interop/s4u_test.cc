// S4U2Self and S4U2Proxy between apx and MIT's built-in mechanism, each side a separate
// process: s4u_peer impersonates user@S4U.TEST as service/1 and establishes a context on
// the user's behalf to a back end, where gss_peer accepts it. The realm (s4u_realm.sh)
// runs MIT's test KDB module, whose delegation tables grant service/1 traditional
// constrained delegation to service/2 and resource-based delegation to rbcd/1, and
// nothing to service/3. mit -> mit is the control of every cell.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "peer_process.h"

#ifndef S4U_REALM_SCRIPT
#error "S4U_REALM_SCRIPT, MIT_KRB5_SRC, S4U_PEER_PATH and GSS_PEER_PATH come from meson"
#endif

namespace apx::test {
namespace {

constexpr int kTimeoutSeconds = 60;
constexpr const char* kUser = "user@S4U.TEST";
constexpr const char* kImpersonator = "service/1@S4U.TEST";

class S4u : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/apx-s4u.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const std::string cmd = std::string(S4U_REALM_SCRIPT) + " start " + dir_ + " " + MIT_KRB5_SRC;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ofstream(dir_ + "/empty-mech.conf").close();
  }
  static void TearDownTestSuite() {
    const std::string cmd = std::string(S4U_REALM_SCRIPT) + " stop " + dir_;
    (void)std::system(cmd.c_str());
    if (std::getenv("APX_KEEP_REALM") == nullptr) std::filesystem::remove_all(dir_);
  }

  // One side: apx interposed or MIT's mechanism alone, with its own trace file.
  PeerSpec side(bool apx, std::vector<std::string> args, const std::string& trace) {
    std::filesystem::remove(trace);
    EnvList env = {{"KRB5_CONFIG", dir_ + "/krb5.conf"},
                   {"GSS_MECH_CONFIG", apx ? APX_INTERPOSER_CONF : dir_ + "/empty-mech.conf"},
                   {"APX_TRACE", trace},
                   {"KRB5RCACHETYPE", "none"}};
    return PeerSpec{std::move(args), std::move(env), {"KRB5_KTNAME", "KRB5CCNAME"}};
  }

  // s4u_peer (apx or MIT) against gss_peer (apx or MIT) for `target`.
  std::pair<PeerResult, PeerResult> run(bool apx_init, bool apx_acc, const std::string& target) {
    // A ccache of the cell's own holding only the service's TGT: no ticket another cell
    // got (the S4U2Proxy ticket is cached) is reused.
    const std::string cc = dir_ + "/cell.ccache";
    std::filesystem::copy_file(dir_ + "/service1.ccache", cc,
                               std::filesystem::copy_options::overwrite_existing);
    PeerSpec init = side(apx_init, {"--user", kUser, "--target", target}, init_trace());
    init.env.emplace_back("KRB5CCNAME", "FILE:" + cc);
    PeerSpec acc = side(apx_acc, {"--role", "acceptor", "--keytab", dir_ + "/backend.keytab"},
                        acc_trace());
    auto out = run_pair(S4U_PEER_PATH, init, GSS_PEER_PATH, acc, kTimeoutSeconds);
    describe_ = out.first.describe("s4u initiator", init) + out.second.describe("acceptor", acc);
    return out;
  }

  static std::string init_trace() { return dir_ + "/init.trace"; }
  static std::string acc_trace() { return dir_ + "/acc.trace"; }

  // Who served each side: apx's trace names the S4U steps; MIT's side leaves it empty.
  void check_traces(bool apx_init, bool apx_acc, bool proxied) {
    if (apx_init) {
      EXPECT_TRUE(trace_shows(init_trace(), "S4U2Self ticket for user@S4U.TEST"));
      if (proxied) {
        EXPECT_TRUE(trace_shows(init_trace(), "init_sec_context: S4U2Proxy ticket for user@S4U.TEST"));
      }
    } else {
      EXPECT_TRUE(file_is_empty_or_absent(init_trace()));
    }
    if (apx_acc) {
      EXPECT_TRUE(trace_shows(acc_trace(), "accept_sec_context: accepted user@S4U.TEST"));
    } else {
      EXPECT_TRUE(file_is_empty_or_absent(acc_trace()));
    }
  }

  static std::string dir_;
  std::string describe_;
};

std::string S4u::dir_;

struct Pairing {
  bool apx_init, apx_acc;
  const char* name;
};
constexpr Pairing kPairings[] = {
    {false, false, "mit_mit"}, {true, false, "apx_mit"}, {false, true, "mit_apx"}, {true, true, "apx_apx"}};

void expect_proxied(const PeerResult& ri, const PeerResult& ra) {
  EXPECT_EQ(ri.exit_code, 0);
  EXPECT_EQ(ri.get("impersonated_name"), kUser);
  EXPECT_EQ(ri.get("impersonator"), kImpersonator);
  EXPECT_EQ(ri.get("established"), "1");
  EXPECT_EQ(ra.exit_code, 0);
  EXPECT_EQ(ra.get("established"), "1");
  // The back end sees the user, not the service that spoke for it.
  EXPECT_EQ(ra.get("src_name"), kUser);
}

TEST_F(S4u, ConstrainedDelegation) {
  for (const Pairing& p : kPairings) {
    SCOPED_TRACE(p.name);
    auto [ri, ra] = run(p.apx_init, p.apx_acc, "service/2@S4U.TEST");
    SCOPED_TRACE(describe_);
    expect_proxied(ri, ra);
    check_traces(p.apx_init, p.apx_acc, true);
  }
}

TEST_F(S4u, ResourceBasedConstrainedDelegation) {
  for (const Pairing& p : kPairings) {
    SCOPED_TRACE(p.name);
    auto [ri, ra] = run(p.apx_init, p.apx_acc, "rbcd/1@S4U.TEST");
    SCOPED_TRACE(describe_);
    expect_proxied(ri, ra);
    check_traces(p.apx_init, p.apx_acc, true);
  }
}

TEST_F(S4u, DelegationNotAllowedFailsAsMit) {
  // service/1 may not delegate to service/3: the KDC refuses the S4U2Proxy request
  // (KDC_ERR_BADOPTION) and init_sec_context fails with MIT's major and minor codes.
  auto [mi, ma] = run(false, false, "service/3@S4U.TEST");
  auto [ai, aa] = run(true, false, "service/3@S4U.TEST");
  SCOPED_TRACE(describe_);
  EXPECT_EQ(mi.get("step"), "init_sec_context");
  EXPECT_EQ(ai.get("step"), "init_sec_context");
  EXPECT_EQ(ai.get("major"), mi.get("major"));
  EXPECT_EQ(ai.get("minor"), mi.get("minor"));
  EXPECT_EQ(parse_hex(ai.get("major")), static_cast<OM_uint32>(GSS_S_FAILURE));
  EXPECT_NE(ai.get("status").find("KDC can't fulfill requested option"), std::string::npos)
      << ai.get("status");
  EXPECT_NE(ai.exit_code, 0);
  EXPECT_TRUE(trace_shows(init_trace(), "S4U2Self ticket for user@S4U.TEST"));
}

}  // namespace
}  // namespace apx::test
