// apx against Heimdal's GSS-API library, each peer a separate process: heimdal_peer
// (gss_peer's sources linked against Heimdal's libgssapi) on one side, gss_peer (MIT's
// libgssapi_krb5, apx interposed through GSS_MECH_CONFIG) on the other.
//
// Every cell is a pairing × a case. heimdal_to_mit and mit_to_heimdal are the control:
// MIT's built-in mechanism against Heimdal, measured on MIT krb5 1.20.1 and Heimdal 7.8
// (Debian 12). The expectations below are what the control gives, and apx must give
// the same in apx's place; when a control cell fails, the harness or the realm is wrong,
// not apx.
//
// Message cells run the per-message checks of peer_messages.c that Heimdal 7.8 passes
// against MIT (kHeimdalChecks), in both directions, for every size.
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "peer_process.h"
#include "support/realm.h"

#ifndef GSS_PEER_PATH
#error "GSS_PEER_PATH must name the gss_peer binary (tests/interop/meson.build sets it)"
#endif
#ifndef HEIMDAL_PEER_PATH
#error "HEIMDAL_PEER_PATH must name the heimdal_peer binary (tests/interop/meson.build sets it)"
#endif
#ifndef APX_INTERPOSER_CONF
#error "APX_INTERPOSER_CONF must name the generated apx-interposer.conf"
#endif

