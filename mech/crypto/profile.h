// The enctypes apx protects messages with: the RFC 3961 simplified profile as RFC 3962
// (AES with HMAC-SHA1), RFC 8009 (AES with HMAC-SHA2) and RFC 6803 (Camellia with CMAC)
// instantiate it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace apx::crypto {

// How an enctype builds its ciphertext and derives its keys.
enum class Family {
  // RFC 3961 §5.3 simplified profile, RFC 3962: keys by DK (§5.1), ciphertext
  // E(Ke, conf | plaintext) | HMAC-SHA1-96(Ki, conf | plaintext).
  kDkHmacSha1,
  // RFC 8009 §5: keys by KDF-HMAC-SHA2, ciphertext C = E(Ke, conf | plaintext),
  // C | HMAC(Ki, IV | C) truncated (encrypt-then-MAC).
  kKdfHmacSha2,
  // RFC 6803 §3-§5: keys by KDF-FEEDBACK-CMAC, ciphertext
  // E(Ke, conf | plaintext) | CMAC(Ki, conf | plaintext).
  kKdfCmac,
};

// The MAC used for Ki (integrity) and Kc (checksum) of an enctype.
enum class MacAlg { kHmacSha1, kHmacSha256, kHmacSha384, kCmac };

struct Profile {
  int32_t enctype;          // IANA Kerberos enctype number
  const char* name;         // "aes256-cts-hmac-sha1-96"
  size_t key_size;          // base key bytes (= Ke bytes)
  size_t confounder_size;   // = cipher block size for all of these
  size_t checksum_size;     // MAC output truncated to this (Ki and Kc)
  int32_t cksumtype;        // mandatory checksum type (RFC 3961 §4 "required checksum")
  Family family;
  const char* cbc_cipher;   // OpenSSL name of the cipher in CBC mode ("AES-128-CBC")
  MacAlg mac;
  size_t kc_size;           // derived key sizes in bytes
  size_t ki_size;
  size_t prf_size;          // output of the enctype's PRF (RFC 3961 §3 "pseudo-random")
};

// The profile of `enctype`, or nullptr when apx does not protect messages with it
// (DES3 = 16 and RC4-HMAC = 23 use RFC 1964 tokens, DES is gone).
[[nodiscard]] const Profile* find_profile(int32_t enctype);

}  // namespace apx::crypto
