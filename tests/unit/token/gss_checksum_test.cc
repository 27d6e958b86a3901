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

template <class T>
void expect_error(const base::Result<T>& r, OM_uint32 major, Minor m) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().major(), major);
  EXPECT_EQ(r.error().minor(), base::code(m));
}

// Both steps, as the acceptor runs them (the bindings check between them is not a codec's).
struct Parsed {
  GssChecksumHead head;
  GssChecksumTail tail;
};
base::Result<Parsed> parse_all(std::span<const uint8_t> c) {
  APX_TRY_ASSIGN(GssChecksumHead h, parse_gss_checksum_head(c));
  APX_TRY_ASSIGN(GssChecksumTail t, parse_gss_checksum_tail(h.flags, h.rest));
  return Parsed{h, t};
}

std::vector<uint8_t> bytes_of(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }

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
  auto p = parse_all(c);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->head.bnd, kBnd);
  EXPECT_EQ(p->head.flags, kFlags | GSS_C_DELEG_FLAG);
  EXPECT_TRUE(p->tail.has_deleg);
  EXPECT_EQ(bytes_of(p->tail.deleg), deleg);
  EXPECT_TRUE(p->tail.exts.empty());
}

TEST(GssChecksum, ParsesFieldsByteByByte) {
  auto p = parse_gss_checksum_head(hex("10000000 000102030405060708090a0b0c0d0e0f 02010000"));
  ASSERT_TRUE(p.has_value());
  for (size_t i = 0; i < kBindingHashSize; ++i) EXPECT_EQ(p->bnd[i], i);
  EXPECT_EQ(p->flags, 0x102u);  // little-endian
  EXPECT_TRUE(p->rest.empty());
}

// MIT: GSS_S_FAILURE (KG_BAD_LENGTH) for a Lgth other than 16.
TEST(GssChecksum, LgthOtherThan16Refused) {
  for (const char* lgth : {"00000000", "0f000000", "11000000", "00000010", "10000001"}) {
    SCOPED_TRACE(lgth);
    std::vector<uint8_t> c = hex(lgth);
    const std::vector<uint8_t> rest = hex("00112233445566778899aabbccddeeff 00000000");
    c.insert(c.end(), rest.begin(), rest.end());
    expect_error(parse_gss_checksum_head(c), GSS_S_FAILURE, Minor::kCksumFormat);
  }
}

// MIT: GSS_S_BAD_BINDINGS for a checksum shorter than its 24-octet fixed part.
TEST(GssChecksum, ShorterThan24OctetsRefused) {
  const std::vector<uint8_t> c = build_gss_checksum(kBnd, kFlags, {});
  for (size_t len = 0; len < c.size(); ++len) {
    SCOPED_TRACE(len);
    ExactBuffer buf(c, len);
    expect_error(parse_gss_checksum_head(buf.span()), GSS_S_BAD_BINDINGS, Minor::kCksumFormat);
  }
}

// 24: no field at all (accepted, see below); 25..27: one to three octets, which MIT reads
// as a cut extension; 28..size-1: a cut delegation field. All GSS_S_FAILURE.
TEST(GssChecksum, DelegationTruncatedAtEveryLengthRefused) {
  const std::vector<uint8_t> c =
      build_gss_checksum(kBnd, kFlags | GSS_C_DELEG_FLAG, hex("7605300302010500"));
  for (size_t len = 25; len < c.size(); ++len) {
    SCOPED_TRACE(len);
    ExactBuffer buf(c, len);
    expect_error(parse_all(buf.span()), GSS_S_FAILURE,
                 len < 28 ? Minor::kCksumExtension : Minor::kCksumFormat);
  }
}

TEST(GssChecksum, DlgOptOtherThanOneRefused) {
  std::vector<uint8_t> c = build_gss_checksum(kBnd, kFlags | GSS_C_DELEG_FLAG, hex("aabb"));
  for (uint8_t opt : std::initializer_list<uint8_t>{0x00, 0x02, 0xff}) {
    c[24] = opt;
    expect_error(parse_all(c), GSS_S_FAILURE, Minor::kCksumDelegation);
  }
  c[24] = 0x01;
  c[25] = 0x01;  // DlgOpt 0x0101
  expect_error(parse_all(c), GSS_S_FAILURE, Minor::kCksumDelegation);
}

