// Checksums and ciphertexts made by MIT krb5 1.20.1 for the GSS key usages 22-25.
#include <gtest/gtest.h>

#include <random>

#include "crypto/usage_keys.h"
#include "iov_util.h"
#include "kat_helpers.h"
#include "vector_file.h"

namespace apx::test {
namespace {

using crypto::CryptoIov;
using crypto::IovKind;

TEST(MitVectors, Checksums) {
  VectorFile f("checksums_mit.txt", 200);
  std::mt19937 rng(25);
  for (Record& r : f.records()) {
    SCOPED_TRACE(r.where());
    const crypto::Profile* p = profile_of(r);
    ASSERT_NE(p, nullptr);
    check_cksumtype(r, *p);
    auto keys = crypto::UsageKeys::derive(*p, r.hex("Key"), r.num("Usage"));
    ASSERT_TRUE(keys.has_value());
    std::vector<uint8_t> data = r.hex("Data");
    std::vector<uint8_t> want = r.hex("Checksum");
    EXPECT_EQ(to_hex(checksum_split(*keys, data, rng)), to_hex(want));
    // Any flipped bit of the checksum fails verification.
    for (size_t bit = 0; bit < want.size() * 8; bit += 7) {
      std::vector<uint8_t> bad = want;
      bad[bit / 8] ^= static_cast<uint8_t>(1U << (bit % 8));
      const CryptoIov iov[] = {{IovKind::data, std::span<uint8_t>(data)},
                               {IovKind::trailer, std::span<uint8_t>(bad)}};
      const base::Status s = keys->verify_checksum_iov(iov);
      EXPECT_EQ(s.major(), static_cast<OM_uint32>(GSS_S_BAD_SIG));
      EXPECT_EQ(s.minor(), base::code(base::Minor::kMsgBadIntegrity));
    }
  }
}

TEST(MitVectors, Decrypt) {
  VectorFile f("decrypt_mit.txt", 100);
  std::mt19937 rng(24);
  for (Record& r : f.records()) {
    SCOPED_TRACE(r.where());
    const crypto::Profile* p = profile_of(r);
    ASSERT_NE(p, nullptr);
    auto keys = crypto::UsageKeys::derive(*p, r.hex("Key"), r.num("Usage"));
    ASSERT_TRUE(keys.has_value());
    const std::vector<uint8_t> ciphertext = r.hex("Ciphertext");
    EXPECT_EQ(to_hex(decrypt_split(*keys, ciphertext, rng)), to_hex(r.hex("Plaintext")));
    // One flipped bit anywhere (confounder, body or tag) is an integrity failure.
    const size_t bit = rng() % (ciphertext.size() * 8);
    std::vector<uint8_t> bad = ciphertext;
    bad[bit / 8] ^= static_cast<uint8_t>(1U << (bit % 8));
    const size_t body = bad.size() - p->confounder_size - p->checksum_size;
    std::vector<Segment> segs = {
        {IovKind::header, {bad.begin(), bad.begin() + 16}},
        {IovKind::data, {bad.begin() + 16, bad.begin() + 16 + static_cast<std::ptrdiff_t>(body)}},
        {IovKind::trailer, {bad.end() - static_cast<std::ptrdiff_t>(p->checksum_size), bad.end()}},
    };
    std::vector<CryptoIov> iov = iov_of(segs);
    const base::Status s = keys->decrypt_iov(iov);
    EXPECT_EQ(s.major(), static_cast<OM_uint32>(GSS_S_BAD_SIG)) << "bit " << bit;
  }
}

}  // namespace
}  // namespace apx::test
