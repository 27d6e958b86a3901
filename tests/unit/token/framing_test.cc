// RFC 2743 §3.1 framing of context tokens (parse_framed / build_framed).
#include "token/framing.h"

#include <gtest/gtest.h>

#include <string>

#include "base/minor.h"
#include "bytes.h"

namespace apx::token {
namespace {

using base::Minor;
using test::ExactBuffer;
using test::hex;

// DER contents of 1.2.840.113554.1.2.2 (RFC 1964 §1: the krb5 mechanism OID).
const std::vector<uint8_t> kKrb5Oid = hex("2a864886f712010202");

void expect_defective(const base::Result<Framed>& r, Minor m) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().major(), static_cast<OM_uint32>(GSS_S_DEFECTIVE_TOKEN));
  EXPECT_EQ(r.error().minor(), base::code(m));
}

TEST(Framing, BuildsTheRfc2743Layout) {
  const std::vector<uint8_t> body = hex("6e00");
  const std::vector<uint8_t> token = build_framed(kKrb5Oid, kTokApReq, body);
  // 0x60 len | 06 09 <oid> | 01 00 | body
  EXPECT_EQ(token, hex("600f 0609 2a864886f712010202 0100 6e00"));
  EXPECT_EQ(token.size(), framed_size(kKrb5Oid.size(), body.size()));
}

TEST(Framing, RoundTripShortAndLongForm) {
  for (size_t body_len : {0u, 1u, 100u, 0x80u, 300u, 70000u}) {
    SCOPED_TRACE(body_len);
    std::vector<uint8_t> body(body_len);
    for (size_t i = 0; i < body_len; ++i) body[i] = static_cast<uint8_t>(i * 7);
    const std::vector<uint8_t> token = build_framed(kKrb5Oid, kTokApRep, body);
    ASSERT_EQ(token.size(), framed_size(kKrb5Oid.size(), body_len));
    auto parsed = parse_framed(token);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(std::vector<uint8_t>(parsed->oid.begin(), parsed->oid.end()), kKrb5Oid);
    EXPECT_EQ(parsed->tok_id, kTokApRep);
    EXPECT_EQ(std::vector<uint8_t>(parsed->body.begin(), parsed->body.end()), body);
    EXPECT_EQ(parsed->body.data(), token.data() + token.size() - body_len);  // borrowed
  }
}

// A real initiator token shape: a KRB_AP_REQ behind the krb5 OID, long enough for a
// two-octet outer length.
std::vector<uint8_t> real_token() {
  std::vector<uint8_t> body = hex("6e82012c 30820128 a003020105 a10302010e a207030500 20000000");
  body.resize(4 + 0x12c, 0xa5);
  return build_framed(kKrb5Oid, kTokApReq, body);
}

TEST(Framing, TruncatedAtEveryLengthIsDefective) {
  const std::vector<uint8_t> token = real_token();
  ASSERT_TRUE(parse_framed(token).has_value());
  for (size_t len = 0; len < token.size(); ++len) {
    SCOPED_TRACE(len);
    ExactBuffer buf(token, len);
    auto r = parse_framed(buf.span());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().major(), static_cast<OM_uint32>(GSS_S_DEFECTIVE_TOKEN));
  }
  expect_defective(parse_framed({}), Minor::kTokenEmpty);
  ExactBuffer five(token, 5);
  expect_defective(parse_framed(five.span()), Minor::kTokenTruncated);
}

TEST(Framing, WrongOuterTag) {
  std::vector<uint8_t> token = real_token();
  for (uint8_t tag : std::initializer_list<uint8_t>{0x30, 0x61, 0x40, 0xe0, 0x00}) {
    token[0] = tag;
    expect_defective(parse_framed(token), Minor::kTokenFraming);
  }
}

TEST(Framing, TrailingBytes) {
  std::vector<uint8_t> token = real_token();
  token.push_back(0);
  expect_defective(parse_framed(token), Minor::kTokenTrailingBytes);
}

TEST(Framing, OidOfZeroLength) {
  expect_defective(parse_framed(hex("6004 0600 0100")), Minor::kTokenFraming);
}

TEST(Framing, InnerTagNotAnOid) {
  expect_defective(parse_framed(hex("6005 0401aa 0100")), Minor::kTokenFraming);
}

TEST(Framing, OidLengthPastTheOuterLength) {
  expect_defective(parse_framed(hex("6004 0609 2a86")), Minor::kTokenFraming);
}

TEST(Framing, MissingTokId) {
  expect_defective(parse_framed(hex("6004 0601 2a 01")), Minor::kTokenTruncated);
  auto no_body = parse_framed(hex("6005 0601 2a 0100"));
  ASSERT_TRUE(no_body.has_value());
  EXPECT_TRUE(no_body->body.empty());
}

TEST(Framing, NonMinimalOuterLength) {
  // 0x81 0x10: long form for a length that fits in one octet (not DER).
  expect_defective(parse_framed(hex("608110 0609 2a864886f712010202 0100 6e00 00000000")),
                   Minor::kTokenTruncated);
}

}  // namespace
}  // namespace apx::token
