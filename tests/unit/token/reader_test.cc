// token::Reader: bounded reads, latching failure, strict DER.
#include "token/reader.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "bytes.h"

namespace apx::token {
namespace {

using test::ExactBuffer;
using test::hex;

const std::vector<uint8_t> kBytes = hex("0102030405060708090a");

TEST(Reader, FixedWidthValuesAndByteOrder) {
  Reader r(kBytes);
  uint8_t a = 0;
  uint16_t b = 0, c = 0;
  uint32_t d = 0;
  ASSERT_TRUE(r.u8(a));
  ASSERT_TRUE(r.u16be(b));
  ASSERT_TRUE(r.u16le(c));
  EXPECT_EQ(a, 0x01);
  EXPECT_EQ(b, 0x0203);
  EXPECT_EQ(c, 0x0504);
  EXPECT_EQ(r.remaining(), 5u);
  ASSERT_TRUE(r.u32be(d));
  EXPECT_EQ(d, 0x06070809u);
  EXPECT_FALSE(r.at_end());

  Reader le(kBytes);
  ASSERT_TRUE(le.u32le(d));
  EXPECT_EQ(d, 0x04030201u);

  Reader be64(kBytes);
  uint64_t e = 0;
  ASSERT_TRUE(be64.u64be(e));
  EXPECT_EQ(e, 0x0102030405060708u);
  EXPECT_EQ(be64.remaining(), 2u);
  EXPECT_EQ(be64.rest().data(), kBytes.data() + 8);  // borrowed, not copied
}

TEST(Reader, BytesAndSkipBorrowTheBuffer) {
  Reader r(kBytes);
  std::span<const uint8_t> s;
  ASSERT_TRUE(r.skip(3));
  ASSERT_TRUE(r.bytes(4, s));
  EXPECT_EQ(s.data(), kBytes.data() + 3);
  EXPECT_EQ(s.size(), 4u);
  ASSERT_TRUE(r.bytes(3, s));
  EXPECT_TRUE(r.at_end());
  ASSERT_TRUE(r.bytes(0, s));  // zero bytes at the end is fine
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(r.at_end());
}

// One read of a fixed number of bytes; writes a marker into `out_changed` when the read
// touched its output.
struct ReadCase {
  std::string name;
  size_t need;
  std::function<bool(Reader&, bool& out_changed)> read;
};

std::vector<ReadCase> read_cases() {
  auto scalar = [](auto tag, auto fn) {
    return [fn](Reader& r, bool& changed) {
      decltype(tag) v = static_cast<decltype(tag)>(0x5a);
      const bool ok = fn(r, v);
      changed = v != static_cast<decltype(tag)>(0x5a);
      return ok;
    };
  };
  return {
      {"u8", 1, scalar(uint8_t{}, [](Reader& r, uint8_t& v) { return r.u8(v); })},
      {"u16be", 2, scalar(uint16_t{}, [](Reader& r, uint16_t& v) { return r.u16be(v); })},
      {"u16le", 2, scalar(uint16_t{}, [](Reader& r, uint16_t& v) { return r.u16le(v); })},
      {"u32be", 4, scalar(uint32_t{}, [](Reader& r, uint32_t& v) { return r.u32be(v); })},
      {"u32le", 4, scalar(uint32_t{}, [](Reader& r, uint32_t& v) { return r.u32le(v); })},
      {"u64be", 8, scalar(uint64_t{}, [](Reader& r, uint64_t& v) { return r.u64be(v); })},
      {"bytes7", 7,
       [](Reader& r, bool& changed) {
         std::span<const uint8_t> s;
         const bool ok = r.bytes(7, s);
         changed = !s.empty();
         return ok;
       }},
      {"skip6", 6,
       [](Reader& r, bool& changed) {
         changed = false;
         return r.skip(6);
       }},
      {"der", 3,  // 04 01 xx
       [](Reader& r, bool& changed) {
         std::span<const uint8_t> s;
         const bool ok = r.der_bytes(0x04, s);
         changed = !s.empty();
         return ok;
       }},
  };
}

// Every read at every truncation: fails, leaves its output alone, and latches, so that
// even a read that would fit afterwards fails.
TEST(Reader, EveryReadAtEveryTruncationFailsAndLatches) {
  const std::vector<uint8_t> source = hex("040155aabbccddeeff");
  for (const ReadCase& c : read_cases()) {
    for (size_t len = 0; len < c.need; ++len) {
      SCOPED_TRACE(c.name + " with " + std::to_string(len) + " bytes");
      ExactBuffer buf(source, len);
      Reader r(buf.span());
      bool changed = false;
      EXPECT_FALSE(c.read(r, changed));
      EXPECT_FALSE(changed);
      EXPECT_FALSE(r.ok());
      EXPECT_FALSE(r.at_end());
      EXPECT_EQ(r.remaining(), 0u);
      EXPECT_TRUE(r.rest().empty());
      std::span<const uint8_t> none;
      EXPECT_FALSE(r.bytes(0, none));  // latched: even an empty read fails
      uint8_t b = 0;
      EXPECT_FALSE(r.u8(b));
    }
    SCOPED_TRACE(c.name + " with exactly enough bytes");
    ExactBuffer buf(source, c.need);
    Reader r(buf.span());
    bool changed = false;
    EXPECT_TRUE(c.read(r, changed));
    EXPECT_TRUE(r.at_end());
  }
}

// A failed read does not move the cursor: the same Reader, un-latched by a fresh copy
// taken before the read, still sees every byte. (The latch itself hides the cursor.)
TEST(Reader, FailedReadLeavesEarlierCopyIntact) {
  Reader r(std::span<const uint8_t>(kBytes).first(3));
  uint8_t a = 0;
  ASSERT_TRUE(r.u8(a));
  const Reader before = r;
  uint32_t v = 0;
  EXPECT_FALSE(r.u32be(v));
  EXPECT_EQ(before.remaining(), 2u);
  EXPECT_EQ(before.rest().data(), kBytes.data() + 1);
}

TEST(Reader, FailByHandLatches) {
  Reader r(kBytes);
  r.fail();
  uint8_t a = 0;
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.u8(a));
}

TEST(Reader, EmptyReaderIsAtEnd) {
  Reader r;
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.at_end());
  uint8_t a = 0;
  EXPECT_FALSE(r.u8(a));
  EXPECT_FALSE(r.at_end());
}

