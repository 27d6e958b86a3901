// Differential tests against MIT krb5's libk5crypto: whatever apx encrypts MIT decrypts
// and the other way round, checksums are identical, tampering fails on both sides. Every
// enctype, key usages 22-25, messages of 0..70000 bytes split at random points into data
// and sign_only buffers.
#include <gtest/gtest.h>
#include <krb5/krb5.h>

#include <random>
#include <vector>

#include "crypto/prf.h"
#include "crypto/usage_keys.h"
#include "iov_util.h"
#include "vector_file.h"

namespace apx::test {
namespace {

using crypto::CryptoIov;
using crypto::IovKind;
using crypto::Profile;

class Mit {
 public:
  Mit() { EXPECT_EQ(krb5_init_context(&ctx_), 0); }
  ~Mit() { krb5_free_context(ctx_); }
  Mit(const Mit&) = delete;
  Mit& operator=(const Mit&) = delete;
  krb5_context get() const { return ctx_; }

 private:
  krb5_context ctx_ = nullptr;
};

krb5_keyblock keyblock(const Profile& p, std::vector<uint8_t>& key) {
  krb5_keyblock kb{};
  kb.magic = KV5M_KEYBLOCK;
  kb.enctype = p.enctype;
  kb.length = static_cast<unsigned int>(key.size());
  kb.contents = key.data();
  return kb;
}

krb5_cryptotype mit_type(IovKind k, bool checksum) {
  switch (k) {
    case IovKind::header: return KRB5_CRYPTO_TYPE_HEADER;
    case IovKind::data: return KRB5_CRYPTO_TYPE_DATA;
    case IovKind::sign_only: return KRB5_CRYPTO_TYPE_SIGN_ONLY;
    case IovKind::padding: return KRB5_CRYPTO_TYPE_PADDING;
    case IovKind::trailer: return checksum ? KRB5_CRYPTO_TYPE_CHECKSUM : KRB5_CRYPTO_TYPE_TRAILER;
  }
  return KRB5_CRYPTO_TYPE_EMPTY;
}

// MIT's view of the same buffers (the trailer is the CHECKSUM buffer for checksums).
std::vector<krb5_crypto_iov> mit_iov(std::vector<Segment>& segs, bool checksum) {
  std::vector<krb5_crypto_iov> out;
  for (Segment& s : segs) {
    krb5_crypto_iov v{};
    v.flags = mit_type(s.kind, checksum);
    v.data.magic = KV5M_DATA;
    v.data.length = static_cast<unsigned int>(s.bytes.size());
    v.data.data = reinterpret_cast<char*>(s.bytes.data());
    out.push_back(v);
  }
  return out;
}

// A message of `length` bytes split into data and sign_only pieces, with a header and a
// trailer (and sometimes an empty padding buffer or a sign_only buffer before the header).
std::vector<Segment> random_message(const Profile& p, size_t length, std::mt19937& rng,
                                    bool with_header) {
  std::vector<Segment> segs;
  if (with_header && rng() % 4 == 0) segs.push_back({IovKind::sign_only, random_bytes(rng, 5)});
  if (with_header) segs.push_back({IovKind::header, std::vector<uint8_t>(p.confounder_size)});
  for (Segment& s : split(IovKind::data, random_bytes(rng, length), rng, 6)) {
    if (rng() % 3 == 0) s.kind = IovKind::sign_only;
    segs.push_back(std::move(s));
  }
  if (with_header && rng() % 3 == 0) segs.push_back({IovKind::padding, {}});
  segs.push_back({IovKind::trailer, std::vector<uint8_t>(p.checksum_size)});
  return segs;
}

void flip_random_bit(std::vector<Segment>& segs, std::mt19937& rng) {
  size_t total = 0;
  for (const Segment& s : segs) total += s.bytes.size();
  size_t bit = rng() % (total * 8);
  for (Segment& s : segs) {
    if (bit < s.bytes.size() * 8) {
      s.bytes[bit / 8] ^= static_cast<uint8_t>(1U << (bit % 8));
      return;
    }
    bit -= s.bytes.size() * 8;
  }
}

std::vector<size_t> lengths(std::mt19937& rng) {
  std::vector<size_t> v = {0,   1,   2,    15,   16,   17,   31,   32,    33,    47,   48, 49,
                           63,  64,  65,   100,  255,  256,  1000, 1023,  1024,  4095, 4096,
                           65535, 65536, 70000};
  for (int i = 0; i < 6; ++i) v.push_back(std::uniform_int_distribution<size_t>(0, 70000)(rng));
  for (int i = 0; i < 4; ++i) v.push_back(std::uniform_int_distribution<size_t>(0, 300)(rng));
  return v;
}

class MitDiff : public ::testing::TestWithParam<int32_t> {
 protected:
  void SetUp() override {
    p_ = crypto::find_profile(GetParam());
    ASSERT_NE(p_, nullptr);
    rng_.seed(static_cast<uint32_t>(GetParam()));
    key_ = random_bytes(rng_, p_->key_size);
    kb_ = keyblock(*p_, key_);
  }

