// apx against MIT's built-in krb5 mechanism, each peer a separate gss_peer process.
//
// Every cell of the matrix is one test: a pairing (who serves each side) × a case
// (target, flags, bindings, credentials). The mit_mit pairing is the reference: the
// expected outcomes below were measured with it on MIT krb5 1.20.1, and apx must give
// the same major status in the same place.
//
// APX_INTEROP_APX_IS_MIT=1 serves the "apx" sides with MIT's built-in mechanism too
// (empty mech.conf, krb5 OID, no trace checks): a check of the harness itself. There
// every pairing is MIT against MIT, so the message cells run once, as mit_mit.
//
// Message cells: gss_peer --messages runs every per-message check of peer_messages.c
// (each producing call against each receiving call that takes its tokens, damaged,
// replayed and reordered tokens, gss_wrap_size_limit) in both directions for every
// size; the receiving side prints msg.CHECK.DIR.sizeN=ok|fail for each.
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_apx.h>
#include <gssapi/gssapi_ext.h>
#include <gtest/gtest.h>
#include <krb5/krb5.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
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
#ifndef APX_INTERPOSER_CONF
#error "APX_INTERPOSER_CONF must name the generated apx-interposer.conf"
#endif
#ifndef APX_STANDALONE_CONF
#error "APX_STANDALONE_CONF must name the generated apx-standalone.conf"
#endif