// ---- Strict DER (X.690 §10.1: definite, minimal lengths) ----

bool der_ok(const std::vector<uint8_t>& der, uint8_t tag, std::span<const uint8_t>* out = nullptr) {
  ExactBuffer buf(der, der.size());
  Reader r(buf.span());
  std::span<const uint8_t> contents;
  const bool ok = r.der_bytes(tag, contents);
  if (ok && out) *out = contents;
  return ok;
}

TEST(ReaderDer, ShortForm) {
  std::span<const uint8_t> c;
  EXPECT_TRUE(der_ok(hex("0403aabbcc"), 0x04, &c));
  EXPECT_EQ(c.size(), 3u);
  EXPECT_TRUE(der_ok(hex("0400"), 0x04, &c));
  EXPECT_TRUE(c.empty());
  std::vector<uint8_t> max_short = {0x04, 0x7f};
  max_short.resize(2 + 0x7f, 0xee);
  EXPECT_TRUE(der_ok(max_short, 0x04, &c));
  EXPECT_EQ(c.size(), 0x7fu);
}

TEST(ReaderDer, LongFormMustBeMinimal) {
  auto tlv = [](std::vector<uint8_t> header, size_t n) {
    header.resize(header.size() + n, 0xcc);
    return header;
  };
  EXPECT_TRUE(der_ok(tlv({0x04, 0x81, 0x80}, 0x80), 0x04));
  EXPECT_TRUE(der_ok(tlv({0x04, 0x81, 0xff}, 0xff), 0x04));
  EXPECT_TRUE(der_ok(tlv({0x04, 0x82, 0x01, 0x00}, 0x100), 0x04));
  EXPECT_TRUE(der_ok(tlv({0x04, 0x83, 0x01, 0x00, 0x00}, 0x10000), 0x04));
  // Long form for a length that fits the short form.
  EXPECT_FALSE(der_ok(tlv({0x04, 0x81, 0x7f}, 0x7f), 0x04));
  EXPECT_FALSE(der_ok(tlv({0x04, 0x81, 0x00}, 0), 0x04));
  // A leading zero length octet.
  EXPECT_FALSE(der_ok(tlv({0x04, 0x82, 0x00, 0x80}, 0x80), 0x04));
  EXPECT_FALSE(der_ok(tlv({0x04, 0x83, 0x00, 0x01, 0x00}, 0x100), 0x04));
}

