// Misuse and hostile input: wrong IOV shapes, truncated headers and trailers, flipped
// bits, unsupported enctypes and key sizes. Each gives an error, never a crash, and no
// plaintext is left behind by a failed integrity check.
#include <gtest/gtest.h>

#include <climits>
#include <optional>
#include <random>
#include <vector>

#include "crypto/prf.h"
#include "crypto/usage_keys.h"
#include "iov_util.h"

namespace apx::test {
namespace {

using base::Minor;
using crypto::CryptoIov;
using crypto::IovKind;
using crypto::Profile;

const OM_uint32 kIovInvalid = base::code(Minor::kMsgIovInvalid);

TEST(Profiles, UnsupportedEnctypesHaveNoProfile) {
  for (int32_t e : {INT32_MIN, -128, -1, 0, 1, 2, 3, 16, 23, 24, 21, 27, INT32_MAX})
    EXPECT_EQ(crypto::find_profile(e), nullptr) << e;
}

class Hostile : public ::testing::TestWithParam<int32_t> {
 protected:
  void SetUp() override {
    p_ = crypto::find_profile(GetParam());
    ASSERT_NE(p_, nullptr);
    rng_.seed(static_cast<uint32_t>(GetParam()) * 7);
    key_ = random_bytes(rng_, p_->key_size);
    auto k = crypto::UsageKeys::derive(*p_, key_, 22);
    ASSERT_TRUE(k.has_value());
    keys_.emplace(std::move(*k));
  }

  std::vector<Segment> message(size_t header, size_t length, size_t trailer) {
    return {{IovKind::header, std::vector<uint8_t>(header, 0x11)},
            {IovKind::data, random_bytes(rng_, length)},
            {IovKind::trailer, std::vector<uint8_t>(trailer, 0x22)}};
  }

  // encrypt, decrypt, checksum and verify all refuse `segs` as kMsgIovInvalid (checksums
  // only when `checksum_too`) and leave every buffer as it was.
  void expect_refused(std::vector<Segment> segs, bool checksum_too) {
    const std::vector<Segment> before = segs;
    std::vector<CryptoIov> iov = iov_of(segs);
    base::Status s = keys_->encrypt_iov(iov);
    EXPECT_EQ(s.major(), static_cast<OM_uint32>(GSS_S_FAILURE));
    EXPECT_EQ(s.minor(), kIovInvalid);
    EXPECT_EQ(keys_->decrypt_iov(iov).minor(), kIovInvalid);
    if (checksum_too) {
      EXPECT_EQ(keys_->make_checksum_iov(iov).minor(), kIovInvalid);
      EXPECT_EQ(keys_->verify_checksum_iov(iov).minor(), kIovInvalid);
    }
    for (size_t i = 0; i < segs.size(); ++i) EXPECT_EQ(segs[i].bytes, before[i].bytes) << i;
  }

