// core::exported_cred: MIT's "K5C1" credential token, read from MIT's own output and
// written back byte for byte; hostile tokens refused cleanly.
#include "core/exported_cred.h"

#include <gssapi/gssapi.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/minor.h"
#include "mit_cred_tokens.h"

namespace apx::core {
namespace {

// A heap copy with nothing after it: ASan sees a read past the end.
struct Exact {
  explicit Exact(const std::string& s) : p(std::make_unique<uint8_t[]>(s.size() + 1)), n(s.size()) {
    std::memcpy(p.get(), s.data(), s.size());
  }
  std::span<const uint8_t> span() const { return {p.get(), n}; }
  std::unique_ptr<uint8_t[]> p;
  size_t n;
};

base::Result<ExportedCred> decode(const std::string& s) {
  Exact e(s);
  return decode_exported_cred(e.span());
}

std::string encode(const ExportedCred& c) {
  auto out = encode_exported_cred(c);
  EXPECT_TRUE(out);
  if (!out) return "";
  return std::string(out->span().begin(), out->span().end());
}

TEST(ExportedCred, ReadsMitsDelegatedCredential) {
  auto c = decode(test::kMitDelegatedCred);
  ASSERT_TRUE(c) << std::hex << c.error().minor();
  EXPECT_EQ(c->usage, GSS_C_INITIATE);
  ASSERT_TRUE(c->name);
  EXPECT_EQ(c->name->principal, "user@APX.TEST");
  EXPECT_FALSE(c->name->service);
  EXPECT_FALSE(c->impersonator);
  EXPECT_FALSE(c->keytab);
  ASSERT_EQ(c->ccache_kind, ExportedCcacheKind::kContents);
  EXPECT_EQ(c->ccache_name, "user@APX.TEST");
  ASSERT_EQ(c->ccache_creds.size(), 1u);
  const ExportedTicket& t = c->ccache_creds[0];
  EXPECT_EQ(*t.server, "krbtgt/APX.TEST@APX.TEST");
  EXPECT_EQ(t.enctype, 18);
  EXPECT_EQ(t.key.size(), 32u);
  EXPECT_EQ(t.endtime, 1796298801);
  EXPECT_EQ(t.flags, 1611202560);
  EXPECT_FALSE(t.addresses);
  EXPECT_FALSE(t.authdata);
  EXPECT_GT(t.ticket.size(), 300u);
  EXPECT_EQ(t.ticket[0], 0x61);  // [APPLICATION 1] Ticket
  EXPECT_TRUE(t.second_ticket.empty());
  EXPECT_EQ(c->expire, 1796298801u);
  EXPECT_FALSE(c->password);
}

TEST(ExportedCred, ReadsMitsAcceptorCredential) {
  auto c = decode(test::kMitAcceptorCred);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->usage, GSS_C_ACCEPT);
  ASSERT_TRUE(c->name);
  EXPECT_EQ(c->name->principal, "host/vm@");
  EXPECT_EQ(c->name->service, "host");
  EXPECT_FALSE(c->name->host);
  EXPECT_FALSE(c->default_identity);
  EXPECT_EQ(c->keytab, "FILE:/tmp/credx-realm/service.keytab");
  EXPECT_EQ(c->rcache, "dfl:");
  EXPECT_EQ(c->ccache_kind, ExportedCcacheKind::kNone);
}

TEST(ExportedCred, WritesMitsTokensByteForByte) {
  for (const char* mit : {test::kMitDelegatedCred, test::kMitAcceptorCred}) {
    auto c = decode(mit);
    ASSERT_TRUE(c);
    EXPECT_EQ(encode(*c), mit);
  }
}

TEST(ExportedCred, RoundTripsEveryField) {
  ExportedCred c;
  c.usage = GSS_C_BOTH;
  c.name = ExportedName{"svc/h\"o\\st@R", "svc", "h\"o\\st"};
  c.impersonator = "imp@R";
  c.default_identity = true;
  c.iakerb = true;
  c.keytab = "FILE:/k";
  c.rcache = "dfl:";
  c.ccache_kind = ExportedCcacheKind::kContents;
  c.ccache_name = "u@R";
  ExportedTicket t;
  t.client = "u@R";
  t.server = "krbtgt/R@R";
  t.enctype = -1;
  const uint8_t key[] = {1, 2, 3, 0, 255};
  t.key = base::SecretBytes(key);
  t.authtime = INT32_MIN;
  t.endtime = INT32_MAX;
  t.is_skey = true;
  t.flags = -1;
  t.addresses = std::vector<ExportedTyped>{{2, {127, 0, 0, 1}}, {24, {}}};
  t.ticket = {0x61, 0};
  t.second_ticket = {1};
  t.authdata = std::vector<ExportedTyped>{};
  c.ccache_creds.push_back(std::move(t));
  c.client_keytab = "FILE:/ck";
  c.have_tgt = true;
  c.expire = UINT32_MAX;
  c.refresh_time = 7;
  c.enctypes = std::vector<int32_t>{18, 17};
  const uint8_t pw[] = {'p', '\n', 'w'};
  c.password = base::SecretBytes(pw);
  const std::string once = encode(c);
  auto back = decode(once);
  ASSERT_TRUE(back) << once;
  EXPECT_EQ(encode(*back), once);
  EXPECT_EQ(back->name->host, "h\"o\\st");
  EXPECT_EQ(back->ccache_creds[0].key.size(), 5u);
  EXPECT_EQ(back->ccache_creds[0].addresses->size(), 2u);
  EXPECT_TRUE(back->ccache_creds[0].authdata->empty());
  EXPECT_EQ(back->expire, UINT32_MAX);
  EXPECT_EQ(back->password->size(), 3u);
  // A named cache.
  c.ccache_kind = ExportedCcacheKind::kNamed;
  c.ccache_name = "FILE:/tmp/cc";
  auto named = decode(encode(c));
  ASSERT_TRUE(named);
  EXPECT_EQ(named->ccache_kind, ExportedCcacheKind::kNamed);
  EXPECT_EQ(named->ccache_name, "FILE:/tmp/cc");
}

// Replaces the first `from` in MIT's delegated token.
std::string mit_with(const std::string& from, const std::string& to) {
  std::string s = test::kMitDelegatedCred;
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(ExportedCred, RefusesHostileFields) {
  const std::pair<std::string, std::string> table[] = {
      {"\"K5C1\"", "\"K5C2\""},                        // magic
      {"\"K5C1\",", "\"K5C1\",1,"},                    // three-element wrapper
      {"[1,[\"user", "[3,[\"user"},                    // usage out of range
      {"[1,[\"user", "[\"1\",[\"user"},                // usage as a string
      {"[1,[\"user", "[4294967297,[\"user"},           // usage past 32 bits
      {",null,null],null,false", ",null],null,false"},  // name of two elements
      {"[\"user@APX.TEST\",null,null]", "[null,null,null]"},  // name without a principal
      {"null,false,false,null", "null,0,false,null"},          // bool as number
      {"[18,\"", "[2147483648,\""},                   // enctype past int32
      {"[18,\"", "[18,\"!"},                          // key not base64
      {"hY8=\"]", "hY8\"]"},                          // key's padding lost
      {"1796212401,", "1796212401.5,"},               // fraction
      {"1796212401,", "-2147483649,"},                // time below int32
      {"false,1611202560", "0,1611202560"},           // is_skey as number
      {",\"\",null]]", ",null,null]]"},               // second ticket null
      {",\"\",null]]", ",\"\"]]"},                    // twelve-field credential
      {"null,[\"user@APX.TEST\",[", "null,[null,["},  // cache principal null
      {"null,[\"user@APX.TEST\",[", "null,[],["},     // empty cache contents... and more
      {"false,1796298801,0,null,null]]", "false,4294967296,0,null,null]]"},  // expire > 32 bits
      {"false,1796298801,0,null,null]]", "false,1796298801,0,[18,0],null]]"},  // enctype 0
      {"false,1796298801,0,null,null]]", "false,1796298801,0,{},null]]"},      // an object
      {"false,1796298801,0,null,null]]", "false,1796298801,0,null,1]]"},       // password number
      {"false,1796298801,0,null,null]]", "false,1796298801,0,null]]"},         // 13 fields
      {"false,1796298801,0,null,null]]", "false,1796298801,0,null,null,null]]"},  // 15
      {"\"K5C1\"", "\"K5C1\\u0000\""},                // NUL in a string
  };
  for (const auto& [from, to] : table) {
    auto c = decode(mit_with(from, to));
    ASSERT_FALSE(c) << from << " -> " << to;
    EXPECT_EQ(c.error().major(), static_cast<OM_uint32>(GSS_S_DEFECTIVE_TOKEN));
    EXPECT_EQ(c.error().minor(), base::code(base::Minor::kCredExportFormat));
  }
}

TEST(ExportedCred, EveryTruncationAndBitFlipIsSafe) {
  const std::string good = test::kMitDelegatedCred;
  for (size_t n = 0; n < good.size(); ++n)
    EXPECT_FALSE(decode(good.substr(0, n))) << "accepted the first " << n << " bytes";
  size_t refused = 0, flips = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit, ++flips) {
      std::string t = good;
      t[i] = static_cast<char>(t[i] ^ (1 << bit));
      auto c = decode(t);
      if (!c) {
        ++refused;
        continue;
      }
      // What still decodes (a digit changed, a letter, a space added) writes out as MIT
      // would, and reads back to the same.
      const std::string again = encode(*c);
      EXPECT_LE(again.size(), t.size());
      auto c2 = decode(again);
      ASSERT_TRUE(c2) << "byte " << i << " bit " << bit;
      EXPECT_EQ(encode(*c2), again);
    }
  }
  // Most of the token is base64 ticket, where many flips stay in the alphabet.
  EXPECT_GT(refused, flips / 3);
}

}  // namespace
}  // namespace apx::core
