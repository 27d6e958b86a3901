// Context export in interposer mode: apx exports, the mechglue hands the import to MIT's
// built-in krb5 mechanism (the real installed libgssapi_krb5), and the imported context
// carries on with the apx context that stayed on the other side: messages both ways,
// sequence numbers continuing, replays refused, gss_inquire_context as before.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "kdc/gss_helpers.h"

namespace apx::test {
namespace {

constexpr OM_uint32 kSeqFlags = GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG;
// gssapi_err_krb5.et KG_CONTEXT: the first field of MIT's kg_ctx_externalize layout.
constexpr uint8_t kKgContextMagic[] = {0x02, 0x5e, 0xa1, 0x08};

struct Row {
  const char* target;
  OM_uint32 flags;
  std::vector<int32_t> acceptor_enctypes;  // gss_krb5_set_allowable_enctypes; empty: all
  const char* label;
};

struct Pair {
  Ctx init, acc;
};

void establish(const Row& row, Pair& p) {
  OM_uint32 minor = 0;
  Cred acred;
  if (!row.acceptor_enctypes.empty()) {
    gss_OID_set_desc mechs = {1, &kKrb5Oid};
    ASSERT_EQ(gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_ACCEPT, &acred.h,
                               nullptr, nullptr),
              GSS_S_COMPLETE);
    auto list = row.acceptor_enctypes;
    ASSERT_EQ(gss_krb5_set_allowable_enctypes(&minor, acred.h,
                                              static_cast<OM_uint32>(list.size()), list.data()),
              GSS_S_COMPLETE);
  }
  Name target = import(row.target, GSS_C_NT_HOSTBASED_SERVICE);
  Buffer to_acc, to_init;
  OM_uint32 major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &p.init.h, target.h,
                                         &kKrb5Oid, row.flags, 0, nullptr, nullptr, nullptr,
                                         &to_acc.b, nullptr, nullptr);
  ASSERT_FALSE(GSS_ERROR(major)) << minor_text(minor);
  ASSERT_EQ(gss_accept_sec_context(&minor, &p.acc.h, acred.h, &to_acc.b, nullptr, nullptr,
                                   nullptr, &to_init.b, nullptr, nullptr, nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor);
  if (row.flags & GSS_C_MUTUAL_FLAG) {
    Buffer none;
    ASSERT_EQ(gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &p.init.h, target.h, &kKrb5Oid,
                                   row.flags, 0, nullptr, &to_init.b, nullptr, &none.b, nullptr,
                                   nullptr),
              GSS_S_COMPLETE);
  }
}

struct Inquiry {
  std::string src, targ;
  OM_uint32 lifetime = 0, flags = 0;
  int local = -1, open = -1;
  std::vector<uint8_t> mech;
  std::vector<uint8_t> session_key, session_key_oid;  // GSS_C_INQ_SSPI_SESSION_KEY
};

std::string shown(gss_name_t n) {
  OM_uint32 m;
  Buffer b;
  gss_display_name(&m, n, &b.b, nullptr);
  return b.str();
}

Inquiry inquire(gss_ctx_id_t h) {
  Inquiry q;
  OM_uint32 minor;
  Name src, targ;
  gss_OID mech = GSS_C_NO_OID;
  EXPECT_EQ(gss_inquire_context(&minor, h, &src.h, &targ.h, &q.lifetime, &mech, &q.flags,
                                &q.local, &q.open),
            GSS_S_COMPLETE);
  q.src = shown(src.h);
  q.targ = shown(targ.h);
  if (mech != GSS_C_NO_OID) {
    auto* e = static_cast<const uint8_t*>(mech->elements);
    q.mech.assign(e, e + mech->length);
  }
  gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
  EXPECT_EQ(gss_inquire_sec_context_by_oid(&minor, h,
                                           const_cast<gss_OID>(GSS_C_INQ_SSPI_SESSION_KEY), &set),
            GSS_S_COMPLETE);
  if (set != GSS_C_NO_BUFFER_SET && set->count == 2) {
    auto bytes = [](const gss_buffer_desc& b) {
      auto* v = static_cast<const uint8_t*>(b.value);
      return std::vector<uint8_t>(v, v + b.length);
    };
    q.session_key = bytes(set->elements[0]);
    q.session_key_oid = bytes(set->elements[1]);
  }
  gss_release_buffer_set(&minor, &set);
  return q;
}

void expect_same(const Inquiry& a, const Inquiry& b) {
  EXPECT_EQ(a.src, b.src);
  EXPECT_EQ(a.targ, b.targ);
  EXPECT_EQ(a.flags, b.flags);
  EXPECT_EQ(a.local, b.local);
  EXPECT_EQ(a.open, b.open);
  EXPECT_EQ(a.mech, b.mech);
  EXPECT_EQ(a.session_key, b.session_key);
  EXPECT_EQ(a.session_key_oid, b.session_key_oid);
  EXPECT_NEAR(static_cast<double>(a.lifetime), static_cast<double>(b.lifetime), 2.0);
  EXPECT_GT(b.lifetime, 0u);
}

