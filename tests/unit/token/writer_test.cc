// token::Writer: exact-size buffers, refused overflow that latches.
#include "token/writer.h"

#include <gtest/gtest.h>

#include <array>

#include "bytes.h"
#include "token/reader.h"

namespace apx::token {
namespace {

using test::hex;

TEST(Writer, ExactSizeIsDone) {
  std::array<uint8_t, 2 + 2 + 4 + 4 + 8 + 3 + 2 + 1> buf{};
  Writer w(buf);
  w.u16be(0x0102);
  w.u16le(0x0102);
  w.u32be(0x01020304);
  w.u32le(0x01020304);
  w.u64be(0x0102030405060708);
  w.bytes(hex("aabbcc"));
  w.zeros(2);
  EXPECT_FALSE(w.done());  // one byte left
  w.u8(0xee);
  EXPECT_TRUE(w.done());
  EXPECT_EQ(w.written(), buf.size());
  EXPECT_EQ(std::vector<uint8_t>(buf.begin(), buf.end()),
            hex("0102 0201 01020304 04030201 0102030405060708 aabbcc 0000 ee"));
}

TEST(Writer, UnderfilledIsNotDone) {
  std::array<uint8_t, 4> buf{};
  Writer w(buf);
  w.u16be(1);
  EXPECT_FALSE(w.done());
  EXPECT_EQ(w.written(), 2u);
}

TEST(Writer, EmptyBufferAndEmptyWrites) {
  Writer w(std::span<uint8_t>{});
  EXPECT_TRUE(w.done());
  w.bytes({});
  w.zeros(0);
  EXPECT_TRUE(w.done());
  w.u8(1);
  EXPECT_FALSE(w.done());
}

TEST(Writer, OverflowIsRefusedAndLatches) {
  std::array<uint8_t, 5> buf{};
  buf.fill(0x77);
  Writer w(buf);
  w.u16be(0x0102);
  w.u32be(0xaabbccdd);  // does not fit in the 3 bytes left
  EXPECT_EQ(w.written(), 2u);
  EXPECT_EQ(buf[2], 0x77);  // nothing partial written
  w.u8(0x03);               // would fit, but the failure latched
  w.u16be(0x0405);
  EXPECT_EQ(w.written(), 2u);
  EXPECT_FALSE(w.done());
  EXPECT_EQ(std::vector<uint8_t>(buf.begin(), buf.end()), hex("0102777777"));
}

TEST(Writer, EveryWriterOverflowsAtEveryShortSize) {
  for (size_t size = 0; size < 8; ++size) {
    std::vector<uint8_t> buf(size, 0x77);
    Writer w(buf);
    w.u64be(0x0102030405060708);
    EXPECT_FALSE(w.done());
    EXPECT_EQ(w.written(), 0u);
    EXPECT_EQ(buf, std::vector<uint8_t>(size, 0x77));
  }
  std::vector<uint8_t> one(1);
  Writer w16(one), w16le(one), w32(one), w32le(one), wb(one), wz(one);
  w16.u16be(1);
  w16le.u16le(1);
  w32.u32be(1);
  w32le.u32le(1);
  wb.bytes(hex("0102"));
  wz.zeros(2);
  for (const Writer* w : {&w16, &w16le, &w32, &w32le, &wb, &wz}) {
    EXPECT_FALSE(w->done());
    EXPECT_EQ(w->written(), 0u);
  }
}

TEST(Writer, ReserveReturnsTheSpanOrNothing) {
  std::array<uint8_t, 4> buf{};
  Writer w(buf);
  w.u8(1);
  std::span<uint8_t> hole = w.reserve(2);
  ASSERT_EQ(hole.size(), 2u);
  EXPECT_EQ(hole.data(), buf.data() + 1);
  hole[0] = 0xaa;
  hole[1] = 0xbb;
  EXPECT_TRUE(w.reserve(2).empty());  // only one byte left
  w.u8(4);                            // latched
  EXPECT_FALSE(w.done());
  EXPECT_EQ(buf[1], 0xaa);
}

TEST(Writer, DerHeaderUsesMinimalLengths) {
  struct Case {
    size_t n;
    std::vector<uint8_t> header;
  };
  const Case cases[] = {
      {0, hex("0400")},
      {0x7f, hex("047f")},
      {0x80, hex("048180")},
      {0xff, hex("0481ff")},
      {0x100, hex("04820100")},
      {0xffff, hex("0482ffff")},
      {0x10000, hex("0483010000")},
      {0x1000000, hex("048401000000")},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.n);
    std::vector<uint8_t> buf(1 + der_length_size(c.n));
    Writer w(buf);
    w.der_header(0x04, c.n);
    EXPECT_TRUE(w.done());
    EXPECT_EQ(buf, c.header);
  }
}

TEST(Writer, DerRoundTripsThroughReader) {
  for (size_t n : {0u, 1u, 0x7fu, 0x80u, 0x1234u}) {
    std::vector<uint8_t> contents(n, 0x5a);
    std::vector<uint8_t> buf(der_size(n));
    Writer w(buf);
    w.der_header(0x30, n);
    w.bytes(contents);
    ASSERT_TRUE(w.done());
    Reader r(buf);
    std::span<const uint8_t> got;
    ASSERT_TRUE(r.der_bytes(0x30, got));
    EXPECT_TRUE(r.at_end());
    EXPECT_EQ(got.size(), n);
  }
}

}  // namespace
}  // namespace apx::token
