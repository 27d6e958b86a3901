// camellia128-cts-cmac / camellia256-cts-cmac: RFC 6803 §10.
#include <gtest/gtest.h>

#include <random>

#include "crypto/usage_keys.h"
#include "kat_helpers.h"
#include "vector_file.h"

namespace apx::test {
namespace {

TEST(Camellia, Rfc6803Section10) {
  VectorFile f("camellia.txt", 30);
  std::mt19937 rng(6803);
  for (Record& r : f.records()) {
    SCOPED_TRACE(r.where());
    const crypto::Profile* p = profile_of(r);
    ASSERT_NE(p, nullptr);
    if (r.has("Password")) {
      check_string_to_key(r, *p);
      continue;
    }
    const uint32_t usage = r.num("Usage");
    if (r.has("Checksum")) {
      check_cksumtype(r, *p);
      const std::vector<uint8_t> key = r.hex("Key");
      check_derived_keys(r, *p, key, usage);
      auto keys = crypto::UsageKeys::derive(*p, key, usage);
      ASSERT_TRUE(keys.has_value());
      EXPECT_EQ(to_hex(checksum_split(*keys, r.hex("Data"), rng)), to_hex(r.hex("Checksum")));
      continue;
    }
    const std::vector<uint8_t> base = r.hex("BaseKey");
    if (r.has("Ciphertext"))
      check_encryption(r, *p, base, usage, "CamelliaOutput", "CMACOutput");
    else
      check_derived_keys(r, *p, base, usage);
  }
}

}  // namespace
}  // namespace apx::test