// An empty delegation field is still a field: the acceptor must try to read it (and MIT
// fails the context when the KRB-CRED is unreadable).
TEST(GssChecksum, EmptyDelegationFieldIsPresent) {
  std::vector<uint8_t> c = build_gss_checksum(kBnd, kFlags | GSS_C_DELEG_FLAG, {});
  const std::vector<uint8_t> field = hex("0100 0000");
  c[20] |= GSS_C_DELEG_FLAG;
  c.insert(c.end(), field.begin(), field.end());
  auto p = parse_all(c);
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->tail.has_deleg);
  EXPECT_TRUE(p->tail.deleg.empty());
}

// Some initiators set GSS_C_DELEG_FLAG without the delegation field; like MIT's acceptor,
// which reads the field only when octets follow Flags, the context is not delegated.
TEST(GssChecksum, DelegFlagWithoutFieldAccepted) {
  std::vector<uint8_t> c = build_gss_checksum(kBnd, kFlags, {});
  c[20] |= GSS_C_DELEG_FLAG;
  auto p = parse_all(c);
  ASSERT_TRUE(p.has_value());
  EXPECT_FALSE(p->tail.has_deleg);
  EXPECT_TRUE(p->tail.exts.empty());
}

TEST(GssChecksum, ExtensionsAfterTheFieldsAreKept) {
  std::vector<uint8_t> c = build_gss_checksum(kBnd, kFlags | GSS_C_DELEG_FLAG, hex("aabb"));
  const std::vector<uint8_t> exts = hex("00000003 00000002 cafe 00000007 00000000");
  c.insert(c.end(), exts.begin(), exts.end());
  auto p = parse_all(c);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(bytes_of(p->tail.deleg), hex("aabb"));
  EXPECT_EQ(bytes_of(p->tail.exts), exts);
  EXPECT_FALSE(p->tail.iakerb_finished);

  // Without the DELEG flag, everything after Flags is extensions.
  std::vector<uint8_t> plain = build_gss_checksum(kBnd, kFlags, {});
  plain.insert(plain.end(), exts.begin(), exts.end());
  auto q = parse_all(plain);
  ASSERT_TRUE(q.has_value());
  EXPECT_FALSE(q->tail.has_deleg);
  EXPECT_EQ(bytes_of(q->tail.exts), exts);
}

// MIT: GSS_S_FAILURE (KG_BAD_LENGTH) for an extension cut anywhere.
TEST(GssChecksum, ExtensionTruncatedAtEveryLengthRefused) {
  std::vector<uint8_t> c = build_gss_checksum(kBnd, kFlags, {});
  const std::vector<uint8_t> ext = hex("00000003 00000004 cafebabe");
  c.insert(c.end(), ext.begin(), ext.end());
  for (size_t len = 25; len < c.size(); ++len) {
    SCOPED_TRACE(len);
    ExactBuffer buf(c, len);
    expect_error(parse_all(buf.span()), GSS_S_FAILURE, Minor::kCksumExtension);
  }
  // A length field near 2^32 must not wrap.
  std::vector<uint8_t> huge = build_gss_checksum(kBnd, kFlags, {});
  const std::vector<uint8_t> big = hex("00000001 fffffffc 00");
  huge.insert(huge.end(), big.begin(), big.end());
  expect_error(parse_all(huge), GSS_S_FAILURE, Minor::kCksumExtension);
}

TEST(GssChecksum, IakerbFinishedExtensionFlagged) {
  std::vector<uint8_t> c = build_gss_checksum(kBnd, kFlags, {});
  const std::vector<uint8_t> ext = hex("00000001 00000000");
  c.insert(c.end(), ext.begin(), ext.end());
  auto p = parse_all(c);
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->tail.iakerb_finished);
}

}  // namespace
}  // namespace apx::token
