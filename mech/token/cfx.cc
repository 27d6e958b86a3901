#include "token/cfx.h"

#include <algorithm>
#include <cassert>

#include "token/reader.h"
#include "token/writer.h"

namespace apx::token {

using base::Minor;
using base::Status;

namespace {

constexpr uint8_t kFiller = 0xFF;
constexpr size_t kMicFillerSize = 5;
constexpr uint8_t kTagApplication0 = 0x60;  // RFC 2743 §3.1 framing
constexpr uint8_t kTagOid = 0x06;

// RFC 1964 §1.2 TOK_IDs: 01 01 MIC, 02 01 Wrap, 01 02 context deletion; 02 02 is
// refused with them (no CFX token starts with 01 or 02).
bool is_rfc1964_tok_id(uint16_t tok_id) {
  return tok_id == 0x0101 || tok_id == 0x0201 || tok_id == 0x0102 || tok_id == 0x0202;
}

// RFC 1964 §1.2 tokens sit behind the RFC 2743 §3.1 header, 0x60 <length> 0x06 <OID>
// <TOK_ID> ...; RFC 4121 §4.2.6 tokens start with their TOK_ID.
bool is_framed_rfc1964(std::span<const uint8_t> token) {
  Reader r(token), inner;
  std::span<const uint8_t> oid;
  uint16_t tok_id = 0;
  return r.der(kTagApplication0, inner) && inner.der_bytes(kTagOid, oid) && inner.u16be(tok_id) &&
         is_rfc1964_tok_id(tok_id);
}

// Why a token that does not start with `expected` is refused.
Status wrong_tok_id(std::span<const uint8_t> token) {
  if (token.empty()) return Status::defective_token(Minor::kTokenEmpty);
  if (token[0] == kTagApplication0) {
    return is_framed_rfc1964(token) ? Status::defective_token(Minor::kMsgLegacyToken)
                                    : Status::defective_token(Minor::kTokenWrongTokId);
  }
  Reader r(token);
  uint16_t tok_id = 0;
  if (!r.u16be(tok_id)) return Status::defective_token(Minor::kTokenTruncated);
  return is_rfc1964_tok_id(tok_id) ? Status::defective_token(Minor::kMsgLegacyToken)
                                   : Status::defective_token(Minor::kTokenWrongTokId);
}

bool all_filler(std::span<const uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == kFiller; });
}

}  // namespace

base::Result<CfxHeader> parse_cfx_header(std::span<const uint8_t> token, uint16_t expected_tok_id) {
  assert(expected_tok_id == kTokMic || expected_tok_id == kTokWrap);
  Reader r(token);
  CfxHeader h;
  if (!r.u16be(h.tok_id) || h.tok_id != expected_tok_id) return wrong_tok_id(token);

  // RFC 4121 §4.2.2 defines three flag bits; the others are reserved, and "The receiver
  // MUST ignore unknown flags." MIT 1.20 does not look at them either. They stay in
  // `flags` as sent (the checksum covers them).
  std::span<const uint8_t> filler;
  const bool read =
      expected_tok_id == kTokMic
          // §4.2.6.1: Flags, "Filler ... Contains five octets of value 0xFF", SND_SEQ.
          ? r.u8(h.flags) && r.bytes(kMicFillerSize, filler) && r.u64be(h.seq)
          // §4.2.6.2: Flags, "Filler ... Contains the value 0xFF", EC, RRC, SND_SEQ; all
          // integers "in big-endian order".
          : r.u8(h.flags) && r.bytes(1, filler) && r.u16be(h.ec) && r.u16be(h.rrc) &&
                r.u64be(h.seq);
  if (!read) return Status::defective_token(Minor::kTokenTruncated);
  if (!all_filler(filler)) return Status::defective_token(Minor::kMsgBadFiller);
  return h;
}

void write_mic_header(std::span<uint8_t, kCfxHeaderSize> out, uint8_t flags, uint64_t seq) {
  Writer w(out);
  w.u16be(kTokMic);
  w.u8(flags);
  for (size_t i = 0; i < kMicFillerSize; ++i) w.u8(kFiller);
  w.u64be(seq);
  assert(w.done());
}

void write_wrap_header(std::span<uint8_t, kCfxHeaderSize> out, uint8_t flags, uint16_t ec,
                       uint16_t rrc, uint64_t seq) {
  Writer w(out);
  w.u16be(kTokWrap);
  w.u8(flags);
  w.u8(kFiller);
  w.u16be(ec);
  w.u16be(rrc);
  w.u64be(seq);
  assert(w.done());
}

void copy_unrotated(std::span<const uint8_t> rotated, size_t rrc, std::span<uint8_t> out) {
  assert(out.size() == rotated.size());
  if (out.size() != rotated.size() || rotated.empty()) return;
  // §4.2.5: the token "excluding the first 16 octets of the token header, is rotated to
  // the right by RRC octets": the last RRC octets of the original come first. The
  // original is therefore rotated[r..n) followed by rotated[0..r).
  const size_t r = rrc % rotated.size();
  const auto tail = std::copy(rotated.begin() + static_cast<std::ptrdiff_t>(r), rotated.end(),
                              out.begin());
  std::copy(rotated.begin(), rotated.begin() + static_cast<std::ptrdiff_t>(r), tail);
}

}  // namespace apx::token
