#include "kat_helpers.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <string>

#include "crypto/cbc_key.h"
#include "crypto/cts.h"
#include "crypto/kdf.h"
#include "crypto/mac.h"
#include "iov_util.h"

namespace apx::test {

using crypto::CryptoIov;
using crypto::IovKind;
using crypto::Profile;

namespace {

const char* cksumtype_name(int32_t cksumtype) {
  switch (cksumtype) {
    case 15: return "hmac-sha1-96-aes128";
    case 16: return "hmac-sha1-96-aes256";
    case 17: return "cmac-camellia128";
    case 18: return "cmac-camellia256";
    case 19: return "hmac-sha256-128-aes128";
    case 20: return "hmac-sha384-192-aes256";
  }
  return "?";
}

const EVP_MD* pbkdf2_digest(const Profile& p) {
  // RFC 8009 §4 uses the enctype's hash; RFC 3962 §4 and RFC 6803 §4 use HMAC-SHA1.
  if (p.mac == crypto::MacAlg::kHmacSha256) return EVP_sha256();
  if (p.mac == crypto::MacAlg::kHmacSha384) return EVP_sha384();
  return EVP_sha1();
}

std::vector<uint8_t> bytes_of(const base::SecretBytes& s) {
  return std::vector<uint8_t>(s.span().begin(), s.span().end());
}

}  // namespace

const Profile* profile_of(Record& r) {
  const std::string name = r.text("Enctype");
  const uint32_t num = r.num("EnctypeNum");
  const Profile* p = crypto::find_profile(static_cast<int32_t>(num));
  if (!p) {
    ADD_FAILURE() << r.where() << ": enctype " << num << " unsupported";
    return nullptr;
  }
  EXPECT_EQ(name, p->name) << r.where();
  return name == p->name ? p : nullptr;
}

void check_cksumtype(Record& r, const Profile& p) {
  EXPECT_EQ(r.text("Cksumtype"), cksumtype_name(p.cksumtype)) << r.where();
  EXPECT_EQ(r.num("CksumtypeNum"), static_cast<uint32_t>(p.cksumtype)) << r.where();
}

void check_string_to_key(Record& r, const Profile& p) {
  const std::vector<uint8_t> password = r.hex("Password");
  const std::vector<uint8_t> salt = r.hex("Salt");
  const uint32_t iterations = r.num("Iterations");
  const std::vector<uint8_t> params = r.hex("Params");
  // RFC 3962 §4: the s2kparams are the iteration count as a 4-byte big-endian number.
  const std::vector<uint8_t> want_params = {
      static_cast<uint8_t>(iterations >> 24), static_cast<uint8_t>(iterations >> 16),
      static_cast<uint8_t>(iterations >> 8), static_cast<uint8_t>(iterations)};
  EXPECT_EQ(to_hex(params), to_hex(want_params)) << r.where();
  std::vector<uint8_t> pbkdf2_salt = salt;
  if (p.family != crypto::Family::kDkHmacSha1) {
    // RFC 8009 §4, RFC 6803 §4: saltp = enctype-name | 0x00 | salt.
    pbkdf2_salt.assign(p.name, p.name + std::strlen(p.name));
    pbkdf2_salt.push_back(0);
    pbkdf2_salt.insert(pbkdf2_salt.end(), salt.begin(), salt.end());
    EXPECT_EQ(to_hex(r.hex("Saltp")), to_hex(pbkdf2_salt)) << r.where();
  }
  std::vector<uint8_t> tkey(p.key_size);
  ASSERT_EQ(PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()),
                              static_cast<int>(password.size()), pbkdf2_salt.data(),
                              static_cast<int>(pbkdf2_salt.size()), static_cast<int>(iterations),
                              pbkdf2_digest(p), static_cast<int>(tkey.size()), tkey.data()),
            1);
  if (r.has("PBKDF2")) {
    EXPECT_EQ(to_hex(tkey), to_hex(r.hex("PBKDF2"))) << r.where();
  }
  // key = random-to-key(KDF(tkey, "kerberos")): DK, KDF-HMAC-SHA2 or KDF-FEEDBACK-CMAC.
  static constexpr std::array<uint8_t, 8> kKerberos{'k', 'e', 'r', 'b', 'e', 'r', 'o', 's'};
  auto key = crypto::derive_key(p, tkey, kKerberos, p.key_size);
  ASSERT_TRUE(key.has_value()) << r.where();
  EXPECT_EQ(to_hex(bytes_of(*key)), to_hex(r.hex("Key"))) << r.where();
}

void check_derived_keys(Record& r, const Profile& p, const std::vector<uint8_t>& base_key,
                        uint32_t usage) {
  const std::pair<const char*, crypto::UsageKeyKind> kinds[] = {
      {"Kc", crypto::UsageKeyKind::kc},
      {"Ke", crypto::UsageKeyKind::ke},
      {"Ki", crypto::UsageKeyKind::ki},
  };
  for (const auto& [field, kind] : kinds) {
    if (!r.has(field)) continue;
    auto k = crypto::derive_usage_key(p, base_key, usage, kind);
    ASSERT_TRUE(k.has_value()) << r.where() << " " << field;
    EXPECT_EQ(to_hex(bytes_of(*k)), to_hex(r.hex(field))) << r.where() << " " << field;
  }
}