namespace apx::test {
namespace {

constexpr int kTimeoutSeconds = 120;
constexpr const char* kKrb5Oid = "1.2.840.113554.1.2.2";
constexpr const char* kMessageSizes = "0,1,16,17,65535,1048576";

// The checks of peer_messages.c that Heimdal 7.8 passes against MIT's mechanism in both
// directions (with mutual authentication and without, sha1 and sha2 services). Left
// out, as measured with the control:
//   mic_iov*, *_to_verify_mic_iov   Heimdal has no gss_get_mic_iov / gss_verify_mic_iov
//   *_to_unwrap_iov_stream,         Heimdal's gss_unwrap_iov takes no STREAM buffer and
//   wrap_aead*, *_to_unwrap_aead    its gss_unwrap_aead goes through it (minor EINVAL)
//   other damaged tokens            Heimdal's receiver gives other statuses (a damaged
//                                   SND_SEQ is GAP_TOKEN, not BAD_SIG) or records the
//                                   sequence number of a refused token, so the intact
//                                   token after it is a DUPLICATE
//   wrap_*_replayed, *_out_of_order Heimdal's gss_unwrap yields no message with
//                                   DUPLICATE_TOKEN; its window answers a late token
//                                   with UNSEQ where MIT says DUPLICATE and so on
// The checks run in both directions, so a check Heimdal fails as a receiver cannot
// test apx as a receiver of Heimdal's tokens either.
constexpr const char* kHeimdalChecks =
    "mic,wrap_conf,wrap_integ,"
    "wrap_iov_conf,wrap_iov_integ,wrap_iov_conf_to_unwrap,wrap_iov_integ_to_unwrap,"
    "wrap_iov_notrailer_conf,wrap_iov_notrailer_integ,"
    "wrap_iov_notrailer_conf_to_unwrap,wrap_iov_notrailer_integ_to_unwrap,"
    "wrap_iov_sign_only_conf,wrap_iov_sign_only_integ,"
    "wrap_size_limit_conf,wrap_size_limit_integ,"
    "mic_tampered_tok_id,mic_tampered_filler,mic_header_only,"
    "wrap_conf_tampered_tok_id,wrap_conf_tampered_filler,wrap_conf_header_only,"
    "mic_replayed";
// For those checks gss_peer runs up to this size only (see peer_messages.c).
constexpr const char* kSmallOnlyChecks[] = {
    "mic_tampered_tok_id", "mic_tampered_filler", "mic_header_only", "wrap_conf_tampered_tok_id",
    "wrap_conf_tampered_filler", "wrap_conf_header_only", "mic_replayed"};
constexpr size_t kSmallOnlyMax = 65535;

// ---- who serves each side ------------------------------------------------------

enum class Server { kHeimdal, kMit, kApx };

struct Pairing {
  const char* name;
  Server initiator;
  Server acceptor;
};

const Pairing kPairings[] = {
    {"apx_to_heimdal", Server::kApx, Server::kHeimdal},
    {"heimdal_to_apx", Server::kHeimdal, Server::kApx},
    {"heimdal_to_mit", Server::kHeimdal, Server::kMit},  // control
    {"mit_to_heimdal", Server::kMit, Server::kHeimdal},  // control
};

const char* program(Server s) { return s == Server::kHeimdal ? HEIMDAL_PEER_PATH : GSS_PEER_PATH; }

// ---- cases ------------------------------------------------------------------------

enum class End {
  kEstablished,  // exit 0, established=1
  kFails,        // exit 1 with a GSS major status
  kNotReached,   // not established without a GSS failure of its own (the peer hung up)
};

struct Expect {
  End end = End::kEstablished;
  OM_uint32 major = GSS_S_COMPLETE;  // for kFails
};

constexpr Expect kEstablished{};
constexpr Expect fails(OM_uint32 major) { return Expect{End::kFails, major}; }
constexpr Expect kNotReached{End::kNotReached};

struct Case {
  std::string name;
  std::string service;
  bool mutual = true;
  std::vector<std::string> initiator_args;
  std::vector<std::string> acceptor_args;
  // Outcomes by who serves the failing side, where they differ (cb_mismatch).
  Expect initiator;
  Expect initiator_vs_heimdal;  // the initiator's outcome when Heimdal accepts
  Expect acceptor;
  bool channel_bound = false;  // acceptor's GSS_C_CHANNEL_BOUND_FLAG (MIT and apx only)
  bool messages = false;
  int mic_length = 0;  // octets of the MIC token of an empty message
};

const char* const kMutualFlags = "mutual,replay,sequence,conf,integ";
const char* const kNoMutualFlags = "replay,sequence,conf,integ";

std::vector<Case> make_cases() {
  std::vector<Case> cases;
  // Control: both established. sha1/localhost has only aes256-cts-hmac-sha1-96 and
  // sha2/localhost only aes256-cts-hmac-sha384-192 (and session keys of that enctype).
  // With mutual authentication the acceptor subkey protects the messages: MIT's and
  // Heimdal's acceptors both choose aes256-cts-hmac-sha1-96 from the initiator's list
  // (RFC 4537), so MIC tokens are 16 + 12 octets; without, the session key does (sha2:
  // 16 + 24 octets).
  for (const char* service : {"sha1", "sha2"}) {
    for (bool mutual : {true, false}) {
      Case c;
      c.name = std::string(service) + (mutual ? "_mutual" : "_nomutual") + "_messages";
      c.service = service;
      c.mutual = mutual;
      c.initiator_args = {"--messages", kMessageSizes, "--checks", kHeimdalChecks};
      c.acceptor_args = c.initiator_args;
      c.messages = true;
      c.mic_length = 16 + (mutual || std::string(service) == "sha1" ? 12 : 24);
      cases.push_back(c);
    }
  }
  auto cb = [&](const char* name, std::vector<std::string> init, std::vector<std::string> acc,
                Expect ei, Expect ei_heimdal, Expect ea, bool bound) {
    Case c;
    c.name = name;
    c.service = "sha1";
    c.initiator_args = std::move(init);
    c.acceptor_args = std::move(acc);
    c.initiator = ei;
    c.initiator_vs_heimdal = ei_heimdal;
    c.acceptor = ea;
    c.channel_bound = bound;
    cases.push_back(c);
  };
  // Control: established; MIT's acceptor sets GSS_C_CHANNEL_BOUND_FLAG, Heimdal 7.8's
  // has no such flag.
  cb("cb_same", {"--cb", "tls-unique:abc"}, {"--cb", "tls-unique:abc"}, kEstablished,
     kEstablished, kEstablished, true);
  // Control: the acceptor fails with GSS_S_BAD_BINDINGS. MIT's acceptor sends a
  // KRB-ERROR, so Heimdal's initiator fails with GSS_S_FAILURE; Heimdal's acceptor sends
  // nothing, so MIT's initiator sees the peer hang up.
  cb("cb_mismatch", {"--cb", "tls-unique:abc"}, {"--cb", "tls-unique:xyz"},
     fails(GSS_S_FAILURE), kNotReached, fails(GSS_S_BAD_BINDINGS), false);
  // Control: bindings on one side only are accepted, without GSS_C_CHANNEL_BOUND_FLAG.
  cb("cb_initiator_only", {"--cb", "tls-unique:abc"}, {}, kEstablished, kEstablished,
     kEstablished, false);
  cb("cb_acceptor_only", {}, {"--cb", "tls-unique:abc"}, kEstablished, kEstablished,
     kEstablished, false);
  return cases;
}

const std::vector<Case>& all_cases() {
  static const std::vector<Case> cases = make_cases();
  return cases;
}

void PrintTo(const Pairing& p, std::ostream* os) { *os << p.name; }
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// ---- helpers --------------------------------------------------------------------

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

bool small_only(const std::string& check) {
  for (const char* name : kSmallOnlyChecks) {
    if (check == name) return true;
  }
  return false;
}

// The message checks that must not pass, and how they fail: key → start of the value.
using Deviations = std::map<std::string, std::string>;

// RFC 4121 §4.2.6 leaves the acceptor's first sequence number to the implementation when
// there is no AP-REP; MIT's and apx's acceptors then continue the initiator's, and
// Heimdal's initiator takes the acceptor's first token as one after a gap (it does so
// against Heimdal's own acceptor too): GSS_S_GAP_TOKEN on the first message from the
// acceptor, once.
Deviations expected_deviations(const Pairing& p, const Case& c) {
  Deviations d;
  if (c.messages && !c.mutual && p.initiator == Server::kHeimdal) {
    const std::string first = split(kHeimdalChecks).front();
    const std::string size = split(kMessageSizes).front();
    d["msg." + first + ".a2i.size" + size] =
        "fail intact: gss_verify_mic returned 0x00000010, expected 0x00000000";
  }
  return d;
}

// Does a message check of direction dir ("i2a" or "a2i") fail?
bool deviates(const Deviations& d, const char* dir) {
  const std::string part = std::string(".") + dir + ".";
  return std::any_of(d.begin(), d.end(),
                     [&](const auto& e) { return e.first.find(part) != std::string::npos; });
}

// ---- the fixture ----------------------------------------------------------------

using Param = std::tuple<Pairing, Case>;

class Heimdal : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    const Realm& realm = Realm::shared();
    dir_ = realm.dir();
    empty_conf_ = dir_ + "/empty-mech.conf";
    std::ofstream(empty_conf_, std::ios::app).close();
    std::filesystem::create_directories(dir_ + "/trace");
    const auto& [pairing, c] = GetParam();
    const std::string base = dir_ + "/trace/heimdal_" + pairing.name + "_" + c.name;
    init_trace_ = base + ".initiator.log";
    acc_trace_ = base + ".acceptor.log";
    for (const auto& f : {init_trace_, acc_trace_}) std::filesystem::remove(f);
    ASSERT_TRUE(std::filesystem::exists(APX_INTERPOSER_CONF))
        << APX_INTERPOSER_CONF << " is missing: the build generates it next to the plugin";
    ASSERT_TRUE(std::filesystem::exists(HEIMDAL_PEER_PATH)) << HEIMDAL_PEER_PATH;
  }

