// IAKERB proxy message bodies (draft-ietf-kitten-iakerb §3, MIT's iakerb.c layout):
// parse_iakerb_body / build_iakerb_body, on a token MIT 1.20's IAKERB initiator made and on
// hostile variations.
#include "token/iakerb.h"

#include <gssapi/gssapi.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "base/minor.h"
#include "bytes.h"
#include "token/framing.h"

namespace apx::token {
namespace {

using test::hex;

std::vector<uint8_t> as_bytes(const std::string& s) { return {s.begin(), s.end()}; }

// The first context token of MIT's IAKERB initiator holding service/1's TGT, for
// host@localhost in S4U.TEST: a TGS-REQ for the acceptor to relay (gss_init_sec_context
// with OID 1.3.6.1.5.2.5; also the fuzz seed).
std::vector<uint8_t> mit_token() {
  std::ifstream f(IAKERB_MIT_TOKEN, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void expect_defective(std::span<const uint8_t> body) {
  auto r = parse_iakerb_body(body);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().major(), static_cast<OM_uint32>(GSS_S_DEFECTIVE_TOKEN));
}

TEST(Iakerb, ReadsMitsTokenAndRebuildsIt) {
  const std::vector<uint8_t> token = mit_token();
  ASSERT_GT(token.size(), 100u);
  auto framed = parse_framed(token);
  ASSERT_TRUE(framed.has_value());
  EXPECT_EQ(framed->oid.size(), 6u);  // 1.3.6.1.5.2.5
  ASSERT_EQ(framed->tok_id, kTokIakerbProxy);
  auto m = parse_iakerb_body(framed->body);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(std::string(m->realm.begin(), m->realm.end()), "S4U.TEST");
  EXPECT_FALSE(m->cookie.has_value());
  EXPECT_EQ(m->type, KdcMessage::kTgsReq);
  // MIT's encoding is the one apx writes: octet for octet.
  EXPECT_EQ(build_iakerb_body(m->realm, std::nullopt, m->kdc_message),
            std::vector<uint8_t>(framed->body.begin(), framed->body.end()));
}

TEST(Iakerb, RoundTripsWithACookie) {
  const auto realm = as_bytes("APX.TEST"), cookie = as_bytes("acceptor state");
  const std::vector<uint8_t> msg = hex("7e053003a10100");  // KRB-ERROR-shaped DER
  const std::vector<uint8_t> body = build_iakerb_body(realm, cookie, msg);
  auto m = parse_iakerb_body(body);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(std::vector<uint8_t>(m->realm.begin(), m->realm.end()), realm);
  ASSERT_TRUE(m->cookie.has_value());
  EXPECT_EQ(std::vector<uint8_t>(m->cookie->begin(), m->cookie->end()), cookie);
  EXPECT_EQ(m->type, KdcMessage::kKrbError);
  EXPECT_EQ(std::vector<uint8_t>(m->kdc_message.begin(), m->kdc_message.end()), msg);
}

TEST(Iakerb, ReadsTheDraftsUtf8RealmAndSkipsExtensions) {
  // 30 { a1 { 0c "R" } a5 { 02 01 01 } } 6a 00: the draft's UTF8String realm, and a later
  // field of the extensible SEQUENCE that apx does not know.
  const std::vector<uint8_t> body = hex("300aa1030c0152a503020101" "6a00");
  auto m = parse_iakerb_body(body);  // borrows `body`
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(std::string(m->realm.begin(), m->realm.end()), "R");
  EXPECT_FALSE(m->cookie.has_value());
  EXPECT_EQ(m->type, KdcMessage::kAsReq);
}

TEST(Iakerb, RefusesHostileBodies) {
  const std::vector<uint8_t> ok = hex("3005a1030401526a00");
  ASSERT_TRUE(parse_iakerb_body(ok).has_value());
  // Cut at every length.
  for (size_t n = 0; n < ok.size(); ++n) expect_defective(std::span(ok).first(n));
  // Trailing octets after the KDC message.
  expect_defective(hex("3005a1030401526a0000"));
  // A message IAKERB does not carry (AP-REQ, [APPLICATION 14]).
  expect_defective(hex("3005a1030401526e00"));
  // No KDC message at all.
  expect_defective(hex("3005a103040152"));
  // Realm missing, or of another type (INTEGER).
  expect_defective(hex("3000" "6a00"));
  expect_defective(hex("3005a1030201526a00"));
  // Cookie of the wrong type, and fields out of order ([2] before [1]).
  expect_defective(hex("300aa103040152a203020101" "6a00"));
  expect_defective(hex("300aa203040163a103040152" "6a00"));
  // A later field with a tag not above the last one (a repeated [1]).
  expect_defective(hex("300aa103040152a103040152" "6a00"));
  // Indefinite and non-minimal lengths (strict DER).
  expect_defective(hex("3080a10304015200006a00"));
  expect_defective(hex("308105a1030401526a00"));
}

}  // namespace
}  // namespace apx::token