namespace apx::test {
namespace {

constexpr int kTimeoutSeconds = 60;
constexpr const char* kKrb5Oid = "1.2.840.113554.1.2.2";
constexpr const char* kApxOid = APX_MECH_OID_STRING;
constexpr const char* kMessageSizes = "0,1,15,16,17,65535,1048576";
// For the cells about the sequence window only (their checks do not depend on size).
constexpr const char* kFewMessageSizes = "0,17";

bool apx_is_mit() {
  const char* v = std::getenv("APX_INTEROP_APX_IS_MIT");
  return v != nullptr && *v != '\0' && *v != '0';
}

// ---- who serves each side ------------------------------------------------------

enum class Server { kMit, kApxInterposer, kApxStandalone };

struct Pairing {
  const char* name;
  Server initiator;
  Server acceptor;
};

const Pairing kPairings[] = {
    {"apx_apx", Server::kApxInterposer, Server::kApxInterposer},
    {"standalone", Server::kApxStandalone, Server::kApxStandalone},
    {"apx_to_mit", Server::kApxInterposer, Server::kMit},
    {"mit_to_apx", Server::kMit, Server::kApxInterposer},
    {"mit_mit", Server::kMit, Server::kMit},
};

bool is_apx(Server s) { return s != Server::kMit && !apx_is_mit(); }

// The mech.conf that makes libgssapi_krb5 load (or not load) apx for one side. MIT's
// side gets an empty file, so nothing in /etc/gss/mech.d can slip a plugin in.
std::string mech_conf(Server s, const std::string& empty_conf) {
  if (!is_apx(s)) return empty_conf;
  return s == Server::kApxInterposer ? APX_INTERPOSER_CONF : APX_STANDALONE_CONF;
}

std::string mech_arg(Server s) { return is_apx(s) && s == Server::kApxStandalone ? "apx" : "krb5"; }

std::string expected_mech_oid(Server s) {
  return is_apx(s) && s == Server::kApxStandalone ? kApxOid : kKrb5Oid;
}

// ---- cases ------------------------------------------------------------------------

enum class End {
  kEstablished,  // exit 0, established=1
  kFails,        // exit 1 with a GSS major status
  kNotReached,   // the other side failed first; nothing is checked but "not established"
};

struct Expect {
  End end = End::kEstablished;
  OM_uint32 major = GSS_S_COMPLETE;  // for kFails
  OM_uint32 apx_major = 0;           // where apx deliberately differs from MIT (0: same)
};

struct Case {
  std::string name;
  std::vector<std::string> initiator_args;  // "@DIR@" stands for the realm directory
  std::vector<std::string> acceptor_args;
  EnvList initiator_env;
  Expect initiator;
  Expect acceptor;
  bool mutual = true;                   // GSS_C_MUTUAL_FLAG requested
  std::optional<bool> channel_bound;    // acceptor's GSS_C_CHANNEL_BOUND_FLAG, if checked
  bool delegated = false;               // acceptor must receive a delegated credential
  // Tokens without the RFC 2743 framing (DCE style): they carry no mechanism OID, so the
  // mechglue routes them to the krb5 mechanism and not to a standalone apx.
  bool raw_tokens = false;
  bool messages = false;                // every per-message check, both ways (gss_peer --messages)
  std::string sizes;                    // the message sizes, as given to --messages
  std::string enctypes;                 // krb5.conf variant allowing only this session enctype
  int enctype = 0;                      // session key enctype, where a side reports it
  int mic_length = 0;                   // octets of the MIC token of an empty message
  bool replay = false;                  // then accept the saved AP-REQ once more
  Expect replayed;                      // outcome of that second acceptance
};

constexpr Expect kEstablished{};
constexpr Expect kNotReached{End::kNotReached};
constexpr Expect fails(OM_uint32 major) { return Expect{End::kFails, major}; }

const char* const kMutualFlags = "mutual,replay,sequence,conf,integ";
const char* const kNoMutualFlags = "replay,sequence,conf,integ";

std::vector<std::string> target(const char* service, const char* flags) {
  return {"--target", std::string(service) + "@localhost", "--flags", flags};
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<Case> make_cases() {
  std::vector<Case> cases;
  auto plain = [&](const char* name, const char* service, bool mutual) {
    Case c{name, target(service, mutual ? kMutualFlags : kNoMutualFlags), {}, {}, kEstablished,
           kEstablished};
    c.mutual = mutual;
    cases.push_back(c);
  };
  // sha1/localhost holds only aes256-cts-hmac-sha1-96 and sha2/localhost only
  // aes256-cts-hmac-sha384-192, so ticket, session key and subkeys use that enctype.
  // MIT: established on both sides; the initiator reports mutual only when asked.
  plain("sha1_mutual", "sha1", true);
  plain("sha1_nomutual", "sha1", false);
  plain("sha2_mutual", "sha2", true);
  plain("sha2_nomutual", "sha2", false);

  // Message cells: every enctype the test KDC issues, with an acceptor subkey (mutual:
  // the acceptor sends an AP-REP with a subkey and the tokens carry the AcceptorSubkey
  // flag) and without (the tokens use the initiator's subkey, of the ticket session
  // key's enctype). The acceptor subkey's enctype is negotiated (RFC 4537): MIT's
  // initiator offers its permitted_enctypes and the acceptor takes the first it allows,
  // so with the realm's krb5.conf even sha2/localhost (whose only key, and so the
  // session key, is aes256-cts-hmac-sha384-192) gets an aes256-cts-hmac-sha1-96 acceptor
  // subkey. The host_* cells use a krb5.conf that puts one enctype first (see
  // enctype_conf), which then is the session key's and the acceptor subkey's.
  // MIT: messages=ok for every check, size and direction on both sides.
  auto messages = [&](const std::string& name, const char* service, const char* flags, bool mutual,
                      const char* enctypes, int enctype, int mic_length, const char* sizes) {
    Case c{name, target(service, flags) + std::vector<std::string>{"--messages", sizes},
           {"--messages", sizes}, {}, kEstablished, kEstablished};
    c.mutual = mutual;
    c.messages = true;
    c.sizes = sizes;
    c.enctypes = enctypes;
    c.enctype = enctype;
    c.mic_length = mic_length;
    cases.push_back(c);
  };
  constexpr int kAes256Sha1 = ENCTYPE_AES256_CTS_HMAC_SHA1_96;
  constexpr int kAes256Sha2 = ENCTYPE_AES256_CTS_HMAC_SHA384_192;
  constexpr int kAes128Sha1 = ENCTYPE_AES128_CTS_HMAC_SHA1_96;
  constexpr int kAes128Sha2 = ENCTYPE_AES128_CTS_HMAC_SHA256_128;
  // MIC token of an empty message: the 16-octet header and the checksum.
  auto mic_length = [](int enctype) {
    return 16 + (enctype == kAes256Sha2 ? 24 : enctype == kAes128Sha2 ? 16 : 12);
  };
  struct Keys {
    const char* name;
    const char* service;
    const char* enctypes;  // "": the realm's krb5.conf
    int mutual_enctype;    // of the acceptor subkey
    int nomutual_enctype;  // of the session key
  };
  const Keys keys[] = {
      {"sha1", "sha1", "", kAes256Sha1, kAes256Sha1},
      {"sha2", "sha2", "", kAes256Sha1, kAes256Sha2},
      {"host_all_enctypes", "host", "", kAes256Sha1, kAes256Sha1},
      {"host_aes256_sha2", "host", "aes256-cts-hmac-sha384-192", kAes256Sha2, kAes256Sha2},
      {"host_aes128_sha1", "host", "aes128-cts-hmac-sha1-96", kAes128Sha1, kAes128Sha1},
      {"host_aes128_sha2", "host", "aes128-cts-hmac-sha256-128", kAes128Sha2, kAes128Sha2},
  };
  for (const Keys& k : keys) {
    for (bool mutual : {true, false}) {
      const int enctype = mutual ? k.mutual_enctype : k.nomutual_enctype;
      messages(std::string(k.name) + (mutual ? "_mutual" : "_nomutual") + "_messages", k.service,
               mutual ? kMutualFlags : kNoMutualFlags, mutual, k.enctypes, enctype,
               mic_length(enctype), kMessageSizes);
    }
  }
  // The receiver's sequence window with each combination of replay and sequence
  // detection. MIT (g_seqstate): a replayed token is DUPLICATE with replay detection,
  // else UNSEQ with sequence detection, else accepted; a token after a gap is GAP_TOKEN
  // and a late one UNSEQ_TOKEN with sequence detection, else accepted.
  messages("sha1_neither_replay_nor_sequence_messages", "sha1", "mutual,conf,integ", true, "",
           kAes256Sha1, mic_length(kAes256Sha1), kFewMessageSizes);
  messages("sha1_replay_only_messages", "sha1", "mutual,replay,conf,integ", true, "", kAes256Sha1,
           mic_length(kAes256Sha1), kFewMessageSizes);
  messages("sha1_sequence_only_messages", "sha1", "mutual,sequence,conf,integ", true, "",
           kAes256Sha1, mic_length(kAes256Sha1), kFewMessageSizes);

  // DCE style (MS-KILE §3.4.5.1.1): raw AP-REQ, raw AP-REP, the initiator's third leg.
  // (Its messages, rotated by RRC + EC, are outside gss_peer's checks, which assume
  // RFC 4121's plain layout; MIT's t_iov runs them with apx in tests/mit.)
  for (const char* service : {"sha1", "sha2"}) {
    Case c{std::string(service) + "_dce_style",
           target(service, "mutual,replay,sequence,conf,integ,dce_style"), {}, {}, kEstablished,
           kEstablished};
    c.raw_tokens = true;
    cases.push_back(c);
  }

  // MIT: the acceptor receives a delegated credential and reports GSS_C_DELEG_FLAG.
  {
    Case c{"delegation", target("sha1", "mutual,deleg,conf,integ"), {}, {}, kEstablished,
           kEstablished};
    c.delegated = true;
    cases.push_back(c);
  }

  // Channel bindings (RFC 4121 §4.1.1.2).
  auto cb = [&](const char* name, std::vector<std::string> init, std::vector<std::string> acc,
                Expect ei, Expect ea, std::optional<bool> bound) {
    Case c{name, target("sha1", kMutualFlags) + init, acc, {}, ei, ea};
    c.channel_bound = bound;
    cases.push_back(c);
  };
  // MIT: both established; the acceptor sets GSS_C_CHANNEL_BOUND_FLAG (0x800).
  cb("cb_same", {"--cb", "tls-unique:abc"}, {"--cb", "tls-unique:abc"}, kEstablished,
     kEstablished, true);
  cb("cb_addr_same", {"--cb-addr", "127.0.0.1,127.0.0.2"}, {"--cb-addr", "127.0.0.1,127.0.0.2"},
     kEstablished, kEstablished, true);
  // MIT: acceptor GSS_S_BAD_BINDINGS (0x00040000, minor 0, "Incorrect channel bindings
  // were supplied"); it sends a KRB-ERROR, so the initiator gets GSS_S_FAILURE
  // (0x000d0000, minor KRB5KRB_ERR_GENERIC "Generic error (see e-text)").
  cb("cb_mismatch", {"--cb", "tls-unique:abc"}, {"--cb", "tls-unique:xyz"},
     fails(GSS_S_FAILURE), fails(GSS_S_BAD_BINDINGS), std::nullopt);
  cb("cb_addr_mismatch", {"--cb-addr", "127.0.0.1,127.0.0.2"},
     {"--cb-addr", "127.0.0.1,127.0.0.3"}, fails(GSS_S_FAILURE), fails(GSS_S_BAD_BINDINGS),
     std::nullopt);
  // MIT: bindings on one side only are accepted; no GSS_C_CHANNEL_BOUND_FLAG.
  cb("cb_initiator_only", {"--cb", "tls-unique:abc"}, {}, kEstablished, kEstablished, false);
  cb("cb_acceptor_only", {}, {"--cb", "tls-unique:abc"}, kEstablished, kEstablished, false);

  // The same AP-REQ accepted a second time (the replay cache is shared through
  // KRB5RCACHEDIR). MIT: GSS_S_FAILURE (0x000d0000) with minor KRB5KRB_AP_ERR_REPEAT
  // "Request is a replay" — not GSS_S_DUPLICATE_TOKEN.
  for (bool mutual : {true, false}) {
    Case c{mutual ? "replayed_ap_req" : "replayed_ap_req_nomutual",
           target("sha1", mutual ? kMutualFlags : kNoMutualFlags) +
               std::vector<std::string>{"--replay-token-to", "@TOKEN@"},
           {}, {}, kEstablished, kEstablished};
    c.mutual = mutual;
    c.replay = true;
    c.replayed = fails(GSS_S_FAILURE);
    cases.push_back(c);
  }

  // The acceptor's keytab holds host/localhost only at kvno 2; the ticket is kvno 3.
  // MIT: acceptor GSS_S_FAILURE (minor KRB5KRB_AP_ERR_BADKEYVER "Request ticket server
  // host/localhost@APX.TEST kvno 3 not found in keytab; keytab is likely out of date");
  // initiator GSS_S_FAILURE from the KRB-ERROR (KRB5KRB_AP_ERR_BADKEYVER "Key version
  // is not available").
  cases.push_back(Case{"stale_keytab", target("host", kMutualFlags),
                       {"--keytab", "@DIR@/stale.keytab"}, {}, fails(GSS_S_FAILURE),
                       fails(GSS_S_FAILURE)});
  // other/localhost exists in the KDC but not in the acceptor's keytab.
  // MIT: acceptor GSS_S_FAILURE (minor KRB5KRB_AP_ERR_NOT_US "Request ticket server
  // other/localhost@APX.TEST not found in keytab (ticket kvno 1)"); initiator
  // GSS_S_FAILURE from the KRB-ERROR (KRB5KRB_AP_ERR_NOT_US "The ticket isn't for us").
  cases.push_back(Case{"principal_not_in_keytab", target("other", kMutualFlags), {}, {},
                       fails(GSS_S_FAILURE), fails(GSS_S_FAILURE)});
  // The initiator's only TGT has expired. MIT: GSS_S_FAILURE (0x000d0000; minor
  // KRB5KRB_AP_ERR_TKT_EXPIRED "Ticket expired", the KDC's answer to the TGS-REQ) —
  // not GSS_S_CREDENTIALS_EXPIRED. No token reaches the acceptor.
  cases.push_back(Case{"expired_ticket", target("sha1", kMutualFlags), {},
                       {{"KRB5CCNAME", "FILE:@DIR@/expired.ccache"}}, fails(GSS_S_FAILURE),
                       kNotReached});
  // No ccache at all. MIT: GSS_S_NO_CRED (0x00070000; minor KRB5_CC_NOTFOUND "No
  // Kerberos credentials available (default cache: FILE:...)").
  cases.push_back(Case{"no_credentials", target("sha1", kMutualFlags), {},
                       {{"KRB5CCNAME", "FILE:@DIR@/no-such.ccache"}}, fails(GSS_S_NO_CRED),
                       kNotReached});
  // nosuch/localhost is unknown to the KDC. MIT: GSS_S_FAILURE (0x000d0000; minor
  // KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN "Server nosuch/localhost@APX.TEST not found in
  // Kerberos database").
  cases.push_back(Case{"unknown_service", target("nosuch", kMutualFlags), {}, {},
                       fails(GSS_S_FAILURE), kNotReached});
  return cases;
}

const std::vector<Case>& all_cases() {
  static const std::vector<Case> cases = make_cases();
  return cases;
}

void PrintTo(const Pairing& p, std::ostream* os) { *os << p.name; }
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// ---- running a cell -------------------------------------------------------------

std::string substitute(std::string s, const std::string& dir, const std::string& token) {
  for (auto [from, to] : {std::pair<std::string, std::string>{"@DIR@", dir},
                          std::pair<std::string, std::string>{"@TOKEN@", token}}) {
    for (size_t at; (at = s.find(from)) != std::string::npos;) s.replace(at, from.size(), to);
  }
  return s;
}

// ---- message cells -------------------------------------------------------------

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// A copy of the realm's krb5.conf whose permitted_enctypes and default_tgs_enctypes
// start with enctype: the KDC gives the ticket a session key of the first enctype the
// initiator asks for and the service has, and MIT's initiator offers its permitted
// enctypes, in order, for the acceptor subkey (RFC 4537). aes256-cts-hmac-sha1-96, the
// realm's first enctype, follows it: the TGT's session key and the ticket itself (under
// host/localhost's first key) use it, and MIT refuses a ccache whose TGT has none of the
// default_tgs_enctypes.
std::string enctype_conf(const std::string& dir, const std::string& enctype) {
  const std::string path = dir + "/krb5-" + enctype + ".conf";
  std::ifstream in(dir + "/krb5.conf");
  std::ostringstream text;
  for (std::string line; std::getline(in, line);) {
    const std::string key = trim(line.substr(0, line.find('=')));
    if (key == "permitted_enctypes") {
      line = "    permitted_enctypes = " + enctype + " aes256-cts-hmac-sha1-96";
    } else if (key == "default_tgs_enctypes") {
      line = "    default_tgs_enctypes = " + enctype + " aes256-cts-hmac-sha1-96";
    }
    text << line << "\n";
  }
  std::ofstream(path + ".tmp") << text.str();
  std::filesystem::rename(path + ".tmp", path);
  return path;
}

// A ccache holding only a fresh TGT of user (the realm's ccache also caches the service
// tickets earlier cells obtained, whose session keys would be reused). Made once.
const std::string& tgt_only_ccache() {
  static const std::string path = [] {
    const Realm& realm = Realm::shared();
    const std::string cc = realm.dir() + "/tgt-only.ccache";
    std::filesystem::remove(cc);
    // As scripts/realm runs its tools: no sanitizer runtime preloaded into kinit.
    const std::string cmd = "env -u LD_PRELOAD KRB5CCNAME='FILE:" + cc + "' kinit -k -t '" +
                            realm.user_keytab() + "' user >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("kinit failed: " + cmd);
    return cc;
  }();
  return path;
}

// The message checks gss_peer knows: name and the largest size it runs for (0: all).
const std::vector<std::pair<std::string, size_t>>& message_checks() {
  static const std::vector<std::pair<std::string, size_t>> checks = [] {
    PeerResult r = run_alone(GSS_PEER_PATH, PeerSpec{{"--list-checks"}, {}, {}}, kTimeoutSeconds);
    std::vector<std::pair<std::string, size_t>> out;
    for (const auto& [key, value] : r.kv) {
      if (key.rfind("check.", 0) != 0) continue;
      out.emplace_back(key.substr(6), value == "all" ? 0 : std::strtoul(value.c_str(), nullptr, 10));
    }
    return out;
  }();
  return checks;
}

std::vector<size_t> parse_sizes(const std::string& list) {
  std::vector<size_t> sizes;
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');) sizes.push_back(std::stoul(item));
  return sizes;
}

// Every check ran and passed in both directions (the receiver reports it: the
// acceptor for i2a, the initiator for a2i), and the tokens used the keys the case is
// about.
void check_messages(const Case& c, const PeerResult& ri, const PeerResult& ra) {
  EXPECT_EQ(ri.get("messages"), "ok");
  EXPECT_EQ(ra.get("messages"), "ok");
  std::vector<std::string> failed;
  for (const auto& [label, r] : {std::pair<const char*, const PeerResult*>{"initiator", &ri},
                                 {"acceptor", &ra}}) {
    for (const auto& [key, value] : r->kv) {
      if (key.rfind("msg.", 0) == 0 && value != "ok") {
        failed.push_back(std::string(label) + ": " + key + "=" + value);
      }
    }
  }
  std::vector<std::string> missing;
  ASSERT_FALSE(message_checks().empty()) << "gss_peer --list-checks listed nothing";
  size_t expected = 0;
  for (size_t size : parse_sizes(c.sizes)) {
    for (const auto& [name, max] : message_checks()) {
      if (max != 0 && size > max) continue;
      for (const auto& [dir, r] : {std::pair<const char*, const PeerResult*>{"i2a", &ra},
                                   {"a2i", &ri}}) {
        const std::string key = "msg." + name + "." + dir + ".size" + std::to_string(size);
        ++expected;
        if (!r->has(key)) missing.push_back(key);
      }
    }
  }
  std::ostringstream list;
  for (const auto& f : failed) list << "  " << f << "\n";
  EXPECT_TRUE(failed.empty()) << failed.size() << " of " << expected
                              << " message checks failed:\n" << list.str();
  EXPECT_TRUE(missing.empty()) << missing.size() << " of " << expected
                               << " message checks did not report, first "
                               << (missing.empty() ? "" : missing.front());
  for (const auto& [label, r] : {std::pair<const char*, const PeerResult*>{"initiator", &ri},
                                 {"acceptor", &ra}}) {
    SCOPED_TRACE(label);
    // RFC 4121 §4.2.2: AcceptorSubkey is set exactly when the acceptor sent a subkey.
    EXPECT_EQ(r->get("token.acceptor_subkey"), c.mutual ? "1" : "0");
    EXPECT_EQ(r->get("token.mic_length"), std::to_string(c.mic_length));
    // Only mechanisms answering GSS_C_INQ_SSPI_SESSION_KEY (MIT's) name the enctype.
    const std::string enctype = r->get("session_key_enctype");
    if (enctype != "unavailable") {
      EXPECT_EQ(enctype, std::to_string(c.enctype));
    }
  }
}

using Param = std::tuple<Pairing, Case>;

class Interop : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    const Realm& realm = Realm::shared();
    dir_ = realm.dir();
    empty_conf_ = dir_ + "/empty-mech.conf";
    std::ofstream(empty_conf_, std::ios::app).close();
    std::filesystem::create_directories(dir_ + "/trace");
    const auto& [pairing, c] = GetParam();
    base_ = dir_ + "/trace/" + pairing.name + "_" + c.name;
    init_trace_ = base_ + ".initiator.log";
    acc_trace_ = base_ + ".acceptor.log";
    token_file_ = base_ + ".token";
    for (const auto& f : {init_trace_, acc_trace_, token_file_}) std::filesystem::remove(f);
    for (Server s : {pairing.initiator, pairing.acceptor}) {
      const std::string conf = mech_conf(s, empty_conf_);
      ASSERT_TRUE(std::filesystem::exists(conf))
          << conf << " is missing: the build generates it next to the plugin";
    }
  }