  // Heimdal reads the realm's krb5.conf, FILE ccache and keytab as MIT writes them; they
  // are passed explicitly, whatever this process inherited.
  PeerSpec side(Server s, const char* role, const Case& c, const std::vector<std::string>& args,
                const std::string& trace) const {
    PeerSpec spec;
    spec.args = {"--role", role, "--mech", "krb5", "--timeout", std::to_string(kTimeoutSeconds)};
    if (std::string(role) == "initiator") {
      spec.args.insert(spec.args.end(), {"--target", c.service + "@localhost", "--flags",
                                         c.mutual ? kMutualFlags : kNoMutualFlags});
    }
    spec.args.insert(spec.args.end(), args.begin(), args.end());
    spec.unset = {"GSS_MECH_CONFIG", "APX_TRACE", "KRB5_TRACE"};
    for (const auto& [key, value] : Realm::shared().env()) spec.env.emplace_back(key, value);
    // Heimdal's library ignores GSS_MECH_CONFIG; MIT's side gets an empty mech.conf.
    spec.env.emplace_back("GSS_MECH_CONFIG", s == Server::kApx ? APX_INTERPOSER_CONF : empty_conf_);
    // On every side: a trace appearing on Heimdal's or MIT's side means apx was loaded.
    spec.env.emplace_back("APX_TRACE", trace);
    return spec;
  }

