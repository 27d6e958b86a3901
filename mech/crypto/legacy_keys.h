// The keys of the pre-CFX GSS tokens: RFC 1964 as extended to des3-cbc-sha1 (enctype 16,
// MIT's "SGN_ALG 04 00 HMAC-SHA1-DES3-KD, SEAL_ALG 02 00 DES3-KD") and RFC 4757's
// arcfour-hmac (23) and arcfour-hmac-exp (24). Unlike RFC 4121 these tokens use the
// context key itself (no per-usage derivation for the cipher), so what is kept here is
// the key plus what can be derived from it once:
//   DES3: Kc = DK(K, 00 00 00 17 99) (RFC 3961 §5.3 with MIT's KG_USAGE_SIGN = 23) for the
//         HMAC-SHA1 checksum; the cipher is DES-EDE3-CBC under K itself (MIT's
//         ENCTYPE_DES3_CBC_RAW), zero IV for data, SGN_CKSUM[0..7] as IV for SND_SEQ.
//   RC4:  Ksign = HMAC-MD5(K, "signaturekey\0") (RFC 4757 §3 "the signature key"), and the
//         first-stage keys HMAC-MD5(K, T) of SND_SEQ (key K) and of the data (key K ^ F0),
//         T = usage 0 as 4 octets little-endian ("fortybits\0" ‖ T for the export variant,
//         whose first-stage key then keeps 7 octets and is filled with 0xAB).
//
// Not allocation-free like UsageKeys: these enctypes are deprecated and kept for interop.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "base/result.h"
#include "crypto/iov.h"

namespace apx::crypto {

inline constexpr int32_t kEnctypeDes3CbcSha1 = 16;
inline constexpr int32_t kEnctypeArcfourHmac = 23;
inline constexpr int32_t kEnctypeArcfourHmacExp = 24;

// True for the enctypes whose contexts use RFC 1964 / RFC 4757 tokens.
[[nodiscard]] constexpr bool is_legacy_enctype(int32_t enctype) {
  return enctype == kEnctypeDes3CbcSha1 || enctype == kEnctypeArcfourHmac ||
         enctype == kEnctypeArcfourHmacExp;
}

class LegacyKeys {
 public:
  // The confounder of Wrap tokens: one DES block; RFC 4757 §7.3 also uses 8 octets.
  static constexpr size_t kConfounderSize = 8;

  [[nodiscard]] static base::Result<LegacyKeys> create(int32_t enctype,
                                                       std::span<const uint8_t> key);
  LegacyKeys(LegacyKeys&&) noexcept;
  LegacyKeys& operator=(LegacyKeys&&) noexcept;
  ~LegacyKeys();

  [[nodiscard]] bool rc4() const;
  // SGN_CKSUM octets: 20 (HMAC-SHA1, untruncated) or 8 (HMAC-MD5 cut to 8, RFC 4757 §7.2).
  [[nodiscard]] size_t checksum_size() const;

  // SGN_CKSUM over `header8` (the token's first 8 octets after the framing: TOK_ID,
  // SGN_ALG, SEAL_ALG, filler) and then the signed buffers of `iov` in order (header,
  // data, sign_only, padding). `wrap` selects RFC 4757's sign usage (13 Wrap, 15 MIC).
  [[nodiscard]] base::Status checksum(bool wrap, std::span<const uint8_t> header8,
                                      std::span<const CryptoIov> iov,
                                      std::span<uint8_t> out) const;
  // SND_SEQ: encrypts or decrypts 8 octets, keyed by SGN_CKSUM's first 8 octets.
  [[nodiscard]] base::Status seq_crypt(bool encrypt, std::span<const uint8_t> cksum,
                                       std::span<const uint8_t, 8> in,
                                       std::span<uint8_t, 8> out) const;
  // Encrypts or decrypts in place the encrypted buffers of `iov` (header, data, padding:
  // the confounder, the message and its padding), as one stream. DES3 needs a whole number
  // of blocks; RC4's key mixes in the sequence number (RFC 4757 §7.3, big-endian).
  [[nodiscard]] base::Status data_crypt(bool encrypt, uint32_t seqnum,
                                        std::span<const CryptoIov> iov) const;

 private:
  struct State;
  explicit LegacyKeys(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace apx::crypto