  void encrypt_both_ways(const crypto::UsageKeys& keys, uint32_t usage, size_t length);
  void checksum_both_ways(const crypto::UsageKeys& keys, uint32_t usage, size_t length);

  Mit mit_;
  const Profile* p_ = nullptr;
  std::mt19937 rng_;
  std::vector<uint8_t> key_;
  krb5_keyblock kb_{};
};

void MitDiff::encrypt_both_ways(const crypto::UsageKeys& keys, uint32_t usage, size_t length) {
  const std::vector<Segment> plain = random_message(*p_, length, rng_, true);

  // apx encrypts, MIT decrypts.
  std::vector<Segment> a = plain;
  std::vector<CryptoIov> a_iov = iov_of(a);
  ASSERT_TRUE(keys.encrypt_iov(a_iov).ok());
  if (concat(plain, is_data).size() >= 8) {
    EXPECT_NE(concat(a, is_data), concat(plain, is_data)) << "not encrypted?";
  }
  std::vector<Segment> a_tampered = a;
  std::vector<krb5_crypto_iov> m = mit_iov(a, false);
  ASSERT_EQ(krb5_c_decrypt_iov(mit_.get(), &kb_, usage, nullptr, m.data(), m.size()), 0);
  EXPECT_EQ(concat(a, is_data), concat(plain, is_data));
  EXPECT_EQ(concat(a, [](IovKind k) { return k == IovKind::sign_only; }),
            concat(plain, [](IovKind k) { return k == IovKind::sign_only; }));
  flip_random_bit(a_tampered, rng_);
  m = mit_iov(a_tampered, false);
  EXPECT_NE(krb5_c_decrypt_iov(mit_.get(), &kb_, usage, nullptr, m.data(), m.size()), 0);

  // MIT encrypts, apx decrypts.
  std::vector<Segment> b = plain;
  m = mit_iov(b, false);
  ASSERT_EQ(krb5_c_encrypt_iov(mit_.get(), &kb_, usage, nullptr, m.data(), m.size()), 0);
  std::vector<Segment> b_tampered = b;
  std::vector<CryptoIov> b_iov = iov_of(b);
  const base::Status s = keys.decrypt_iov(b_iov);
  ASSERT_TRUE(s.ok()) << "major " << s.major() << " minor " << s.minor();
  EXPECT_EQ(concat(b, is_data), concat(plain, is_data));
  flip_random_bit(b_tampered, rng_);
  b_iov = iov_of(b_tampered);
  EXPECT_EQ(keys.decrypt_iov(b_iov).major(), static_cast<OM_uint32>(GSS_S_BAD_SIG));
}

void MitDiff::checksum_both_ways(const crypto::UsageKeys& keys, uint32_t usage, size_t length) {
  std::vector<Segment> a = random_message(*p_, length, rng_, false);
  std::vector<Segment> b = a;
  std::vector<CryptoIov> a_iov = iov_of(a);
  ASSERT_TRUE(keys.make_checksum_iov(a_iov).ok());
  std::vector<krb5_crypto_iov> m = mit_iov(b, true);
  ASSERT_EQ(krb5_c_make_checksum_iov(mit_.get(), 0, &kb_, usage, m.data(), m.size()), 0);
  EXPECT_EQ(to_hex(first_of(a, IovKind::trailer).bytes), to_hex(first_of(b, IovKind::trailer).bytes));
  // Each side verifies the other's checksum.
  std::vector<CryptoIov> b_iov = iov_of(b);
  EXPECT_TRUE(keys.verify_checksum_iov(b_iov).ok());
  m = mit_iov(a, true);
  krb5_boolean valid = false;
  ASSERT_EQ(krb5_c_verify_checksum_iov(mit_.get(), 0, &kb_, usage, m.data(), m.size(), &valid), 0);
  EXPECT_TRUE(valid);
  flip_random_bit(a, rng_);
  a_iov = iov_of(a);
  EXPECT_EQ(keys.verify_checksum_iov(a_iov).major(), static_cast<OM_uint32>(GSS_S_BAD_SIG));
}

TEST_P(MitDiff, SizesMatchMit) {
  size_t keybytes = 0, keylength = 0, cksum = 0, prf = 0;
  unsigned int header = 0, trailer = 0, padding = 1;
  ASSERT_EQ(krb5_c_keylengths(mit_.get(), p_->enctype, &keybytes, &keylength), 0);
  EXPECT_EQ(keylength, p_->key_size);
  ASSERT_EQ(krb5_c_checksum_length(mit_.get(), p_->cksumtype, &cksum), 0);
  EXPECT_EQ(cksum, p_->checksum_size);
  ASSERT_EQ(krb5_c_crypto_length(mit_.get(), p_->enctype, KRB5_CRYPTO_TYPE_HEADER, &header), 0);
  EXPECT_EQ(header, p_->confounder_size);
  ASSERT_EQ(krb5_c_crypto_length(mit_.get(), p_->enctype, KRB5_CRYPTO_TYPE_TRAILER, &trailer), 0);
  EXPECT_EQ(trailer, p_->checksum_size);
  ASSERT_EQ(krb5_c_crypto_length(mit_.get(), p_->enctype, KRB5_CRYPTO_TYPE_PADDING, &padding), 0);
  EXPECT_EQ(padding, 0U);
  ASSERT_EQ(krb5_c_prf_length(mit_.get(), p_->enctype, &prf), 0);
  EXPECT_EQ(prf, crypto::prf_size(*p_));
}

TEST_P(MitDiff, EncryptDecryptAndChecksumAgreeWithMit) {
  const std::vector<size_t> lens = lengths(rng_);
  for (uint32_t usage = 22; usage <= 25; ++usage) {
    auto keys = crypto::UsageKeys::derive(*p_, key_, usage);
    ASSERT_TRUE(keys.has_value());
    for (size_t length : lens) {
      SCOPED_TRACE(testing::Message() << "usage " << usage << " length " << length);
      encrypt_both_ways(*keys, usage, length);
      checksum_both_ways(*keys, usage, length);
      if (HasFatalFailure()) return;
    }
  }
}

TEST_P(MitDiff, PrfAgreesWithMit) {
  for (size_t length : {0, 1, 4, 16, 20, 33, 100, 1000}) {
    std::vector<uint8_t> input = random_bytes(rng_, length);
    std::vector<uint8_t> ours(crypto::prf_size(*p_));
    ASSERT_TRUE(crypto::prf(*p_, key_, input, ours).ok());
    std::vector<uint8_t> theirs(ours.size());
    krb5_data in{KV5M_DATA, static_cast<unsigned int>(input.size()),
                 reinterpret_cast<char*>(input.data())};
    krb5_data out{KV5M_DATA, static_cast<unsigned int>(theirs.size()),
                  reinterpret_cast<char*>(theirs.data())};
    ASSERT_EQ(krb5_c_prf(mit_.get(), &kb_, &in, &out), 0);
    EXPECT_EQ(to_hex(ours), to_hex(theirs)) << "input length " << length;
  }
}

INSTANTIATE_TEST_SUITE_P(AllEnctypes, MitDiff, ::testing::Values(17, 18, 19, 20, 25, 26),
                         [](const testing::TestParamInfo<int32_t>& i) {
                           return "enctype" + std::to_string(i.param);
                         });

}  // namespace
}  // namespace apx::test
