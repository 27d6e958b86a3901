// The enctype pseudo-random function (RFC 3961 §3 "pseudo-random"), which
// gss_pseudo_random (RFC 4402) is built on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/status.h"
#include "crypto/profile.h"

namespace apx::crypto {

// Output size: 16 (AES-SHA1, Camellia), 32 (aes128-sha256), 48 (aes256-sha384).
[[nodiscard]] size_t prf_size(const Profile& p);

// PRF(base_key, input) into `output`, which must be prf_size(p) bytes:
//   RFC 3962 §6: E(DK(key, "prf"), truncate16(SHA-1(input))) with a zero IV;
//   RFC 8009 §5: KDF-HMAC-SHA2(key, "prf", input, 256 or 384);
//   RFC 6803 §6: CMAC(DK(key, "prf"), input), DK being KDF-FEEDBACK-CMAC.
[[nodiscard]] base::Status prf(const Profile& p, std::span<const uint8_t> base_key,
                               std::span<const uint8_t> input, std::span<uint8_t> output);

}  // namespace apx::crypto
