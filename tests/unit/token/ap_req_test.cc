// Structural peek at a KRB_AP_REQ (RFC 4120 §5.5.1): ap-options and the ticket before
// libkrb5 decrypts.
#include "token/ap_req.h"

#include <gssapi/gssapi.h>
#include <gtest/gtest.h>

#include <string>

#include "bytes.h"

namespace apx::token {
namespace {

using test::ExactBuffer;
using test::hex;

constexpr uint32_t kApOptsUseSessionKey = 0x40000000;
constexpr uint32_t kApOptsMutualRequired = 0x20000000;

// AP-REQ ::= [APPLICATION 14] SEQUENCE {
//   pvno [0] INTEGER (5), msg-type [1] INTEGER (14), ap-options [2] APOptions,
//   ticket [3] Ticket, authenticator [4] EncryptedData }
// with a placeholder ticket ([APPLICATION 1] SEQUENCE {}) and authenticator (SEQUENCE {}).
std::vector<uint8_t> ap_req(const char* options_hex) {
  return hex(std::string("6e1f 301d"
                         " a003 020105"
                         " a103 02010e"
                         " a207 0305 00") +
             options_hex +
             " a304 6102 3000"
             " a402 3000");
}

TEST(ApReqPeek, MutualRequiredBit) {
  auto mutual = peek_ap_req(ap_req("20000000"));
  ASSERT_TRUE(mutual.has_value());
  EXPECT_EQ(mutual->options, kApOptsMutualRequired);

  auto none = peek_ap_req(ap_req("00000000"));
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->options, 0u);

  auto both = peek_ap_req(ap_req("60000000"));
  ASSERT_TRUE(both.has_value());
  EXPECT_EQ(both->options, kApOptsUseSessionKey | kApOptsMutualRequired);
  EXPECT_NE(both->options & kApOptsMutualRequired, 0u);
}

TEST(ApReqPeek, TicketIsBorrowedFromTheToken) {
  const std::vector<uint8_t> t = ap_req("20000000");
  auto p = peek_ap_req(t);
  ASSERT_TRUE(p.has_value());
  // The contents of ticket [3]: the Ticket's own DER, [APPLICATION 1] SEQUENCE {}.
  EXPECT_EQ(std::vector<uint8_t>(p->ticket.begin(), p->ticket.end()), hex("6102 3000"));
  EXPECT_EQ(p->ticket.data(), t.data() + 25);
}

void expect_defective(std::span<const uint8_t> bytes) {
  auto r = peek_ap_req(bytes);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().major(), static_cast<OM_uint32>(GSS_S_DEFECTIVE_TOKEN));
}

TEST(ApReqPeek, TruncatedAtEveryLengthRejected) {
  const std::vector<uint8_t> good = ap_req("20000000");
  for (size_t len = 0; len < good.size(); ++len) {
    SCOPED_TRACE(len);
    ExactBuffer buf(good, len);
    expect_defective(buf.span());
  }
}

TEST(ApReqPeek, GarbageRejected) {
  expect_defective(hex("00"));
  expect_defective(hex("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
  std::vector<uint8_t> random(64);
  for (size_t i = 0; i < random.size(); ++i) random[i] = static_cast<uint8_t>(i * 37 + 11);
  expect_defective(random);
}

TEST(ApReqPeek, StructuralErrorsRejected) {
  std::vector<uint8_t> t = ap_req("20000000");
  t[0] = 0x6f;  // [APPLICATION 15]: an AP-REP
  expect_defective(t);

  t = ap_req("20000000");
  t[2] = 0x31;  // SET, not SEQUENCE
  expect_defective(t);

  t = ap_req("20000000");
  t[8] = 0x04;  // pvno 4
  expect_defective(t);

  t = ap_req("20000000");
  t[13] = 0x0f;  // msg-type 15
  expect_defective(t);

  t = ap_req("20000000");
  t[4] = 0xa1;  // pvno under the wrong context tag
  expect_defective(t);

  t = ap_req("20000000");
  t.push_back(0x00);  // a byte after the AP-REQ
  expect_defective(t);

  // ap-options with fewer than 32 bits.
  expect_defective(hex("6e1c 301a a003020105 a10302010e a2040302 0020 a3046102 3000 a402 3000"));
  // pvno as a two-octet INTEGER.
  expect_defective(
      hex("6e20 301e a0040202 0005 a10302010e a207030500 20000000 a3046102 3000 a402 3000"));
  // No ticket [3].
  expect_defective(hex("6e15 3013 a003020105 a10302010e a207030500 20000000"));
  // Extra octets inside [APPLICATION 14] after the SEQUENCE.
  expect_defective(
      hex("6e21 301d a003020105 a10302010e a207030500 20000000 a3046102 3000 a402 3000 0500"));
}

}  // namespace
}  // namespace apx::token