// Wrap (sealed) on `from`, unwrap on `to`: the status of the unwrap (supplementary bits
// included) and the token, for replays.
OM_uint32 wrap_to(gss_ctx_id_t from, gss_ctx_id_t to, const std::string& text,
                  std::vector<uint8_t>* token = nullptr) {
  OM_uint32 minor;
  gss_buffer_desc in = buf(text);
  Buffer wrapped, out;
  int conf = 0;
  EXPECT_EQ(gss_wrap(&minor, from, 1, GSS_C_QOP_DEFAULT, &in, &conf, &wrapped.b), GSS_S_COMPLETE)
      << minor_text(minor);
  EXPECT_EQ(conf, 1);
  if (token != nullptr) *token = wrapped.bytes();
  const OM_uint32 major = gss_unwrap(&minor, to, &wrapped.b, &out.b, &conf, nullptr);
  if (!GSS_ERROR(major)) {
    EXPECT_EQ(out.str(), text);
  }
  return major;
}

OM_uint32 mic_to(gss_ctx_id_t from, gss_ctx_id_t to, const std::string& text) {
  OM_uint32 minor;
  gss_buffer_desc in = buf(text);
  Buffer mic;
  EXPECT_EQ(gss_get_mic(&minor, from, GSS_C_QOP_DEFAULT, &in, &mic.b), GSS_S_COMPLETE);
  return gss_verify_mic(&minor, to, &in, &mic.b, nullptr);
}

OM_uint32 unwrap(gss_ctx_id_t h, const std::vector<uint8_t>& token) {
  OM_uint32 minor;
  gss_buffer_desc in = buf(token);
  Buffer out;
  return gss_unwrap(&minor, h, &in, &out.b, nullptr, nullptr);
}

// gss_export_sec_context through the mechglue; checks the mechanism's part is MIT's
// layout (after the mechglue's 4-octet OID length and OID).
std::vector<uint8_t> export_ctx(Ctx& c) {
  OM_uint32 minor;
  Buffer tok;
  EXPECT_EQ(gss_export_sec_context(&minor, &c.h, &tok.b), GSS_S_COMPLETE) << minor_text(minor);
  EXPECT_EQ(c.h, GSS_C_NO_CONTEXT);
  std::vector<uint8_t> t = tok.bytes();
  EXPECT_GT(t.size(), 8u);
  if (t.size() <= 8) return t;
  const size_t oid_len = (size_t{t[0]} << 24) | (size_t{t[1]} << 16) | (size_t{t[2]} << 8) | t[3];
  EXPECT_TRUE(t.size() > 4 + oid_len + 4 &&
              std::equal(std::begin(kKgContextMagic), std::end(kKgContextMagic),
                         t.begin() + 4 + static_cast<long>(oid_len)))
      << "not MIT's kg_ctx_externalize layout";
  return t;
}

// Traffic on an established pair, then one side exported and imported (into MIT's
// mechanism), then traffic between the imported context and the other side's apx
// context, both ways.
void run_row(const Row& row, bool export_initiator) {
  SCOPED_TRACE(std::string(row.label) + (export_initiator ? ", initiator" : ", acceptor") +
               " exported");
  Pair p;
  ASSERT_NO_FATAL_FAILURE(establish(row, p));
  Ctx& moved = export_initiator ? p.init : p.acc;
  Ctx& stays = export_initiator ? p.acc : p.init;
  // Before: three messages each way; keep one the moving side has already received.
  std::vector<uint8_t> seen;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(wrap_to(moved.h, stays.h, "to stays " + std::to_string(i)), GSS_S_COMPLETE);
    ASSERT_EQ(wrap_to(stays.h, moved.h, "to moved " + std::to_string(i), &seen), GSS_S_COMPLETE);
  }
  const Inquiry before = inquire(moved.h);
  const std::vector<uint8_t> token = export_ctx(moved);
  OM_uint32 minor;
  gss_buffer_desc in = buf(token);
  Ctx imported;
  ASSERT_EQ(gss_import_sec_context(&minor, &in, &imported.h), GSS_S_COMPLETE)
      << minor_text(minor);
  expect_same(before, inquire(imported.h));
  // After: sequence numbers continue (no GAP/UNSEQ/DUPLICATE bits with replay and
  // sequence detection on), both ways, sealed messages and MICs.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(wrap_to(imported.h, stays.h, "after " + std::to_string(i)), GSS_S_COMPLETE);
    EXPECT_EQ(wrap_to(stays.h, imported.h, "reply " + std::to_string(i)), GSS_S_COMPLETE);
    EXPECT_EQ(mic_to(imported.h, stays.h, "mic " + std::to_string(i)), GSS_S_COMPLETE);
    EXPECT_EQ(mic_to(stays.h, imported.h, "mic back " + std::to_string(i)), GSS_S_COMPLETE);
  }
  // The receive window came along: a token received before the export is a replay.
  if (row.flags & GSS_C_REPLAY_FLAG) {
    EXPECT_EQ(unwrap(imported.h, seen), GSS_S_DUPLICATE_TOKEN);
    std::vector<uint8_t> fresh;
    EXPECT_EQ(wrap_to(stays.h, imported.h, "once", &fresh), GSS_S_COMPLETE);
    EXPECT_EQ(unwrap(imported.h, fresh), GSS_S_DUPLICATE_TOKEN);
  }
}

