// The RFC 1964 / RFC 4757 primitives against MIT's libk5crypto where its public API reaches
// them: the DES3 checksum (HMAC-SHA1-DES3-KD, usage 23) and the RC4 one (HMAC-MD5-ARCFOUR,
// usages 23 → 13 and 15), DES3-CBC under the raw key (ENCTYPE_DES3_CBC_RAW, with and without
// an IV); RC4 itself against RFC 6229's keystream. Buffers split at every point.
#include <gtest/gtest.h>
#include <krb5/krb5.h>

#include <random>
#include <vector>

#include "crypto/legacy_keys.h"
#include "crypto/rc4.h"

namespace apx::test {
namespace {

using crypto::CryptoIov;
using crypto::IovKind;
using crypto::LegacyKeys;

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

std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (uint8_t& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

krb5_keyblock keyblock(int32_t enctype, std::vector<uint8_t>& key) {
  krb5_keyblock kb{};
  kb.magic = KV5M_KEYBLOCK;
  kb.enctype = enctype;
  kb.length = static_cast<unsigned int>(key.size());
  kb.contents = key.data();
  return kb;
}

std::vector<uint8_t> mit_checksum(krb5_cksumtype type, krb5_keyblock& kb, krb5_keyusage usage,
                                  const std::vector<uint8_t>& data) {
  Mit mit;
  krb5_data in{KV5M_DATA, static_cast<unsigned int>(data.size()),
               const_cast<char*>(reinterpret_cast<const char*>(data.data()))};
  krb5_checksum ck{};
  EXPECT_EQ(krb5_c_make_checksum(mit.get(), type, &kb, usage, &in, &ck), 0);
  std::vector<uint8_t> out(ck.contents, ck.contents + ck.length);
  krb5_free_checksum_contents(mit.get(), &ck);
  return out;
}

struct Case {
  int32_t enctype;
  size_t key_size;
  krb5_cksumtype cksumtype;
};
constexpr Case kCases[] = {{16, 24, CKSUMTYPE_HMAC_SHA1_DES3},
                           {23, 16, CKSUMTYPE_HMAC_MD5_ARCFOUR},
                           {24, 16, CKSUMTYPE_HMAC_MD5_ARCFOUR}};

TEST(LegacyDiff, ChecksumsMatchMitAtEverySplit) {
  std::mt19937 rng(1964);
  for (const Case& c : kCases) {
    for (bool wrap : {true, false}) {
      if (c.enctype == 16 && !wrap) continue;  // DES3 has one usage for both
      std::vector<uint8_t> key = random_bytes(rng, c.key_size);
      if (c.enctype == 16) {
        krb5_keyblock* fixed = nullptr;
        Mit mit;
        krb5_data rnd{KV5M_DATA, 21, reinterpret_cast<char*>(key.data())};
        ASSERT_EQ(krb5_init_keyblock(mit.get(), 16, 24, &fixed), 0);
        ASSERT_EQ(krb5_c_random_to_key(mit.get(), 16, &rnd, fixed), 0);
        key.assign(fixed->contents, fixed->contents + 24);
        krb5_free_keyblock(mit.get(), fixed);
      }
      auto keys = LegacyKeys::create(c.enctype, key);
      ASSERT_TRUE(keys) << c.enctype;
      const std::vector<uint8_t> msg = random_bytes(rng, 45);
      krb5_keyblock kb = keyblock(c.enctype, key);
      // MIT's GSS code passes KG_USAGE_SIGN (23) for Wrap and 15 for RC4 MICs.
      const std::vector<uint8_t> want = mit_checksum(c.cksumtype, kb, wrap ? 23 : 15, msg);
      for (size_t cut = 8; cut <= msg.size(); ++cut) {
        std::vector<uint8_t> a(msg.begin() + 8, msg.begin() + static_cast<ptrdiff_t>(cut));
        std::vector<uint8_t> b(msg.begin() + static_cast<ptrdiff_t>(cut), msg.end());
        const CryptoIov iov[] = {{IovKind::data, a}, {IovKind::sign_only, b}};
        std::vector<uint8_t> got(keys->checksum_size());
        ASSERT_TRUE(keys->checksum(wrap, std::span(msg).first(8), iov, got).ok());
        ASSERT_EQ(got, std::vector<uint8_t>(want.begin(), want.begin() + got.size()))
            << "enctype " << c.enctype << " cut " << cut;
      }
    }
  }
}

// MIT encrypts RFC 1964 DES3 data and SND_SEQ with ENCTYPE_DES3_CBC_RAW: CBC under the key
// itself, zero IV or the checksum's first 8 octets.
TEST(LegacyDiff, Des3CbcMatchesMitRawEnctype) {
  std::mt19937 rng(3);
  Mit mit;
  krb5_keyblock kb{};
  ASSERT_EQ(krb5_c_make_random_key(mit.get(), ENCTYPE_DES3_CBC_SHA1, &kb), 0);
  std::vector<uint8_t> key(kb.contents, kb.contents + kb.length);
  krb5_free_keyblock_contents(mit.get(), &kb);
  auto keys = LegacyKeys::create(16, key);
  ASSERT_TRUE(keys);
  krb5_keyblock raw = keyblock(ENCTYPE_DES3_CBC_RAW, key);
  const std::vector<uint8_t> plain = random_bytes(rng, 64);
  krb5_data in{KV5M_DATA, 64, const_cast<char*>(reinterpret_cast<const char*>(plain.data()))};
  std::vector<uint8_t> mit_out(64);
  krb5_enc_data enc{};
  enc.ciphertext = {KV5M_DATA, 64, reinterpret_cast<char*>(mit_out.data())};
  ASSERT_EQ(krb5_c_encrypt(mit.get(), &raw, 0, nullptr, &in, &enc), 0);
  for (size_t cut = 0; cut <= plain.size(); cut += 3) {
    std::vector<uint8_t> a(plain.begin(), plain.begin() + static_cast<ptrdiff_t>(cut));
    std::vector<uint8_t> b(plain.begin() + static_cast<ptrdiff_t>(cut), plain.end());
    const CryptoIov iov[] = {{IovKind::header, a}, {IovKind::data, b}};
    ASSERT_TRUE(keys->data_crypt(true, 0, iov).ok());
    a.insert(a.end(), b.begin(), b.end());
    ASSERT_EQ(a, mit_out) << "cut " << cut;
  }
  // SND_SEQ: 8 octets with an IV.
  const std::vector<uint8_t> cksum = random_bytes(rng, 20);
  std::vector<uint8_t> ivbuf(cksum.begin(), cksum.begin() + 8);
  krb5_data iv{KV5M_DATA, 8, reinterpret_cast<char*>(ivbuf.data())};
  krb5_data in8{KV5M_DATA, 8, const_cast<char*>(reinterpret_cast<const char*>(plain.data()))};
  std::vector<uint8_t> mit8(8);
  enc.ciphertext = {KV5M_DATA, 8, reinterpret_cast<char*>(mit8.data())};
  ASSERT_EQ(krb5_c_encrypt(mit.get(), &raw, 0, &iv, &in8, &enc), 0);
  std::array<uint8_t, 8> mine{}, back{};
  ASSERT_TRUE(keys->seq_crypt(true, cksum, std::span(plain).first<8>(), mine).ok());
  EXPECT_EQ(std::vector<uint8_t>(mine.begin(), mine.end()), mit8);
  ASSERT_TRUE(keys->seq_crypt(false, cksum, mine, back).ok());
  EXPECT_TRUE(std::equal(back.begin(), back.end(), plain.begin()));
  // A stream that is not whole blocks is refused.
  std::vector<uint8_t> odd(13);
  const CryptoIov bad[] = {{IovKind::data, odd}};
  EXPECT_FALSE(keys->data_crypt(true, 0, bad).ok());
}

// RFC 6229 §2, key 0x0102030405: keystream octets 0-15.
TEST(LegacyDiff, Rc4KeystreamRfc6229) {
  const uint8_t key[] = {1, 2, 3, 4, 5};
  crypto::Rc4 rc4(key);
  std::array<uint8_t, 16> ks{};
  rc4.apply(ks);
  const std::array<uint8_t, 16> want = {0xb2, 0x39, 0x63, 0x05, 0xf0, 0x3d, 0xc0, 0x27,
                                        0xcc, 0xc3, 0x52, 0x4a, 0x0a, 0x11, 0x18, 0xa8};
  EXPECT_EQ(ks, want);
}

TEST(LegacyDiff, Rc4DataRoundTripsAndDependsOnSeq) {
  std::mt19937 rng(4757);
  for (int32_t enctype : {23, 24}) {
    std::vector<uint8_t> key = random_bytes(rng, 16);
    auto keys = LegacyKeys::create(enctype, key);
    ASSERT_TRUE(keys);
    const std::vector<uint8_t> plain = random_bytes(rng, 40);
    std::vector<uint8_t> a = plain, b = plain;
    const CryptoIov ia[] = {{IovKind::data, a}};
    const CryptoIov ib[] = {{IovKind::data, b}};
    ASSERT_TRUE(keys->data_crypt(true, 7, ia).ok());
    ASSERT_TRUE(keys->data_crypt(true, 8, ib).ok());
    EXPECT_NE(a, plain);
    EXPECT_NE(a, b);
    ASSERT_TRUE(keys->data_crypt(false, 7, ia).ok());
    EXPECT_EQ(a, plain);
  }
}

TEST(LegacyDiff, WrongKeySizesRefused) {
  std::vector<uint8_t> k16(16), k24(24);
  EXPECT_FALSE(LegacyKeys::create(16, k16));
  EXPECT_FALSE(LegacyKeys::create(23, k24));
  EXPECT_FALSE(LegacyKeys::create(18, k24));
}

}  // namespace
}  // namespace apx::test