  // messages_fail: established, but with message checks failing as expected (exit 1).
  void check_end(const char* label, const PeerResult& r, const Expect& e,
                 bool messages_fail) const {
    SCOPED_TRACE(label);
    switch (e.end) {
      case End::kEstablished:
        EXPECT_EQ(r.exit_code, messages_fail ? 1 : 0);
        EXPECT_EQ(r.get("established"), "1");
        EXPECT_EQ(r.get("mech"), kKrb5Oid);
        EXPECT_GT(std::strtoul(r.get("lifetime").c_str(), nullptr, 10), 0ul);
        break;
      case End::kFails:
        EXPECT_EQ(r.exit_code, 1);
        EXPECT_FALSE(r.has("established"));
        ASSERT_TRUE(r.has("major")) << "no GSS failure reported";
        EXPECT_EQ(parse_hex(r.get("major")), e.major)
            << "status: " << r.get("status") << "\nexpected major 0x" << std::hex << e.major;
        EXPECT_FALSE(r.get("status").empty()) << "the failure must be explained";
        break;
      case End::kNotReached:
        EXPECT_NE(r.exit_code, 0);
        EXPECT_FALSE(r.has("established"));
        EXPECT_FALSE(r.has("major")) << "status: " << r.get("status");
        break;
    }
  }

  // apx served its side (its trace names the step); the other sides never loaded it.
  void check_traces(const Pairing& p) const {
    if (p.initiator == Server::kApx) {
      EXPECT_NE(read_text(init_trace_).find("init_sec_context"), std::string::npos)
          << "apx did not serve the initiator (" << init_trace_ << ")";
    } else {
      EXPECT_TRUE(read_text(init_trace_).empty()) << "apx loaded on the initiator";
    }
    if (p.acceptor == Server::kApx) {
      EXPECT_NE(read_text(acc_trace_).find("accept_sec_context"), std::string::npos)
          << "apx did not serve the acceptor (" << acc_trace_ << ")";
    } else {
      EXPECT_TRUE(read_text(acc_trace_).empty()) << "apx loaded on the acceptor";
    }
  }

  // Every check ran and passed in both directions (the receiver reports it: the
  // acceptor for i2a, the initiator for a2i), but for the expected deviations.
  void check_messages(const Pairing& p, const Case& c, const PeerResult& ri,
                      const PeerResult& ra) const {
    const Deviations deviations = expected_deviations(p, c);
    std::vector<std::string> wrong, missing;
    size_t expected = 0;
    for (const std::string& item : split(kMessageSizes)) {
      const size_t size = std::stoul(item);
      for (const std::string& check : split(kHeimdalChecks)) {
        if (small_only(check) && size > kSmallOnlyMax) continue;
        for (const auto& [dir, r] : {std::pair<const char*, const PeerResult*>{"i2a", &ra},
                                     {"a2i", &ri}}) {
          const std::string key = "msg." + check + "." + dir + ".size" + item;
          ++expected;
          if (!r->has(key)) {
            missing.push_back(key);
            continue;
          }
          const auto dev = deviations.find(key);
          const std::string value = r->get(key);
          const bool as_expected = dev == deviations.end() ? value == "ok"
                                                           : value.rfind(dev->second, 0) == 0;
          if (!as_expected) wrong.push_back(key + "=" + value);
        }
      }
    }
    std::ostringstream list;
    for (const auto& w : wrong) list << "  " << w << "\n";
    EXPECT_TRUE(wrong.empty()) << wrong.size() << " of " << expected
                               << " message checks not as expected:\n" << list.str();
    EXPECT_TRUE(missing.empty()) << missing.size() << " of " << expected
                                 << " message checks did not report, first "
                                 << (missing.empty() ? "" : missing.front());
    EXPECT_EQ(ri.get("messages"), deviates(deviations, "a2i") ? "fail" : "ok");
    EXPECT_EQ(ra.get("messages"), deviates(deviations, "i2a") ? "fail" : "ok");
    for (const auto& [label, r] : {std::pair<const char*, const PeerResult*>{"initiator", &ri},
                                   {"acceptor", &ra}}) {
      SCOPED_TRACE(label);
      // RFC 4121 §4.2.2: AcceptorSubkey is set exactly when the acceptor sent a subkey.
      EXPECT_EQ(r->get("token.acceptor_subkey"), c.mutual ? "1" : "0");
      EXPECT_EQ(r->get("token.mic_length"), std::to_string(c.mic_length));
    }
  }