constexpr int32_t kAes128Sha1 = 17, kAes256Sha1 = 18;

const Row kRows[] = {
    {"sha1@localhost", GSS_C_MUTUAL_FLAG | kSeqFlags, {}, "aes256-sha1, mutual (acceptor subkey)"},
    {"sha1@localhost", kSeqFlags, {}, "aes256-sha1, no mutual (no acceptor subkey)"},
    {"sha2@localhost", GSS_C_MUTUAL_FLAG | kSeqFlags, {}, "aes256-sha384, mutual"},
    {"sha2@localhost", kSeqFlags, {}, "aes256-sha384, no mutual"},
    {"host@localhost", GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG, {kAes128Sha1, kAes256Sha1},
     "acceptor subkey aes128 beside an aes256 ticket, replay only"},
    {"host@localhost", GSS_C_MUTUAL_FLAG, {}, "no replay or sequence detection"},
};

TEST(ContextExportMit, ImportedInitiatorTalksToApxAcceptor) {
  setenv("KRB5RCACHETYPE", "none", 1);
  for (const Row& row : kRows) run_row(row, true);
}

TEST(ContextExportMit, ImportedAcceptorTalksToApxInitiator) {
  setenv("KRB5RCACHETYPE", "none", 1);
  for (const Row& row : kRows) run_row(row, false);
}