  const Profile* p_ = nullptr;
  std::mt19937 rng_;
  std::vector<uint8_t> key_;
  std::optional<crypto::UsageKeys> keys_;
};

TEST_P(Hostile, WrongKeySizesAreRefused) {
  for (size_t n : {size_t{0}, p_->key_size - 1, p_->key_size + 1, size_t{64}}) {
    const std::vector<uint8_t> key(n, 1);
    EXPECT_FALSE(crypto::UsageKeys::derive(*p_, key, 22).has_value()) << n;
    std::vector<uint8_t> out(crypto::prf_size(*p_));
    EXPECT_FALSE(crypto::prf(*p_, key, out, out).ok()) << n;
  }
  std::vector<uint8_t> short_out(crypto::prf_size(*p_) - 1);
  EXPECT_FALSE(crypto::prf(*p_, key_, key_, short_out).ok());
}

TEST_P(Hostile, TruncatedOrOversizedHeaderAndTrailer) {
  const size_t h = p_->confounder_size;
  const size_t t = p_->checksum_size;
  for (size_t header : {size_t{0}, size_t{1}, h - 1, h + 1, 2 * h})
    expect_refused(message(header, 40, t), false);
  for (size_t trailer : {size_t{0}, size_t{1}, t - 1, t + 1, 2 * t})
    expect_refused(message(h, 40, trailer), true);
}

TEST_P(Hostile, MissingOrDuplicatedBuffers) {
  const size_t h = p_->confounder_size;
  const size_t t = p_->checksum_size;
  expect_refused({}, true);
  expect_refused({{IovKind::data, random_bytes(rng_, 40)}}, true);
  expect_refused({{IovKind::data, random_bytes(rng_, 40)},
                  {IovKind::trailer, std::vector<uint8_t>(t)}},
                 false);  // no header (a checksum needs none)
  expect_refused({{IovKind::header, std::vector<uint8_t>(h)},
                  {IovKind::data, random_bytes(rng_, 40)}},
                 true);  // no trailer
  expect_refused({{IovKind::header, std::vector<uint8_t>(h)},
                  {IovKind::header, std::vector<uint8_t>(h)},
                  {IovKind::trailer, std::vector<uint8_t>(t)}},
                 false);
  expect_refused({{IovKind::header, std::vector<uint8_t>(h)},
                  {IovKind::trailer, std::vector<uint8_t>(t)},
                  {IovKind::trailer, std::vector<uint8_t>(t)}},
                 true);
  // The CTS enctypes have no padding: a non-empty padding buffer is a caller error.
  expect_refused({{IovKind::header, std::vector<uint8_t>(h)},
                  {IovKind::padding, std::vector<uint8_t>(16)},
                  {IovKind::trailer, std::vector<uint8_t>(t)}},
                 false);
}

TEST_P(Hostile, EmptyMessagesRoundTrip) {
  // Header and trailer only, and header + empty data + empty padding + trailer.
  for (bool with_empty : {false, true}) {
    std::vector<Segment> segs = {{IovKind::header, std::vector<uint8_t>(p_->confounder_size)}};
    if (with_empty) {
      segs.push_back({IovKind::data, {}});
      segs.push_back({IovKind::padding, {}});
    }
    segs.push_back({IovKind::trailer, std::vector<uint8_t>(p_->checksum_size)});
    std::vector<CryptoIov> iov = iov_of(segs);
    ASSERT_TRUE(keys_->encrypt_iov(iov).ok());
    EXPECT_TRUE(keys_->decrypt_iov(iov).ok());
  }
}

TEST_P(Hostile, EveryFlippedBitFailsAndLeavesNoPlaintext) {
  const std::vector<uint8_t> plaintext = random_bytes(rng_, 21);
  std::vector<Segment> good = message(p_->confounder_size, 0, p_->checksum_size);
  good[1].bytes = plaintext;
  std::vector<CryptoIov> iov = iov_of(good);
  ASSERT_TRUE(keys_->encrypt_iov(iov).ok());
  const size_t bits = (p_->confounder_size + plaintext.size() + p_->checksum_size) * 8;
  for (size_t bit = 0; bit < bits; ++bit) {
    std::vector<Segment> bad = good;
    size_t b = bit;
    for (Segment& s : bad) {
      if (b < s.bytes.size() * 8) {
        s.bytes[b / 8] ^= static_cast<uint8_t>(1U << (b % 8));
        break;
      }
      b -= s.bytes.size() * 8;
    }
    const std::vector<uint8_t> ciphertext = bad[1].bytes;
    std::vector<CryptoIov> bad_iov = iov_of(bad);
    const base::Status s = keys_->decrypt_iov(bad_iov);
    ASSERT_EQ(s.major(), static_cast<OM_uint32>(GSS_S_BAD_SIG)) << "bit " << bit;
    EXPECT_EQ(s.minor(), base::code(Minor::kMsgBadIntegrity));
    if (p_->family == crypto::Family::kKdfHmacSha2) {
      EXPECT_EQ(bad[1].bytes, ciphertext) << "RFC 8009 must verify before decrypting";
    } else {
      EXPECT_EQ(bad[1].bytes, std::vector<uint8_t>(plaintext.size(), 0)) << "plaintext left";
      EXPECT_EQ(bad[0].bytes, std::vector<uint8_t>(p_->confounder_size, 0));
    }
  }
  std::vector<CryptoIov> good_iov = iov_of(good);
  ASSERT_TRUE(keys_->decrypt_iov(good_iov).ok());
  EXPECT_EQ(good[1].bytes, plaintext);
}

TEST_P(Hostile, TruncatedCiphertextFails) {
  std::vector<Segment> good = message(p_->confounder_size, 64, p_->checksum_size);
  std::vector<CryptoIov> iov = iov_of(good);
  ASSERT_TRUE(keys_->encrypt_iov(iov).ok());
  for (size_t cut = 1; cut <= 64; ++cut) {
    std::vector<Segment> bad = good;
    bad[1].bytes.resize(64 - cut);
    std::vector<CryptoIov> bad_iov = iov_of(bad);
    EXPECT_EQ(keys_->decrypt_iov(bad_iov).major(), static_cast<OM_uint32>(GSS_S_BAD_SIG)) << cut;
  }
}

TEST_P(Hostile, KeysOfOtherUsagesDoNotVerify) {
  std::vector<Segment> msg = message(p_->confounder_size, 30, p_->checksum_size);
  std::vector<CryptoIov> iov = iov_of(msg);
  ASSERT_TRUE(keys_->encrypt_iov(iov).ok());
  std::vector<Segment> mic = {{IovKind::data, random_bytes(rng_, 30)},
                              {IovKind::trailer, std::vector<uint8_t>(p_->checksum_size)}};
  std::vector<CryptoIov> mic_iov = iov_of(mic);
  ASSERT_TRUE(keys_->make_checksum_iov(mic_iov).ok());
  for (uint32_t usage : {23U, 24U, 25U}) {
    auto other = crypto::UsageKeys::derive(*p_, key_, usage);
    ASSERT_TRUE(other.has_value());
    std::vector<Segment> copy = msg;
    std::vector<CryptoIov> copy_iov = iov_of(copy);
    EXPECT_EQ(other->decrypt_iov(copy_iov).major(), static_cast<OM_uint32>(GSS_S_BAD_SIG));
    EXPECT_EQ(other->verify_checksum_iov(mic_iov).major(), static_cast<OM_uint32>(GSS_S_BAD_SIG));
  }
}

INSTANTIATE_TEST_SUITE_P(AllEnctypes, Hostile, ::testing::Values(17, 18, 19, 20, 25, 26),
                         [](const testing::TestParamInfo<int32_t>& i) {
                           return "enctype" + std::to_string(i.param);
                         });

}  // namespace
}  // namespace apx::test
