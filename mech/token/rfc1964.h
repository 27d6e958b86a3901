// RFC 1964 §1.2 per-message tokens (the pre-CFX layout that des3-cbc-sha1 and RFC 4757's
// arcfour-hmac keep), always framed per RFC 2743 §3.1:
//
//   60 <len> 06 <oidlen> <oid> | TOK_ID (2) | SGN_ALG (2, LE) | SEAL_ALG (2, LE) | FF FF
//     | SND_SEQ (8, encrypted) | SGN_CKSUM (20 DES3, 8 RC4) | Wrap: confounder ‖ data ‖ pad
//
// The outer DER length covers the whole token, message included. IOV calls split a token
// over several buffers, so parsing takes the token's total size apart from its first part.
// Pure bytes: no crypto here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.h"

namespace apx::token {

// RFC 1964 §1.2.1, §1.2.2.
inline constexpr uint16_t kTokLegacyMic = 0x0101;
inline constexpr uint16_t kTokLegacyWrap = 0x0201;
// SGN_ALG and SEAL_ALG values (as numbers; the token holds them little-endian): MIT's
// HMAC-SHA1-DES3-KD (04 00) and DES3-KD (02 00); RFC 4757 §7.1 HMAC (11 00) and RC4 (10 00).
inline constexpr uint16_t kSgnAlgHmacSha1Des3Kd = 0x0004;
inline constexpr uint16_t kSgnAlgHmacMd5 = 0x0011;
inline constexpr uint16_t kSealAlgDes3Kd = 0x0002;
inline constexpr uint16_t kSealAlgRc4 = 0x0010;
inline constexpr uint16_t kSealAlgNone = 0xFFFF;
// TOK_ID, SGN_ALG, SEAL_ALG, filler: the octets the checksum covers first.
inline constexpr size_t kLegacySignedHeaderSize = 8;
// ... and SND_SEQ.
inline constexpr size_t kLegacyFixedSize = 16;

struct LegacyHeader {
  size_t prefix = 0;  // framing octets before TOK_ID
  uint16_t tok_id = 0;
  uint16_t sgn_alg = 0;
  uint16_t seal_alg = 0;
  std::span<const uint8_t> signed_header;  // TOK_ID .. filler (borrowed)
  std::span<const uint8_t> snd_seq;        // 8 octets (borrowed)
  std::span<const uint8_t> cksum;          // SGN_CKSUM (borrowed)
};

// Framing octets before TOK_ID for a token whose TOK_ID and what follows take `inner`
// octets.
[[nodiscard]] size_t legacy_prefix_size(size_t oid_len, size_t inner);

// Writes the framing, TOK_ID, SGN_ALG, SEAL_ALG and the filler: `out` must have
// legacy_prefix_size(oid.size(), inner) + kLegacySignedHeaderSize octets. False when it
// has not.
[[nodiscard]] bool write_legacy_header(std::span<uint8_t> out, std::span<const uint8_t> oid,
                                       size_t inner, uint16_t tok_id, uint16_t sgn_alg,
                                       uint16_t seal_alg);

// Parses the start of a token of `token_size` octets in all (`header` may hold only its
// first part): framing for `oid` whose length covers exactly token_size, TOK_ID
// `expected_tok_id`, filler FF FF, and room in `header` for SND_SEQ and `cksum_size`
// octets of SGN_CKSUM. SGN_ALG and SEAL_ALG are returned as sent for the caller to check.
// Errors, all GSS_S_DEFECTIVE_TOKEN: kTokenEmpty, kTokenFraming (not 0x60, bad length
// octets), kTokenTruncated, kTokenTrailingBytes (the length disagrees with token_size),
// kTokenWrongMech, kTokenWrongTokId, kMsgBadFiller.
[[nodiscard]] base::Result<LegacyHeader> parse_legacy_header(std::span<const uint8_t> header,
                                                             size_t token_size,
                                                             std::span<const uint8_t> oid,
                                                             uint16_t expected_tok_id,
                                                             size_t cksum_size);

}  // namespace apx::token