// Across processes, as RFC 2743 §2.2.8 intends: the token goes through a pipe to another
// process, which imports it (MIT's mechanism), reads the apx peer's message and answers.
bool write_all(int fd, const std::vector<uint8_t>& v) {
  const uint32_t n = static_cast<uint32_t>(v.size());
  return write(fd, &n, sizeof n) == sizeof n &&
         write(fd, v.data(), v.size()) == static_cast<ssize_t>(v.size());
}
bool read_all(int fd, std::vector<uint8_t>& v) {
  uint32_t n = 0;
  if (read(fd, &n, sizeof n) != sizeof n) return false;
  v.resize(n);
  size_t got = 0;
  while (got < n) {
    const ssize_t r = read(fd, v.data() + got, n - got);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

// The child's part: 0 on success, a distinct code per failed step.
int import_and_answer(int in, int out) {
  std::vector<uint8_t> token, message;
  if (!read_all(in, token) || !read_all(in, message)) return 10;
  OM_uint32 minor;
  gss_buffer_desc t = buf(token), m = buf(message);
  gss_ctx_id_t h = GSS_C_NO_CONTEXT;
  if (gss_import_sec_context(&minor, &t, &h) != GSS_S_COMPLETE) return 11;
  Buffer plain, reply;
  if (gss_unwrap(&minor, h, &m, &plain.b, nullptr, nullptr) != GSS_S_COMPLETE) return 12;
  if (plain.str() != "to the other process") return 13;
  if (gss_unwrap(&minor, h, &m, &plain.b, nullptr, nullptr) != GSS_S_DUPLICATE_TOKEN) return 14;
  const std::string answer = "answer from the other process";
  gss_buffer_desc text = buf(answer);
  if (gss_wrap(&minor, h, 1, GSS_C_QOP_DEFAULT, &text, nullptr, &reply.b) != GSS_S_COMPLETE)
    return 15;
  if (!write_all(out, reply.bytes())) return 16;
  gss_delete_sec_context(&minor, &h, GSS_C_NO_BUFFER);
  return 0;
}

TEST(ContextExportMit, ImportedInAnotherProcess) {
  setenv("KRB5RCACHETYPE", "none", 1);
  for (bool export_initiator : {true, false}) {
    SCOPED_TRACE(export_initiator ? "initiator exported" : "acceptor exported");
    const Row row = {"sha2@localhost", GSS_C_MUTUAL_FLAG | kSeqFlags, {}, "sha2"};
    Pair p;
    ASSERT_NO_FATAL_FAILURE(establish(row, p));
    Ctx& moved = export_initiator ? p.init : p.acc;
    Ctx& stays = export_initiator ? p.acc : p.init;
    ASSERT_EQ(wrap_to(moved.h, stays.h, "before"), GSS_S_COMPLETE);
    const std::vector<uint8_t> token = export_ctx(moved);
    OM_uint32 minor;
    const std::string sent = "to the other process";
    gss_buffer_desc text = buf(sent);
    Buffer message;
    ASSERT_EQ(gss_wrap(&minor, stays.h, 1, GSS_C_QOP_DEFAULT, &text, nullptr, &message.b),
              GSS_S_COMPLETE);
    int to_child[2], from_child[2];
    ASSERT_EQ(pipe(to_child), 0);
    ASSERT_EQ(pipe(from_child), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(to_child[1]);
      close(from_child[0]);
      _exit(import_and_answer(to_child[0], from_child[1]));
    }
    close(to_child[0]);
    close(from_child[1]);
    EXPECT_TRUE(write_all(to_child[1], token) && write_all(to_child[1], message.bytes()));
    close(to_child[1]);
    std::vector<uint8_t> reply;
    const bool got = read_all(from_child[0], reply);
    close(from_child[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "the importing process failed at step "
                                      << WEXITSTATUS(status);
    ASSERT_TRUE(got);
    gss_buffer_desc r = buf(reply);
    Buffer plain;
    EXPECT_EQ(gss_unwrap(&minor, stays.h, &r, &plain.b, nullptr, nullptr), GSS_S_COMPLETE);
    EXPECT_EQ(plain.str(), "answer from the other process");
  }
}

// Damaged tokens given to MIT's import: refused, nothing imported, no crash. Every cut
// short token is refused, except that MIT 1.20's profile_ser_internalize (prof_init.c)
// copies a profile file name without checking the bytes left: a token cut inside that
// name makes it read past the end, so those cut points are not tried.
TEST(ContextExportMit, DamagedTokensAreRefusedByMitImport) {
  setenv("KRB5RCACHETYPE", "none", 1);
  const Row row = {"sha1@localhost", GSS_C_MUTUAL_FLAG | kSeqFlags, {}, "sha1"};
  Pair p;
  ASSERT_NO_FATAL_FAILURE(establish(row, p));
  const std::vector<uint8_t> token = export_ctx(p.init);
  const char* conf = getenv("KRB5_CONFIG");
  ASSERT_NE(conf, nullptr);
  const auto name_at = std::search(token.begin(), token.end(), conf, conf + strlen(conf));
  ASSERT_NE(name_at, token.end());
  const size_t name_begin = static_cast<size_t>(name_at - token.begin());
  const size_t name_end = name_begin + strlen(conf);
  int refused = 0, tried = 0;
  for (size_t len = 1; len < token.size(); ++len) {
    if (len > name_begin - 4 && len < name_end) continue;
    // An exact-size copy: a read past the end is a heap overflow the sanitizers see.
    std::vector<uint8_t> cut(token.begin(), token.begin() + static_cast<long>(len));
    OM_uint32 minor;
    gss_buffer_desc in = buf(cut);
    Ctx c;
    ++tried;
    if (GSS_ERROR(gss_import_sec_context(&minor, &in, &c.h)) && c.h == GSS_C_NO_CONTEXT)
      ++refused;
  }
  EXPECT_EQ(refused, tried);
  // Each magic number of the layout damaged in turn (KG_CONTEXT and libkrb5's KV5M_*
  // values begin 02 5e a1 or 97 0e a7).
  int magics = 0, magic_refused = 0;
  for (size_t i = 4; i + 4 <= token.size(); ++i) {
    const bool kg = token[i] == 0x02 && token[i + 1] == 0x5e && token[i + 2] == 0xa1;
    const bool kv5m = token[i] == 0x97 && token[i + 1] == 0x0e && token[i + 2] == 0xa7;
    if (!kg && !kv5m) continue;
    std::vector<uint8_t> bad = token;
    bad[i + 3] ^= 0x40;
    OM_uint32 minor;
    gss_buffer_desc in = buf(bad);
    Ctx c;
    ++magics;
    if (GSS_ERROR(gss_import_sec_context(&minor, &in, &c.h))) ++magic_refused;
  }
  EXPECT_GT(magics, 20);
  // The KG_CONTEXT header and trailer, the context, auth context, OID and key magics are
  // checked by MIT; optional members whose magic is damaged are taken as absent and the
  // next field then fails to parse, so every damaged magic is refused.
  EXPECT_EQ(magic_refused, magics);
}

}  // namespace
}  // namespace apx::test
