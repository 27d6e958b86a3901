// RFC 4121 §4.2.6: the 16-octet header of per-message tokens (MIC and Wrap), and the
// RRC rotation of §4.2.5.
//
//   MIC  (§4.2.6.1): TOK_ID 04 04 | Flags | Filler FF FF FF FF FF | SND_SEQ (8, BE)
//   Wrap (§4.2.6.2): TOK_ID 05 04 | Flags | Filler FF | EC (2, BE) | RRC (2, BE) | SND_SEQ
//
// The header is parsed before the integrity check: EC and RRC are returned as sent and
// must be bounded by the caller against the token's size; the header's own bytes are
// covered by the checksum, so callers feed the token's octets, not this struct, to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.h"

namespace apx::token {

// RFC 4121 §4.2.6.1 / §4.2.6.2 TOK_ID values.
inline constexpr uint16_t kTokMic = 0x0404;
inline constexpr uint16_t kTokWrap = 0x0504;

// RFC 4121 §4.2.2 flag bits.
inline constexpr uint8_t kFlagSentByAcceptor = 0x01;
inline constexpr uint8_t kFlagSealed = 0x02;
inline constexpr uint8_t kFlagAcceptorSubkey = 0x04;

inline constexpr size_t kCfxHeaderSize = 16;

struct CfxHeader {
  uint16_t tok_id = 0;
  uint8_t flags = 0;  // as sent, reserved bits included (§4.2.2: ignored, not rejected)
  uint16_t ec = 0;    // Wrap only; 0 for MIC
  uint16_t rrc = 0;   // Wrap only; 0 for MIC
  uint64_t seq = 0;
};

// Parses the first kCfxHeaderSize octets of `token` (the token may be longer; nothing
// past the span is read) as a token of type `expected_tok_id` (kTokMic or kTokWrap).
// Errors, all GSS_S_DEFECTIVE_TOKEN:
//   kTokenEmpty        empty token
//   kMsgLegacyToken    an RFC 1964 token (TOK_ID 01 01, 02 01, 01 02, 02 02, bare or
//                      behind RFC 2743 framing 0x60 ...): DES3/RC4 are not supported
//   kTokenWrongTokId   any other TOK_ID, including the other CFX type
//   kTokenTruncated    one octet, or the right TOK_ID but fewer than 16 octets
//   kMsgBadFiller      a filler octet other than 0xFF
[[nodiscard]] base::Result<CfxHeader> parse_cfx_header(std::span<const uint8_t> token,
                                                       uint16_t expected_tok_id);

void write_mic_header(std::span<uint8_t, kCfxHeaderSize> out, uint8_t flags, uint64_t seq);
void write_wrap_header(std::span<uint8_t, kCfxHeaderSize> out, uint8_t flags, uint16_t ec,
                       uint16_t rrc, uint64_t seq);

// RFC 4121 §4.2.5: the sender rotated the octets after the header right by RRC. Copies
// `rotated` into `out` with that rotation undone; rrc may exceed the size (rrc % size is
// used). `out` must have the size of `rotated` and must not overlap it; when the sizes
// differ nothing is written. Does not allocate.
void copy_unrotated(std::span<const uint8_t> rotated, size_t rrc, std::span<uint8_t> out);

}  // namespace apx::token
