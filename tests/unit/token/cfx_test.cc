// RFC 4121 §4.2.6 per-message token headers and §4.2.5 rotation.
#include "token/cfx.h"

#include <gssapi/gssapi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>

#include "base/minor.h"
#include "bytes.h"

namespace apx::token {
namespace {

using base::Minor;
using test::ExactBuffer;
using test::hex;

using Header = std::array<uint8_t, kCfxHeaderSize>;

Header mic(uint8_t flags, uint64_t seq) {
  Header h{};
  write_mic_header(h, flags, seq);
  return h;
}

Header wrap(uint8_t flags, uint16_t ec, uint16_t rrc, uint64_t seq) {
  Header h{};
  write_wrap_header(h, flags, ec, rrc, seq);
  return h;
}

std::vector<uint8_t> vec(const Header& h) { return {h.begin(), h.end()}; }

void expect_defective(std::span<const uint8_t> token, uint16_t tok_id, Minor m) {
  auto r = parse_cfx_header(token, tok_id);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().major(), static_cast<OM_uint32>(GSS_S_DEFECTIVE_TOKEN));
  EXPECT_EQ(r.error().minor(), base::code(m)) << base::minor_text(r.error().minor());
}

TEST(Cfx, MicHeaderBytes) {
  // §4.2.6.1: 04 04 | Flags | FF FF FF FF FF | SND_SEQ (BE).
  EXPECT_EQ(vec(mic(kFlagSentByAcceptor | kFlagAcceptorSubkey, 0x0102030405060708)),
            hex("0404 05 ffffffffff 0102030405060708"));
}

TEST(Cfx, WrapHeaderBytes) {
  // §4.2.6.2: 05 04 | Flags | FF | EC (BE) | RRC (BE) | SND_SEQ (BE).
  EXPECT_EQ(vec(wrap(kFlagSealed, 0x0a0b, 0x0c0d, 0xfffffffffffffffe)),
            hex("0504 02 ff 0a0b 0c0d fffffffffffffffe"));
}

TEST(Cfx, RoundTrip) {
  for (uint8_t flags = 0; flags < 8; ++flags) {
    for (uint64_t seq : {uint64_t{0}, uint64_t{1}, uint64_t{0x80000000}, uint64_t{0xffffffff},
                         uint64_t{0x100000000}, UINT64_MAX}) {
      const Header m = mic(flags, seq);
      auto pm = parse_cfx_header(m, kTokMic);
      ASSERT_TRUE(pm.has_value());
      EXPECT_EQ(pm->tok_id, kTokMic);
      EXPECT_EQ(pm->flags, flags);
      EXPECT_EQ(pm->ec, 0);
      EXPECT_EQ(pm->rrc, 0);
      EXPECT_EQ(pm->seq, seq);
      for (int ec_value : {0, 1, 0x8000, 0xffff}) {
        const auto ec = static_cast<uint16_t>(ec_value);
        const auto rrc = static_cast<uint16_t>(~ec_value);
        const Header w = wrap(flags, ec, rrc, seq);
        auto pw = parse_cfx_header(w, kTokWrap);
        ASSERT_TRUE(pw.has_value());
        EXPECT_EQ(pw->tok_id, kTokWrap);
        EXPECT_EQ(pw->flags, flags);
        EXPECT_EQ(pw->ec, ec);
        EXPECT_EQ(pw->rrc, rrc);
        EXPECT_EQ(pw->seq, seq);
      }
    }
  }
}

TEST(Cfx, LongerTokenParsesOnlyTheHeader) {
  std::vector<uint8_t> token = vec(wrap(kFlagSealed, 0, 28, 42));
  token.resize(200, 0x00);
  auto p = parse_cfx_header(token, kTokWrap);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->rrc, 28);
  EXPECT_EQ(p->seq, 42u);
}

TEST(Cfx, TruncatedAtEveryLength) {
  const Header m = mic(0, 7), w = wrap(0, 0, 0, 7);
  for (size_t len = 0; len < kCfxHeaderSize; ++len) {
    SCOPED_TRACE(len);
    ExactBuffer bm(m, len), bw(w, len);
    const Minor expected = len == 0 ? Minor::kTokenEmpty : Minor::kTokenTruncated;
    expect_defective(bm.span(), kTokMic, expected);
    expect_defective(bw.span(), kTokWrap, expected);
  }
  ExactBuffer exact(m, kCfxHeaderSize);
  EXPECT_TRUE(parse_cfx_header(exact.span(), kTokMic).has_value());
}