  PeerSpec side(Server s, const char* role, const std::vector<std::string>& args,
                const EnvList& env, const std::string& trace) const {
    PeerSpec spec;
    spec.args = {"--role", role, "--mech", mech_arg(s), "--timeout",
                 std::to_string(kTimeoutSeconds)};
    for (const auto& a : args) spec.args.push_back(substitute(a, dir_, token_file_));
    spec.unset = {"GSS_MECH_CONFIG", "APX_TRACE"};
    spec.env.emplace_back("GSS_MECH_CONFIG", mech_conf(s, empty_conf_));
    // Also on MIT's side: a trace appearing there would mean apx was loaded.
    spec.env.emplace_back("APX_TRACE", trace);
    for (const auto& [key, value] : env) {
      spec.env.emplace_back(key, substitute(value, dir_, token_file_));
    }
    return spec;
  }

  // Checks one side against its expectation.
  void check_end(const char* label, const PeerResult& r, const Expect& e, Server s) const {
    SCOPED_TRACE(label);
    switch (e.end) {
      case End::kEstablished:
        EXPECT_EQ(r.exit_code, 0);
        EXPECT_EQ(r.get("established"), "1");
        EXPECT_EQ(r.get("mech"), expected_mech_oid(s));
        EXPECT_GT(std::strtoul(r.get("lifetime").c_str(), nullptr, 10), 0ul);
        break;
      case End::kFails:
        EXPECT_EQ(r.exit_code, 1);
        EXPECT_FALSE(r.has("established"));
        ASSERT_TRUE(r.has("major")) << "no GSS failure reported";
        {
          const OM_uint32 want = (is_apx(s) && !apx_is_mit() && e.apx_major) ? e.apx_major : e.major;
          EXPECT_EQ(parse_hex(r.get("major")), want)
              << "status: " << r.get("status") << "\nexpected major 0x" << std::hex << want;
        }
        EXPECT_FALSE(r.get("status").empty()) << "the failure must be explained";
        break;
      case End::kNotReached:
        EXPECT_NE(r.exit_code, 0);
        EXPECT_FALSE(r.has("established"));
        break;
    }
  }