TEST(ReaderDer, AtMostFourLengthOctets) {
  // Four octets are accepted as syntax; the length then runs past the end.
  EXPECT_FALSE(der_ok(hex("048401000000aa"), 0x04));
  EXPECT_FALSE(der_ok(hex("0485010000000000"), 0x04));
  EXPECT_FALSE(der_ok(hex("0488ffffffffffffffff"), 0x04));
  EXPECT_FALSE(der_ok(hex("04ff"), 0x04));
}

TEST(ReaderDer, IndefiniteLengthRefused) {
  EXPECT_FALSE(der_ok(hex("3080020100 0000"), 0x30));
}

TEST(ReaderDer, LengthPastEndRefused) {
  EXPECT_FALSE(der_ok(hex("0405aabbccdd"), 0x04));
  EXPECT_FALSE(der_ok(hex("04820100aa"), 0x04));
  EXPECT_FALSE(der_ok(hex("0481"), 0x04));
  EXPECT_FALSE(der_ok(hex("04"), 0x04));
  EXPECT_FALSE(der_ok({}, 0x04));
}

TEST(ReaderDer, WrongTagRefused) { EXPECT_FALSE(der_ok(hex("0401aa"), 0x30)); }

TEST(ReaderDer, FailureLatchesWithoutAdvancing) {
  const std::vector<uint8_t> der = hex("0481 7f");
  Reader r(der);
  Reader sub;
  EXPECT_FALSE(r.der(0x04, sub));
  EXPECT_FALSE(r.ok());
  uint8_t b = 0;
  EXPECT_FALSE(r.u8(b));
}

TEST(ReaderDer, SubReaderCannotRunPastItsParent) {
  // SEQUENCE { OCTET STRING aa bb } followed by 01 02 in the parent.
  const std::vector<uint8_t> der = hex("3004 0402aabb 0102");
  Reader r(der), seq, inner;
  ASSERT_TRUE(r.der(0x30, seq));
  EXPECT_EQ(seq.remaining(), 4u);
  ASSERT_TRUE(seq.der(0x04, inner));
  EXPECT_TRUE(seq.at_end());
  std::span<const uint8_t> more;
  EXPECT_FALSE(seq.bytes(1, more));  // the parent's 01 02 is out of reach
  EXPECT_EQ(r.remaining(), 2u);
  uint16_t tail = 0;
  ASSERT_TRUE(r.u16be(tail));
  EXPECT_EQ(tail, 0x0102);
}

TEST(ReaderDer, InnerLengthBeyondOuterRefused) {
  // The inner TLV claims 3 content octets; the outer one only holds 2 after its header.
  const std::vector<uint8_t> der = hex("3004 0403aabb cc");
  Reader r(der), seq, inner;
  ASSERT_TRUE(r.der(0x30, seq));
  EXPECT_FALSE(seq.der(0x04, inner));
}

TEST(ReaderDer, LengthSizes) {
  EXPECT_EQ(der_length_size(0), 1u);
  EXPECT_EQ(der_length_size(0x7f), 1u);
  EXPECT_EQ(der_length_size(0x80), 2u);
  EXPECT_EQ(der_length_size(0xff), 2u);
  EXPECT_EQ(der_length_size(0x100), 3u);
  EXPECT_EQ(der_length_size(0xffff), 3u);
  EXPECT_EQ(der_length_size(0x10000), 4u);
  EXPECT_EQ(der_length_size(0x1000000), 5u);
  EXPECT_EQ(der_size(0), 2u);
  EXPECT_EQ(der_size(0x80), 3u + 0x80);
}

}  // namespace
}  // namespace apx::token
