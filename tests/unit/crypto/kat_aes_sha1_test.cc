// aes128/aes256-cts-hmac-sha1-96 (RFC 3962): string-to-key (RFC 3962 App. B) and the
// derived keys, checksums and ciphertexts MIT makes.
#include <gtest/gtest.h>

#include <random>

#include "crypto/kdf.h"
#include "crypto/usage_keys.h"
#include "kat_helpers.h"
#include "vector_file.h"

namespace apx::test {
namespace {

TEST(AesSha1, StringToKey) {
  VectorFile f("aes_str2key.txt", 14);
  for (Record& r : f.records()) {
    SCOPED_TRACE(r.where());
    const crypto::Profile* p = profile_of(r);
    ASSERT_NE(p, nullptr);
    check_string_to_key(r, *p);
  }
}

TEST(AesSha1, DerivedKeysChecksumsAndCiphertexts) {
  VectorFile f("aes_sha1_dk.txt", 20);
  std::mt19937 rng(3961);
  for (Record& r : f.records()) {
    SCOPED_TRACE(r.where());
    const crypto::Profile* p = profile_of(r);
    ASSERT_NE(p, nullptr);
    const std::vector<uint8_t> base = r.hex("BaseKey");
    const uint32_t usage = r.num("Usage");
    // RFC 3961 §5.3: the DK constants are usage | 0x99 / 0xAA / 0x55.
    const std::pair<const char*, crypto::UsageKeyKind> constants[] = {
        {"ConstantKc", crypto::UsageKeyKind::kc},
        {"ConstantKe", crypto::UsageKeyKind::ke},
        {"ConstantKi", crypto::UsageKeyKind::ki},
    };
    for (const auto& [field, kind] : constants) {
      const auto c = crypto::usage_constant(usage, kind);
      EXPECT_EQ(to_hex(std::vector<uint8_t>(c.begin(), c.end())), to_hex(r.hex(field)));
    }
    check_derived_keys(r, *p, base, usage);  // Kc (Ke and Ki again below)
    auto keys = crypto::UsageKeys::derive(*p, base, usage);
    ASSERT_TRUE(keys.has_value());
    EXPECT_EQ(to_hex(checksum_split(*keys, r.hex("ChecksumData"), rng)), to_hex(r.hex("Checksum")));
    check_encryption(r, *p, base, usage, "AESOutput", "HMACOutput");
    EXPECT_EQ(to_hex(decrypt_split(*keys, r.hex("CiphertextMIT"), rng)), to_hex(r.hex("Plaintext")));
  }
}

}  // namespace
}  // namespace apx::test
