// IAKERB proxy message bodies (draft-ietf-kitten-iakerb §3, MIT's iakerb.c layout):
// parse_iakerb_body / build_iakerb_body, on a token MIT 1.20's IAKERB initiator made and on
// hostile variations.
#include "token/iakerb.h"

#include <gssapi/gssapi.h>
#include <gtest/gtest.h>
#include <krb5/krb5.h>

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

// libkrb5's own IAKERB-FINISHED encoder (exported, symbol version krb5_3_MIT; declared only
// in MIT's private k5-int.h): the known answer for apx's.
struct MitIakerbFinished {
  krb5_checksum checksum;
};
extern "C" krb5_error_code encode_krb5_iakerb_finished(const MitIakerbFinished*, krb5_data**);

namespace apx::token {
namespace {

using test::hex;

TEST(IakerbFinished, EncodesAsLibkrb5) {
  std::vector<uint8_t> sum(12);
  for (size_t i = 0; i < sum.size(); ++i) sum[i] = static_cast<uint8_t>(i + 1);
  // hmac-sha1-96-aes256, hmac-sha384-192-aes256, RC4's negative HMAC-MD5, the extremes.
  for (const int32_t type : {16, 20, -138, 0, 127, 128, -1, 0x7fffffff, INT32_MIN}) {
    MitIakerbFinished f{};
    f.checksum.magic = KV5M_CHECKSUM;
    f.checksum.checksum_type = type;
    f.checksum.length = static_cast<unsigned int>(sum.size());
    f.checksum.contents = sum.data();
    krb5_data* mit = nullptr;
    ASSERT_EQ(encode_krb5_iakerb_finished(&f, &mit), 0);
    const std::vector<uint8_t> want(mit->data, mit->data + mit->length);
    krb5_free_data(nullptr, mit);
    const std::vector<uint8_t> ours = build_iakerb_finished(type, sum);
    EXPECT_EQ(ours, want) << type;
    auto back = parse_iakerb_finished(ours);
    ASSERT_TRUE(back.has_value()) << type;
    EXPECT_EQ(back->cksumtype, type);
    EXPECT_EQ(std::vector<uint8_t>(back->checksum.begin(), back->checksum.end()), sum);
  }
  // RFC 4120 Checksum inside [1], inside a SEQUENCE: the layout, by hand, for type 16.
  EXPECT_EQ(build_iakerb_finished(16, sum),
            hex("3019a1173015a003020110a10e040c0102030405060708090a0b0c"));
}

TEST(IakerbFinished, RefusesWhatIsNotOne) {
  const std::vector<uint8_t> good = hex("3019a1173015a003020110a10e040c0102030405060708090a0b0c");
  for (size_t n = 0; n < good.size(); ++n) {
    auto r = parse_iakerb_finished(std::span(good).first(n));
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_EQ(r.error().major(), static_cast<OM_uint32>(GSS_S_DEFECTIVE_TOKEN));
  }
  std::vector<uint8_t> trailing = good;
  trailing.push_back(0);
  EXPECT_FALSE(parse_iakerb_finished(trailing).has_value());
  // A non-minimal INTEGER (02 02 00 10), and one of five octets (beyond Int32).
  EXPECT_FALSE(parse_iakerb_finished(
                   hex("301aa1183016a00402020010a10e040c0102030405060708090a0b0c"))
                   .has_value());
  EXPECT_FALSE(parse_iakerb_finished(
                   hex("301da11b3019a00702050100000000a10e040c0102030405060708090a0b0c"))
                   .has_value());
  // A later field of the extensible SEQUENCE is skipped, as libkrb5 skips it.
  auto ext = parse_iakerb_finished(
      hex("301da1173015a003020110a10e040c0102030405060708090a0b0ca2020500"));
  ASSERT_TRUE(ext.has_value());
  EXPECT_EQ(ext->cksumtype, 16);
}

TEST(IakerbToken, FirstFramedLaterBare) {
  const std::vector<uint8_t> oid = hex("2b0601050205");
  const std::vector<uint8_t> body = hex("300ca10a0408415058 2e54455354 7e00");
  const auto first = build_iakerb_token(oid, true, body);
  const auto later = build_iakerb_token(oid, false, body);
  EXPECT_EQ(later, hex("0501300ca10a04084150582e544553547e00"));
  auto framed = parse_framed(first);
  ASSERT_TRUE(framed.has_value());
  EXPECT_EQ(framed->tok_id, kTokIakerbProxy);
  // Taken back: framed always, bare only after the first token; another OID or TOK_ID never.
  ASSERT_TRUE(iakerb_token_body(oid, true, first).has_value());
  EXPECT_TRUE(iakerb_token_body(oid, false, first).has_value());
  EXPECT_FALSE(iakerb_token_body(oid, true, later).has_value());
  ASSERT_TRUE(iakerb_token_body(oid, false, later).has_value());
  EXPECT_EQ(iakerb_token_body(oid, false, later)->size(), body.size());
  EXPECT_FALSE(iakerb_token_body(hex("2a864886f712010202"), false, first).has_value());
  EXPECT_FALSE(iakerb_token_body(oid, false, build_framed(oid, kTokApReq, body)).has_value());
  EXPECT_FALSE(iakerb_token_body(oid, false, hex("05")).has_value());
  EXPECT_FALSE(iakerb_token_body(oid, false, {}).has_value());
}

}  // namespace
}  // namespace apx::token