TEST(Cfx, WrongTypeIsWrongTokId) {
  expect_defective(mic(0, 1), kTokWrap, Minor::kTokenWrongTokId);
  expect_defective(wrap(0, 0, 0, 1), kTokMic, Minor::kTokenWrongTokId);
  // MIT's own context-deletion TOK_ID 04 05 (RFC 4121 defines none), RFC 4121 §4.1's
  // context-establishment TOK_IDs, and other values.
  for (const char* id : {"0405", "0505", "0100", "0200", "0300", "0000", "ffff"}) {
    std::vector<uint8_t> t = hex(std::string(id) + "00ffffffffff0000000000000001");
    expect_defective(t, kTokMic, Minor::kTokenWrongTokId);
    expect_defective(t, kTokWrap, Minor::kTokenWrongTokId);
  }
}

// Every single-bit flip in TOK_ID and filler is refused; flips in the other fields
// parse to the flipped value (they are checked later, under the checksum).
TEST(Cfx, EveryBitFlipInTheMicHeader) {
  const Header good = mic(kFlagAcceptorSubkey, 0x1122334455667788);
  for (size_t byte = 0; byte < kCfxHeaderSize; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      SCOPED_TRACE("byte " + std::to_string(byte) + " bit " + std::to_string(bit));
      Header t = good;
      t[byte] ^= static_cast<uint8_t>(1 << bit);
      if (byte < 2) {
        expect_defective(t, kTokMic, Minor::kTokenWrongTokId);
      } else if (byte >= 3 && byte < 8) {
        expect_defective(t, kTokMic, Minor::kMsgBadFiller);
      } else {
        auto p = parse_cfx_header(t, kTokMic);
        ASSERT_TRUE(p.has_value());
        if (byte == 2) {
          EXPECT_EQ(p->flags, t[2]);
        } else {
          EXPECT_EQ(p->seq, 0x1122334455667788u ^ (uint64_t{1} << (8 * (15 - byte) + bit)));
        }
      }
    }
  }
}

TEST(Cfx, EveryBitFlipInTheWrapHeader) {
  const Header good = wrap(kFlagSealed, 0x0102, 0x0304, 0x1122334455667788);
  for (size_t byte = 0; byte < kCfxHeaderSize; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      SCOPED_TRACE("byte " + std::to_string(byte) + " bit " + std::to_string(bit));
      Header t = good;
      const uint8_t mask = static_cast<uint8_t>(1 << bit);
      t[byte] ^= mask;
      if (byte < 2) {
        expect_defective(t, kTokWrap, Minor::kTokenWrongTokId);
      } else if (byte == 3) {
        expect_defective(t, kTokWrap, Minor::kMsgBadFiller);
      } else {
        auto p = parse_cfx_header(t, kTokWrap);
        ASSERT_TRUE(p.has_value());
        EXPECT_EQ(p->flags, t[2]);
        EXPECT_EQ(p->ec, (t[4] << 8) | t[5]);
        EXPECT_EQ(p->rrc, (t[6] << 8) | t[7]);
        uint64_t seq = 0;
        for (size_t i = 8; i < 16; ++i) seq = seq << 8 | t[i];
        EXPECT_EQ(p->seq, seq);
      }
    }
  }
}

// RFC 4121 §4.2.2: bits other than SentByAcceptor, Sealed and AcceptorSubkey are reserved
// and "The receiver MUST ignore unknown flags"; MIT 1.20 does not check them either.
TEST(Cfx, ReservedFlagBitsAreIgnoredAndKept) {
  for (int bit = 3; bit < 8; ++bit) {
    const uint8_t flags = static_cast<uint8_t>(kFlagSentByAcceptor | (1 << bit));
    auto m = parse_cfx_header(mic(flags, 5), kTokMic);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->flags, flags);
    auto w = parse_cfx_header(wrap(flags, 0, 0, 5), kTokWrap);
    ASSERT_TRUE(w.has_value());
    EXPECT_EQ(w->flags, flags);
  }
}