void check_encryption(Record& r, const Profile& p, const std::vector<uint8_t>& base_key,
                      uint32_t usage, const char* cipher_field, const char* mac_field) {
  const std::vector<uint8_t> plaintext = r.hex("Plaintext");
  const std::vector<uint8_t> confounder = r.hex("Confounder");
  const std::vector<uint8_t> ke = r.hex("Ke");
  const std::vector<uint8_t> ki = r.hex("Ki");
  check_derived_keys(r, p, base_key, usage);  // Ke, Ki (and Kc when present)

  // C = CTS(Ke, IV 0, confounder | plaintext).
  std::vector<uint8_t> c = confounder;
  c.insert(c.end(), plaintext.begin(), plaintext.end());
  const std::vector<uint8_t> signed_plain = c;
  auto cbc = crypto::CbcKey::create(p.cbc_cipher, ke, crypto::CbcKey::Direction::encrypt);
  ASSERT_TRUE(cbc.has_value());
  std::array<uint8_t, crypto::kBlockSize> state{};
  const CryptoIov one[] = {{IovKind::data, std::span<uint8_t>(c)}};
  ASSERT_TRUE(crypto::cts_encrypt(*cbc, one, state).ok());
  EXPECT_EQ(to_hex(c), to_hex(r.hex(cipher_field))) << r.where();

  // H = MAC(Ki, IV | C) for RFC 8009, MAC(Ki, confounder | plaintext) otherwise.
  std::vector<uint8_t> mac_input = signed_plain;
  if (p.family == crypto::Family::kKdfHmacSha2) {
    mac_input.assign(crypto::kBlockSize, 0);
    mac_input.insert(mac_input.end(), c.begin(), c.end());
  }
  auto mac = crypto::Mac::create(p, ki);
  ASSERT_TRUE(mac.has_value());
  std::vector<uint8_t> h(p.checksum_size);
  ASSERT_TRUE(mac->begin().ok());
  ASSERT_TRUE(mac->update(mac_input).ok());
  ASSERT_TRUE(mac->finish(h).ok());
  EXPECT_EQ(to_hex(h), to_hex(r.hex(mac_field))) << r.where();

  const std::vector<uint8_t> ciphertext = r.hex("Ciphertext");
  std::vector<uint8_t> whole = c;
  whole.insert(whole.end(), h.begin(), h.end());
  EXPECT_EQ(to_hex(whole), to_hex(ciphertext)) << r.where();

  auto keys = crypto::UsageKeys::derive(p, base_key, usage);
  ASSERT_TRUE(keys.has_value());
  std::mt19937 rng(usage);
  EXPECT_EQ(to_hex(decrypt_split(*keys, ciphertext, rng)), to_hex(plaintext)) << r.where();
}

std::vector<uint8_t> decrypt_split(const crypto::UsageKeys& keys,
                                   const std::vector<uint8_t>& ciphertext, std::mt19937& rng) {
  const Profile& p = keys.profile();
  if (ciphertext.size() < p.confounder_size + p.checksum_size) {
    ADD_FAILURE() << "ciphertext too short";
    return {};
  }
  const auto body = ciphertext.begin() + static_cast<std::ptrdiff_t>(p.confounder_size);
  const auto tag = ciphertext.end() - static_cast<std::ptrdiff_t>(p.checksum_size);
  std::vector<Segment> segs;
  segs.push_back({IovKind::header, std::vector<uint8_t>(ciphertext.begin(), body)});
  for (Segment& s : split(IovKind::data, std::vector<uint8_t>(body, tag), rng, 5))
    segs.push_back(std::move(s));
  segs.push_back({IovKind::trailer, std::vector<uint8_t>(tag, ciphertext.end())});
  std::vector<CryptoIov> iov = iov_of(segs);
  const base::Status s = keys.decrypt_iov(iov);
  EXPECT_TRUE(s.ok()) << "decrypt_iov: major " << s.major() << " minor " << s.minor();
  return concat(segs, is_data);
}

std::vector<uint8_t> checksum_split(const crypto::UsageKeys& keys, const std::vector<uint8_t>& data,
                                    std::mt19937& rng) {
  std::vector<Segment> segs = split(IovKind::data, data, rng, 4);
  for (Segment& s : segs)
    if (rng() % 2) s.kind = IovKind::sign_only;
  segs.insert(segs.begin() + static_cast<std::ptrdiff_t>(rng() % (segs.size() + 1)),
              Segment{IovKind::trailer, std::vector<uint8_t>(keys.profile().checksum_size)});
  std::vector<CryptoIov> iov = iov_of(segs);
  const base::Status s = keys.make_checksum_iov(iov);
  EXPECT_TRUE(s.ok()) << "make_checksum_iov: major " << s.major() << " minor " << s.minor();
  EXPECT_TRUE(keys.verify_checksum_iov(iov).ok());
  return first_of(segs, IovKind::trailer).bytes;
}

}  // namespace apx::test