  // apx must really have served its sides, and MIT's sides must not have loaded it.
  void check_traces(const Pairing& p, const Case& c) const {
    if (apx_is_mit()) return;
    if (is_apx(p.initiator)) {
      EXPECT_TRUE(trace_shows(init_trace_, "init_sec_context"))
          << "apx did not serve the initiator (" << init_trace_ << ")";
    } else {
      EXPECT_TRUE(file_is_empty_or_absent(init_trace_)) << "apx loaded on MIT's initiator";
    }
    if (is_apx(p.acceptor)) {
      if (c.acceptor.end != End::kNotReached) {
        EXPECT_TRUE(trace_shows(acc_trace_, "accept_sec_context"))
            << "apx did not serve the acceptor (" << acc_trace_ << ")";
      }
    } else {
      EXPECT_TRUE(file_is_empty_or_absent(acc_trace_)) << "apx loaded on MIT's acceptor";
    }
  }

  std::string dir_, empty_conf_, base_, init_trace_, acc_trace_, token_file_;
};

TEST_P(Interop, Cell) {
  const auto& [p, c] = GetParam();
  EnvList init_env = c.initiator_env, acc_env;
  if (!c.enctypes.empty()) {
    // A ccache of its own with only the TGT, so that no service ticket cached by
    // another cell (with another session key enctype) is reused, and this cell's
    // ticket stays out of the others' ccaches.
    const std::string conf = enctype_conf(dir_, c.enctypes);
    const std::string ccache = base_ + ".ccache";
    std::filesystem::copy_file(tgt_only_ccache(), ccache,
                               std::filesystem::copy_options::overwrite_existing);
    init_env.emplace_back("KRB5_CONFIG", conf);
    init_env.emplace_back("KRB5CCNAME", "FILE:" + ccache);
    acc_env.emplace_back("KRB5_CONFIG", conf);
  }
  PeerSpec init = side(p.initiator, "initiator", c.initiator_args, init_env, init_trace_);
  PeerSpec acc = side(p.acceptor, "acceptor", c.acceptor_args, acc_env, acc_trace_);
  auto [ri, ra] = run_pair(GSS_PEER_PATH, init, acc, kTimeoutSeconds);
  SCOPED_TRACE(ri.describe("initiator", init) + ra.describe("acceptor", acc));

  check_end("initiator", ri, c.initiator, p.initiator);
  check_end("acceptor", ra, c.acceptor, p.acceptor);
  check_traces(p, c);

  if (c.initiator.end == End::kEstablished) {
    OM_uint32 flags = parse_hex(ri.get("flags"));
    EXPECT_EQ((flags & GSS_C_MUTUAL_FLAG) != 0, c.mutual) << "initiator flags " << ri.get("flags");
    EXPECT_NE(flags & GSS_C_CONF_FLAG, 0u);
    EXPECT_NE(flags & GSS_C_INTEG_FLAG, 0u);
  }
  if (c.acceptor.end == End::kEstablished) {
    OM_uint32 flags = parse_hex(ra.get("flags"));
    EXPECT_EQ(ra.get("src_name"), Realm::shared().user_principal());
    EXPECT_EQ((flags & GSS_C_MUTUAL_FLAG) != 0, c.mutual) << "acceptor flags " << ra.get("flags");
    if (c.channel_bound.has_value()) {
      EXPECT_EQ((flags & GSS_C_CHANNEL_BOUND_FLAG) != 0, *c.channel_bound)
          << "acceptor flags " << ra.get("flags");
    }
    EXPECT_EQ(ra.get("delegated"), c.delegated ? "1" : "0");
    if (c.delegated) {
      EXPECT_NE(flags & GSS_C_DELEG_FLAG, 0u);
    }
  }
  if (c.messages && c.initiator.end == End::kEstablished) check_messages(c, ri, ra);
  if (c.replay) {
    ASSERT_TRUE(std::filesystem::exists(token_file_)) << "initiator saved no token";
    PeerSpec again = side(p.acceptor, "acceptor", {"--token-from", token_file_}, {}, acc_trace_);
    PeerResult rr = run_alone(GSS_PEER_PATH, again, kTimeoutSeconds);
    SCOPED_TRACE(rr.describe("replayed acceptor", again));
    check_end("replayed acceptor", rr, c.replayed, p.acceptor);
  }
}

std::string cell_name(const ::testing::TestParamInfo<Param>& info) {
  return std::string(std::get<0>(info.param).name) + "__" + std::get<1>(info.param).name;
}

// gss_peer lists its message checks, and the matrix relies on the list.
TEST(InteropHarness, MessageChecksListed) {
  const auto& checks = message_checks();
  EXPECT_GE(checks.size(), 40u);
  for (const char* name : {"mic", "mic_iov", "wrap_conf", "wrap_iov_notrailer_conf",
                           "wrap_aead_conf", "wrap_size_limit_conf", "mic_replayed"}) {
    EXPECT_TRUE(std::any_of(checks.begin(), checks.end(),
                            [&](const auto& c) { return c.first == name; }))
        << name;
  }
}

// Every pairing with every case; in the self-check mode (MIT on every side) the message
// cells of the other pairings would repeat mit_mit's exactly, so they are not made.
std::vector<std::tuple<Pairing, Case>> cells() {
  std::vector<std::tuple<Pairing, Case>> out;
  for (const Pairing& p : kPairings)
    for (const Case& c : all_cases())
      if (!(apx_is_mit() && c.messages && std::string(p.name) != "mit_mit") &&
          !(c.raw_tokens && std::string(p.name) == "standalone"))
        out.emplace_back(p, c);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Matrix, Interop, ::testing::ValuesIn(cells()), cell_name);

// The harness itself: the realm is up and gss_peer runs.
TEST(InteropHarness, RealmIsUp) {
  const Realm& realm = Realm::shared();
  EXPECT_GT(realm.port(), 0);
  EXPECT_TRUE(std::filesystem::exists(realm.ccache()));
  EXPECT_TRUE(std::filesystem::exists(realm.keytab()));
  EXPECT_TRUE(std::filesystem::exists(realm.stale_keytab()));
  EXPECT_TRUE(std::filesystem::exists(realm.expired_ccache()));
  EXPECT_NE(std::getenv("KRB5_CONFIG"), nullptr);
}

TEST(InteropHarness, TraceShows) {
  const std::string f = Realm::shared().dir() + "/trace-shows-self-test.log";
  std::filesystem::remove(f);
  EXPECT_FALSE(trace_shows(f, "init_sec_context"));
  std::ofstream(f) << "apx[1] 0.0 gss_init_sec_context target=host@localhost\n";
  EXPECT_TRUE(trace_shows(f, "init_sec_context"));
  EXPECT_FALSE(trace_shows(f, "accept_sec_context"));
  std::filesystem::remove(f);
}

// gss_peer's own OID codec (MIT's gss_oid_to_str cannot print wide UUID arcs) agrees
// with the public header.
TEST(InteropHarness, PeerOidCodec) {
  PeerResult r = run_alone(GSS_PEER_PATH, PeerSpec{{"--oid", APX_MECH_OID_STRING}, {}, {}},
                           kTimeoutSeconds);
  std::string hex;
  const std::string der(APX_MECH_OID_DER, APX_MECH_OID_LENGTH);
  for (unsigned char b : der) {
    const char* digits = "0123456789abcdef";
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.get("der"), hex);
  EXPECT_EQ(r.get("oid"), APX_MECH_OID_STRING);
}

}  // namespace
}  // namespace apx::test