// RFC 1964 tokens (DES3 / RC4-HMAC contexts) are named as such, bare or framed.
TEST(Cfx, Rfc1964TokIdsAreLegacy) {
  for (const char* id : {"0101", "0201", "0102", "0202"}) {
    SCOPED_TRACE(id);
    // An RFC 1964 §1.2.1 MIC-sized token: TOK_ID | SGN_ALG | Filler | SND_SEQ | SGN_CKSUM.
    const std::string rest = "1100 ffffffff 0000000000000000 0000000000000000";
    const std::vector<uint8_t> bare = hex(std::string(id) + rest);
    expect_defective(bare, kTokMic, Minor::kMsgLegacyToken);
    expect_defective(bare, kTokWrap, Minor::kMsgLegacyToken);
    // Only the TOK_ID.
    expect_defective(hex(id), kTokMic, Minor::kMsgLegacyToken);
    // RFC 2743 §3.1 framing around it, as RFC 1964 §1.2 tokens are sent: 60 len 06 09
    // <krb5 OID> TOK_ID ...
    const std::vector<uint8_t> framed =
        hex(std::string("6023 0609 2a864886f712010202 ") + id + rest);
    expect_defective(framed, kTokMic, Minor::kMsgLegacyToken);
    expect_defective(framed, kTokWrap, Minor::kMsgLegacyToken);
  }
}

TEST(Cfx, FramedNonLegacyTokensAreWrongTokId) {
  // Framed, but a CFX TOK_ID inside; framed with a bad OID length; the bare 0x60.
  expect_defective(hex("601a 0609 2a864886f712010202 0404 05ffffffffff 00000000000000"),
                   kTokMic, Minor::kTokenWrongTokId);
  expect_defective(hex("6019 0620 2a864886f712010202 0101 1100ffff 0000000000000000"),
                   kTokMic, Minor::kTokenWrongTokId);
  expect_defective(hex("60"), kTokWrap, Minor::kTokenWrongTokId);
  // A framed legacy token cut short: the framing no longer parses.
  expect_defective(hex("6019 0609 2a864886f712010202 0101"), kTokMic, Minor::kTokenWrongTokId);
}

TEST(Cfx, OneOctetToken) {
  expect_defective(hex("04"), kTokMic, Minor::kTokenTruncated);
  expect_defective(hex("05"), kTokWrap, Minor::kTokenTruncated);
}

// ---- §4.2.5 rotation ----

// What the sender does: rotate right by rrc.
std::vector<uint8_t> rotate_right(const std::vector<uint8_t>& data, size_t rrc) {
  std::vector<uint8_t> out = data;
  if (!out.empty())
    std::rotate(out.rbegin(), out.rbegin() + static_cast<std::ptrdiff_t>(rrc % out.size()),
                out.rend());
  return out;
}

TEST(CfxRotation, RightRotationByOneMovesTheLastOctetFirst) {
  EXPECT_EQ(rotate_right(hex("0102030405"), 1), hex("0501020304"));
  std::vector<uint8_t> out(5);
  copy_unrotated(hex("0501020304"), 1, out);
  EXPECT_EQ(out, hex("0102030405"));
}

TEST(CfxRotation, UndoesEveryRotationCount) {
  for (size_t n : {1u, 2u, 16u, 37u, 1000u}) {
    std::vector<uint8_t> data(n);
    for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(i * 13 + 1);
    for (size_t rrc : {size_t{0}, size_t{1}, n - 1, n, 3 * n + 5, size_t{0xffff}}) {
      SCOPED_TRACE("n " + std::to_string(n) + " rrc " + std::to_string(rrc));
      const std::vector<uint8_t> rotated = rotate_right(data, rrc);
      ExactBuffer in(rotated, n);
      std::vector<uint8_t> out(n, 0xee);
      copy_unrotated(in.span(), rrc, out);
      EXPECT_EQ(out, data);
    }
  }
}

TEST(CfxRotation, EmptyDataIsANoOp) {
  std::vector<uint8_t> out;
  copy_unrotated({}, 0, out);
  copy_unrotated({}, 12, out);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace apx::token