  std::string dir_, empty_conf_, init_trace_, acc_trace_;
};

TEST_P(Heimdal, Cell) {
  const auto& [p, c] = GetParam();
  PeerSpec init = side(p.initiator, "initiator", c, c.initiator_args, init_trace_);
  PeerSpec acc = side(p.acceptor, "acceptor", c, c.acceptor_args, acc_trace_);
  auto [ri, ra] = run_pair(program(p.initiator), init, program(p.acceptor), acc, kTimeoutSeconds);
  SCOPED_TRACE(ri.describe(std::string("initiator ") + program(p.initiator), init) +
               ra.describe(std::string("acceptor ") + program(p.acceptor), acc));

  const Expect& ei = p.acceptor == Server::kHeimdal ? c.initiator_vs_heimdal : c.initiator;
  const Deviations deviations = expected_deviations(p, c);
  check_end("initiator", ri, ei, deviates(deviations, "a2i"));
  check_end("acceptor", ra, c.acceptor, deviates(deviations, "i2a"));
  check_traces(p);

  if (ei.end == End::kEstablished) {
    const OM_uint32 flags = parse_hex(ri.get("flags"));
    EXPECT_EQ((flags & GSS_C_MUTUAL_FLAG) != 0, c.mutual) << "initiator flags " << ri.get("flags");
    EXPECT_NE(flags & GSS_C_CONF_FLAG, 0u);
    EXPECT_NE(flags & GSS_C_INTEG_FLAG, 0u);
  }
  if (c.acceptor.end == End::kEstablished) {
    const OM_uint32 flags = parse_hex(ra.get("flags"));
    EXPECT_EQ(ra.get("src_name"), Realm::shared().user_principal());
    EXPECT_EQ((flags & GSS_C_MUTUAL_FLAG) != 0, c.mutual) << "acceptor flags " << ra.get("flags");
    EXPECT_EQ(ra.get("delegated"), "0");
    if (p.acceptor != Server::kHeimdal) {
      EXPECT_EQ((flags & GSS_C_CHANNEL_BOUND_FLAG) != 0, c.channel_bound)
          << "acceptor flags " << ra.get("flags");
    }
  }
  if (c.messages && ei.end == End::kEstablished) check_messages(p, c, ri, ra);
}

std::string cell_name(const ::testing::TestParamInfo<Param>& info) {
  return std::string(std::get<0>(info.param).name) + "__" + std::get<1>(info.param).name;
}

INSTANTIATE_TEST_SUITE_P(Matrix, Heimdal,
                         ::testing::Combine(::testing::ValuesIn(kPairings),
                                            ::testing::ValuesIn(all_cases())),
                         cell_name);

// heimdal_peer is built on Heimdal's library and lists the same message checks as
// gss_peer, among them every check the matrix runs.
TEST(HeimdalHarness, PeerIsHeimdal) {
  PeerResult h = run_alone(HEIMDAL_PEER_PATH, PeerSpec{{"--list-checks"}, {}, {}}, kTimeoutSeconds);
  PeerResult m = run_alone(GSS_PEER_PATH, PeerSpec{{"--list-checks"}, {}, {}}, kTimeoutSeconds);
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_EQ(h.kv, m.kv);
  for (const std::string& check : split(kHeimdalChecks)) {
    EXPECT_TRUE(h.has("check." + check)) << check;
    EXPECT_EQ(h.get("check." + check), small_only(check) ? std::to_string(kSmallOnlyMax) : "all")
        << check;
  }
  // Which libraries the dynamic loader maps (ld.so's list mode): Heimdal's
  // libgssapi.so.3, not MIT's libgssapi_krb5.so.2.
  const std::string out = Realm::shared().dir() + "/heimdal_peer.ldd";
  const std::string cmd = std::string("env LD_TRACE_LOADED_OBJECTS=1 '") + HEIMDAL_PEER_PATH +
                          "' > '" + out + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::string libs = read_text(out);
  EXPECT_NE(libs.find("libgssapi.so.3"), std::string::npos) << libs;
  EXPECT_EQ(libs.find("libgssapi_krb5"), std::string::npos) << libs;
}

}  // namespace
}  // namespace apx::test
