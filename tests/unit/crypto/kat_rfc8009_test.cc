// aes128-cts-hmac-sha256-128 / aes256-cts-hmac-sha384-192: RFC 8009 Appendix A.
#include <gtest/gtest.h>

#include <random>

#include "crypto/prf.h"
#include "crypto/usage_keys.h"
#include "kat_helpers.h"
#include "vector_file.h"

namespace apx::test {
namespace {

TEST(Rfc8009, AppendixA) {
  VectorFile f("rfc8009.txt", 16);
  std::mt19937 rng(8009);
  for (Record& r : f.records()) {
    SCOPED_TRACE(r.where());
    const crypto::Profile* p = profile_of(r);
    ASSERT_NE(p, nullptr);
    if (r.has("Password")) {
      check_string_to_key(r, *p);
      continue;
    }
    const std::vector<uint8_t> base = r.hex("BaseKey");
    if (r.has("Input")) {  // RFC 8009 §5 PRF
      std::vector<uint8_t> out(crypto::prf_size(*p));
      ASSERT_TRUE(crypto::prf(*p, base, r.hex("Input"), out).ok());
      EXPECT_EQ(to_hex(out), to_hex(r.hex("Output")));
      continue;
    }
    const uint32_t usage = r.num("Usage");
    if (r.has("Checksum")) {
      check_cksumtype(r, *p);
      check_derived_keys(r, *p, base, usage);
      auto keys = crypto::UsageKeys::derive(*p, base, usage);
      ASSERT_TRUE(keys.has_value());
      EXPECT_EQ(to_hex(checksum_split(*keys, r.hex("Data"), rng)), to_hex(r.hex("Checksum")));
    } else if (r.has("Ciphertext")) {
      check_encryption(r, *p, base, usage, "AESOutput", "HMACOutput");
    } else {
      check_derived_keys(r, *p, base, usage);
    }
  }
}

}  // namespace
}  // namespace apx::test
