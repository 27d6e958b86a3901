// Checks shared by the known-answer tests of several vector files.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "crypto/profile.h"
#include "crypto/usage_keys.h"
#include "vector_file.h"

namespace apx::test {

// The profile a record names by Enctype and EnctypeNum (both checked); nullptr after a
// test failure when they disagree or are unsupported.
const crypto::Profile* profile_of(Record& r);

// Cksumtype / CksumtypeNum against the profile's mandatory checksum type.
void check_cksumtype(Record& r, const crypto::Profile& p);

// A string-to-key record: Password, Salt, [Saltp], Iterations, Params, [PBKDF2], Key.
// RFC 3962 §4, RFC 8009 §4, RFC 6803 §4 on PBKDF2 and apx's derive_key.
void check_string_to_key(Record& r, const crypto::Profile& p);

// Kc, Ke and Ki of `usage` (the fields present) against derive_usage_key.
void check_derived_keys(Record& r, const crypto::Profile& p, const std::vector<uint8_t>& base_key,
                        uint32_t usage);

// A fixed-confounder encryption: Plaintext, Confounder, Ke, Ki, the cipher output field
// `cipher_field`, the MAC field `mac_field` and Ciphertext, checked on apx's pieces (CTS
// with Ke, the MAC with Ki); then Ciphertext is decrypted through UsageKeys.
void check_encryption(Record& r, const crypto::Profile& p, const std::vector<uint8_t>& base_key,
                      uint32_t usage, const char* cipher_field, const char* mac_field);

// Decrypts `ciphertext` (confounder | data | tag) split at random points; returns the
// plaintext without the confounder, or fails the test.
std::vector<uint8_t> decrypt_split(const crypto::UsageKeys& keys,
                                   const std::vector<uint8_t>& ciphertext, std::mt19937& rng);

// The checksum of `data` split at random points into data and sign_only pieces.
std::vector<uint8_t> checksum_split(const crypto::UsageKeys& keys, const std::vector<uint8_t>& data,
                                    std::mt19937& rng);

}  // namespace apx::test
