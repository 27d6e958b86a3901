// Key derivation of the three enctype families, on OpenSSL's EVP_KDF implementations:
// KRB5KDF (RFC 3961 DK with n-fold) and KBKDF (NIST SP 800-108 counter mode with HMAC for
// RFC 8009, feedback mode with CMAC for RFC 6803). Called once per key, never per message.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.h"
#include "base/secret_bytes.h"
#include "crypto/profile.h"

namespace apx::crypto {

// RFC 3961 §5.1: DK(Key, Constant) = random-to-key(DR(Key, Constant)); random-to-key is
// the identity for AES (RFC 3962 §6), so the result has the cipher's key size.
[[nodiscard]] base::Result<base::SecretBytes> dk_rfc3961(const char* cbc_cipher,
                                                         std::span<const uint8_t> key,
                                                         std::span<const uint8_t> constant);

// RFC 8009 §3: KDF-HMAC-SHA2(key, label, [context,] k) = k-truncate(K1),
// K1 = HMAC-SHA-256/384(key, 0x00000001 | label | 0x00 | context | k), k = 8 * out_size.
[[nodiscard]] base::Result<base::SecretBytes> kdf_hmac_sha2(const char* digest,
                                                            std::span<const uint8_t> key,
                                                            std::span<const uint8_t> label,
                                                            std::span<const uint8_t> context,
                                                            size_t out_size);

// RFC 6803 §3: KDF-FEEDBACK-CMAC(key, constant) = k-truncate(K(1) | K(2) | ...),
// K(i) = CMAC(key, K(i-1) | i | constant | 0x00 | k), K(0) = zeros, k = 8 * out_size.
[[nodiscard]] base::Result<base::SecretBytes> kdf_feedback_cmac(
    const char* cbc_cipher, std::span<const uint8_t> key, std::span<const uint8_t> constant,
    size_t out_size);

// The enctype's own derivation of `out_size` bytes from `base_key` and `constant`
// (DK / KDF-HMAC-SHA2 with an empty context / KDF-FEEDBACK-CMAC).
[[nodiscard]] base::Result<base::SecretBytes> derive_key(const Profile& p,
                                                         std::span<const uint8_t> base_key,
                                                         std::span<const uint8_t> constant,
                                                         size_t out_size);

// RFC 3961 §5.3: the well-known constant of a usage key is usage (4 bytes, big-endian)
// followed by 0x99 (Kc), 0xAA (Ke) or 0x55 (Ki).
enum class UsageKeyKind : uint8_t { kc = 0x99, ke = 0xAA, ki = 0x55 };
[[nodiscard]] std::array<uint8_t, 5> usage_constant(uint32_t usage, UsageKeyKind kind);

// Kc, Ke or Ki of `usage` with its profile-defined size.
[[nodiscard]] base::Result<base::SecretBytes> derive_usage_key(const Profile& p,
                                                               std::span<const uint8_t> base_key,
                                                               uint32_t usage, UsageKeyKind kind);

}  // namespace apx::crypto
