// RFC 4121 §4.1.1: the 0x8003 authenticator checksum.
#include "token/gss_checksum.h"

#include <gssapi/gssapi.h>
#include <gtest/gtest.h>

#include <array>

#include "base/minor.h"
#include "bytes.h"

namespace apx::token {
namespace {

using base::Minor;
using test::ExactBuffer;
using test::hex;

const std::array<uint8_t, kBindingHashSize> kBnd = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                                                    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
                                                    0xcc, 0xdd, 0xee, 0xff};
constexpr uint32_t kFlags = GSS_C_MUTUAL_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_CONF_FLAG |
                            GSS_C_INTEG_FLAG;  // 0x3a

void expect_defective(const base::Result<GssChecksum>& r, Minor m) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().major(), static_cast<OM_uint32>(GSS_S_DEFECTIVE_TOKEN));
  EXPECT_EQ(r.error().minor(), base::code(m));
}

TEST(GssChecksum, LayoutWithoutDelegation) {
  const std::vector<uint8_t> c = build_gss_checksum(kBnd, kFlags, {});
  // §4.1.1: Lgth (4, LE) = 16 | Bnd (16) | Flags (4, LE).
  EXPECT_EQ(c, hex("10000000"
                   "00112233445566778899aabbccddeeff"
                   "3a000000"));
}

TEST(GssChecksum, LayoutWithDelegation) {
  const std::vector<uint8_t> deleg = hex("7605 3003 020105");  // a KRB-CRED stand-in
  const std::vector<uint8_t> c = build_gss_checksum(kBnd, kFlags | GSS_C_DELEG_FLAG, deleg);
  // ... Flags | DlgOpt (2, LE) = 1 | Dlgth (2, LE) | Deleg.
  EXPECT_EQ(c, hex("10000000"
                   "00112233445566778899aabbccddeeff"
                   "3b000000"
                   "0100"
                   "0700"
                   "76053003020105"));
}

TEST(GssChecksum, RoundTrip) {
  const std::vector<uint8_t> deleg(300, 0x42);  // Dlgth above 255: both LE octets used
  const std::vector<uint8_t> c = build_gss_checksum(kBnd, kFlags | GSS_C_DELEG_FLAG, deleg);
  EXPECT_EQ(c[26], 0x2c);
  EXPECT_EQ(c[27], 0x01);
  auto p = parse_gss_checksum(c);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->bnd, kBnd);
  EXPECT_EQ(p->flags, kFlags | GSS_C_DELEG_FLAG);
  EXPECT_EQ(std::vector<uint8_t>(p->deleg.begin(), p->deleg.end()), deleg);
  EXPECT_TRUE(p->exts.empty());
}

TEST(GssChecksum, ParsesFieldsByteByByte) {
  auto p = parse_gss_checksum(hex("10000000 000102030405060708090a0b0c0d0e0f 02010000"));
  ASSERT_TRUE(p.has_value());
  for (size_t i = 0; i < kBindingHashSize; ++i) EXPECT_EQ(p->bnd[i], i);
  EXPECT_EQ(p->flags, 0x102u);  // little-endian
  EXPECT_TRUE(p->deleg.empty());
  EXPECT_TRUE(p->exts.empty());
}

TEST(GssChecksum, LgthOtherThan16Rejected) {
  for (const char* lgth : {"00000000", "0f000000", "11000000", "00000010", "10000001"}) {
    SCOPED_TRACE(lgth);
    std::vector<uint8_t> c = hex(lgth);
    const std::vector<uint8_t> rest = hex("00112233445566778899aabbccddeeff 00000000");
    c.insert(c.end(), rest.begin(), rest.end());
    expect_defective(parse_gss_checksum(c), Minor::kCksumFormat);
  }
}

TEST(GssChecksum, ShorterThan24OctetsRejected) {
  const std::vector<uint8_t> c = build_gss_checksum(kBnd, kFlags, {});
  for (size_t len = 0; len < c.size(); ++len) {
    SCOPED_TRACE(len);
    ExactBuffer buf(c, len);
    expect_defective(parse_gss_checksum(buf.span()), Minor::kCksumFormat);
  }
}

TEST(GssChecksum, DelegationTruncatedAtEveryLengthRejected) {
  const std::vector<uint8_t> c =
      build_gss_checksum(kBnd, kFlags | GSS_C_DELEG_FLAG, hex("7605300302010500"));
  // 24: no field at all (accepted, see below); 25 .. size-1: a cut field.
  for (size_t len = 25; len < c.size(); ++len) {
    SCOPED_TRACE(len);
    ExactBuffer buf(c, len);
    expect_defective(parse_gss_checksum(buf.span()), Minor::kCksumDelegation);
  }
}

TEST(GssChecksum, DlgOptOtherThanOneRejected) {
  std::vector<uint8_t> c = build_gss_checksum(kBnd, kFlags | GSS_C_DELEG_FLAG, hex("aabb"));
  for (uint8_t opt : std::initializer_list<uint8_t>{0x00, 0x02, 0xff}) {
    c[24] = opt;
    expect_defective(parse_gss_checksum(c), Minor::kCksumDelegation);
  }
  c[24] = 0x01;
  c[25] = 0x01;  // DlgOpt 0x0101
  expect_defective(parse_gss_checksum(c), Minor::kCksumDelegation);
}

// Some initiators set GSS_C_DELEG_FLAG without the delegation field; like MIT's acceptor,
// which reads the field only when octets follow Flags, the context is not delegated.
TEST(GssChecksum, DelegFlagWithoutFieldAcceptedWithFlagCleared) {
  std::vector<uint8_t> c = build_gss_checksum(kBnd, kFlags, {});
  c[20] |= GSS_C_DELEG_FLAG;
  auto p = parse_gss_checksum(c);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->flags, kFlags);
  EXPECT_TRUE(p->deleg.empty());
  EXPECT_TRUE(p->exts.empty());
}

TEST(GssChecksum, ExtensionsAfterTheFieldsAreKept) {
  std::vector<uint8_t> c = build_gss_checksum(kBnd, kFlags | GSS_C_DELEG_FLAG, hex("aabb"));
  const std::vector<uint8_t> exts = hex("00000001 00000002 cafe");
  c.insert(c.end(), exts.begin(), exts.end());
  auto p = parse_gss_checksum(c);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(std::vector<uint8_t>(p->deleg.begin(), p->deleg.end()), hex("aabb"));
  EXPECT_EQ(std::vector<uint8_t>(p->exts.begin(), p->exts.end()), exts);

  // Without the DELEG flag, everything after Flags is extensions.
  std::vector<uint8_t> plain = build_gss_checksum(kBnd, kFlags, {});
  plain.insert(plain.end(), exts.begin(), exts.end());
  auto q = parse_gss_checksum(plain);
  ASSERT_TRUE(q.has_value());
  EXPECT_TRUE(q->deleg.empty());
  EXPECT_EQ(std::vector<uint8_t>(q->exts.begin(), q->exts.end()), exts);
}

}  // namespace
}  // namespace apx::token
