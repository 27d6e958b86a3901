// The gss_export_sec_context token: the codec (core/exported_context.h) and a Context
// imported from it and exported again. Finding 6 of the independent review: names were
// written with 16-bit lengths, so a principal name of 64 KiB or more came back as other
// names, and the bytes of the name were read as the keys and enctypes that follow.
#include <gssapi/gssapi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "core/context.h"
#include "core/exported_context.h"
#include "core/mit_context_export.h"

namespace apx::core {
namespace {

constexpr int32_t kAes256 = 18;  // aes256-cts-hmac-sha1-96, 32-octet keys
constexpr uint8_t kStandalone = 3;  // kMechApx in context_export.cc's table

std::vector<uint8_t> filled(size_t n, uint8_t first) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(first + 7 * i);
  return v;
}

// A context's fields with storage of their own (ExportedContext only borrows).
struct Sample {
  std::string initiator = "alice@APX.TEST";
  std::string acceptor = "host/server.apx.test@APX.TEST";
  std::vector<uint8_t> context_key = filled(32, 0x11);
  std::vector<uint8_t> session_key = filled(32, 0x5a);

  [[nodiscard]] ExportedContext view() const {
    ExportedContext c;
    c.initiator = true;
    c.mech = kStandalone;
    c.flags = GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_CONF_FLAG |
              GSS_C_INTEG_FLAG;
    c.endtime = 0x7fffff00;
    c.initiator_name = initiator;
    c.acceptor_name = acceptor;
    c.context_key = {kAes256, context_key};
    c.session_key = {kAes256, session_key};
    c.send_seq = 0x0102030405060708;
    c.window_base = 77;
    c.window_next = 3;
    c.window_map = 0x5;
    c.replay = true;
    c.sequence = true;
    return c;
  }
};

std::vector<uint8_t> bytes(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }

void expect_same(const ExportedContext& a, const ExportedContext& b) {
  EXPECT_EQ(a.initiator, b.initiator);
  EXPECT_EQ(a.mech, b.mech);
  EXPECT_EQ(a.flags, b.flags);
  EXPECT_EQ(a.endtime, b.endtime);
  EXPECT_EQ(a.initiator_name.size(), b.initiator_name.size());
  EXPECT_TRUE(a.initiator_name == b.initiator_name);
  EXPECT_EQ(a.acceptor_name.size(), b.acceptor_name.size());
  EXPECT_TRUE(a.acceptor_name == b.acceptor_name);
  for (auto k : {&ExportedContext::context_key, &ExportedContext::acceptor_subkey,
                 &ExportedContext::session_key}) {
    EXPECT_EQ((a.*k).enctype, (b.*k).enctype);
    EXPECT_EQ(bytes((a.*k).bytes), bytes((b.*k).bytes));
  }
  EXPECT_EQ(a.send_seq, b.send_seq);
  EXPECT_EQ(a.window_base, b.window_base);
  EXPECT_EQ(a.window_next, b.window_next);
  EXPECT_EQ(a.window_map, b.window_map);
  EXPECT_EQ(a.replay, b.replay);
  EXPECT_EQ(a.sequence, b.sequence);
}

TEST(ExportedContextCodec, NamesOfAnyLengthRoundTrip) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{65535}, size_t{65536}, size_t{65536 + 41},
                   size_t{300000}}) {
    SCOPED_TRACE(n);
    Sample s;
    s.initiator.assign(n, 'a');
    s.acceptor.assign(n / 2, 'b');
    const ExportedContext c = s.view();
    auto token = encode_exported_context(c);
    ASSERT_TRUE(token.has_value());
    auto back = decode_exported_context({token->data(), token->size()});
    ASSERT_TRUE(back.has_value());
    expect_same(c, *back);
  }
}

// A name built against the version 1 layout: its length wraps to 8, and its other 65536
// octets read as a fake acceptor name, a context key the name's owner chose, and a fake
// session key swallowing the real acceptor name and keys up to the sequence fields. The
// importer would then protect messages with a key the peer knows.
TEST(ExportedContextCodec, NameCannotSmuggleAKey) {
  Sample s;
  const std::vector<uint8_t> chosen(32, 0xee);
  const size_t swallowed = 2 + s.acceptor.size() + (6 + 32) + 6 + (6 + 32);
  std::string q;
  auto u16 = [&](size_t v) { q += static_cast<char>(v >> 8), q += static_cast<char>(v & 0xff); };
  auto u32 = [&](uint32_t v) { for (int i = 24; i >= 0; i -= 8) q += static_cast<char>(v >> i); };
  const size_t fake_acceptor = 65536 - 2 - (6 + 32) - 6 - 6;
  u16(fake_acceptor);
  q.append(fake_acceptor, 'B');
  u32(kAes256), u16(32), q.append(chosen.begin(), chosen.end());
  u32(0), u16(0);
  u32(0), u16(swallowed);
  ASSERT_EQ(q.size(), 65536u);
  s.initiator = "mallory@" + q;
  const ExportedContext c = s.view();
  auto token = encode_exported_context(c);
  ASSERT_TRUE(token.has_value());
  auto back = decode_exported_context({token->data(), token->size()});
  ASSERT_TRUE(back.has_value());
  EXPECT_NE(bytes(back->context_key.bytes), chosen);
  expect_same(c, *back);
}

TEST(ExportedContextCodec, TruncatedOrExtendedTokensAreRefused) {
  Sample s;
  auto token = encode_exported_context(s.view());
  ASSERT_TRUE(token.has_value());
  const std::vector<uint8_t> t = bytes({token->data(), token->size()});
  for (size_t n = 0; n < t.size(); ++n) {
    const std::vector<uint8_t> cut(t.begin(), t.begin() + static_cast<ptrdiff_t>(n));
    auto r = decode_exported_context(cut);
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_EQ(r.error().major(), GSS_S_DEFECTIVE_TOKEN);
  }
  std::vector<uint8_t> longer = t;
  longer.push_back(0);
  EXPECT_FALSE(decode_exported_context(longer).has_value());
}

// A Context imported with a 100 KB initiator name exports the same name again.
TEST(ExportedContext, LongInitiatorNameRoundTripsThroughContext) {
  Sample s;
  s.initiator = std::string(100000, 'u') + "@APX.TEST";
  const ExportedContext c = s.view();
  auto token = encode_exported_context(c);
  ASSERT_TRUE(token.has_value());
  auto ctx = Context::import_token({token->data(), token->size()});
  ASSERT_TRUE(ctx.has_value()) << ctx.error().minor();
  ASSERT_TRUE((*ctx)->initiator_name().has_value());
  EXPECT_EQ((*ctx)->initiator_name()->display(), s.initiator);
  auto again = (*ctx)->export_token();
  ASSERT_TRUE(again.has_value());
  auto back = decode_exported_context({again->data(), again->size()});
  ASSERT_TRUE(back.has_value());
  expect_same(c, *back);
}

// A key whose length does not fit its enctype is refused at import, not at first use.
TEST(ExportedContext, ImportRefusesKeyOfWrongSize) {
  Sample s;
  s.context_key.resize(16);
  auto token = encode_exported_context(s.view());
  ASSERT_TRUE(token.has_value());
  auto ctx = Context::import_token({token->data(), token->size()});
  ASSERT_FALSE(ctx.has_value());
  EXPECT_EQ(ctx.error().major(), GSS_S_DEFECTIVE_TOKEN);
  EXPECT_EQ(ctx.error().minor(), base::code(base::Minor::kCtxExportFormat));
}

// A version 1 token (16-bit lengths) is refused, never read with the new layout.
TEST(ExportedContext, VersionOneTokenIsRefused) {
  Sample s;
  auto token = encode_exported_context(s.view());
  ASSERT_TRUE(token.has_value());
  std::vector<uint8_t> v1 = bytes({token->data(), token->size()});
  v1[3] = 0x01;
  auto ctx = Context::import_token(v1);
  ASSERT_FALSE(ctx.has_value());
  EXPECT_EQ(ctx.error().major(), GSS_S_DEFECTIVE_TOKEN);
}

}  // namespace
}  // namespace apx::core

// ---- MIT's layout (kg_ctx_externalize), read by apx's import ----

namespace apx::core {
namespace {

// A token in MIT's layout from apx's own encoder, with a profile file name in it.
std::vector<uint8_t> mit_token(const std::string& profile_file) {
  static const uint8_t key[32] = {1, 2, 3};
  static const uint8_t mech[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
  MitExportedContext m;
  m.initiate = true;
  m.here = "user@APX.TEST";
  m.there = "host/localhost@APX.TEST";
  m.mech_used = mech;
  m.subkey = {18, key};
  m.endtime = 2000000000;
  m.k5.profile_files = {profile_file};
  auto t = encode_mit_context(m);
  EXPECT_TRUE(static_cast<bool>(t));
  return {t->span().begin(), t->span().end()};
}

TEST(MitLayoutImport, WholeTokenImports) {
  const auto token = mit_token("/dev/null");
  ASSERT_TRUE(Context::is_mit_token(token));
  EXPECT_TRUE(static_cast<bool>(Context::import_token(token)));
}

// Every cut is refused, the cuts inside the profile file name included (where libkrb5's own
// reader would run past the end).
TEST(MitLayoutImport, EveryCutIsRefused) {
  const auto token = mit_token("/dev/null/a-long-profile-file-name-to-cut-inside");
  for (size_t n = 4; n < token.size(); ++n) {
    const std::vector<uint8_t> cut(token.begin(), token.begin() + static_cast<long>(n));
    EXPECT_FALSE(static_cast<bool>(Context::import_token(cut))) << "cut at " << n;
  }
}

// A profile file name whose length claims more than the token holds is refused.
TEST(MitLayoutImport, ProfileNameLongerThanTokenIsRefused) {
  const std::string name = "/dev/null/profile";
  auto token = mit_token(name);
  const auto at = std::search(token.begin(), token.end(), name.begin(), name.end());
  ASSERT_NE(at, token.end());
  for (uint32_t len : {0x7fffffffu, static_cast<uint32_t>(token.size())}) {
    auto forged = token;
    const size_t off = static_cast<size_t>(at - token.begin()) - 4;
    for (int i = 0; i < 4; ++i) forged[off + i] = static_cast<uint8_t>(len >> (24 - 8 * i));
    EXPECT_FALSE(static_cast<bool>(Context::import_token(forged))) << len;
  }
}

}  // namespace
}  // namespace apx::core
