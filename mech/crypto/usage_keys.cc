#include "crypto/usage_keys.h"

#include <openssl/crypto.h>

#include <array>

#include "crypto/cbc_key.h"
#include "crypto/confounder_pool.h"
#include "crypto/cts.h"
#include "crypto/kdf.h"
#include "crypto/mac.h"

namespace apx::crypto {

using base::Minor;
using base::Result;
using base::Status;

namespace {

constexpr size_t kMaxTag = 48;
constexpr std::array<uint8_t, kBlockSize> kZeroIv{};

// The header and trailer of a well-formed IOV list.
struct Layout {
  std::span<uint8_t> header;
  std::span<uint8_t> trailer;
};

Result<Layout> find_layout(const Profile& p, std::span<const CryptoIov> iov, bool need_header) {
  Layout l;
  int headers = 0;
  int trailers = 0;
  for (const CryptoIov& b : iov) {
    switch (b.kind) {
      case IovKind::header:
        ++headers;
        l.header = b.buf;
        break;
      case IovKind::trailer:
        ++trailers;
        l.trailer = b.buf;
        break;
      case IovKind::padding:
        // The CTS enctypes need no padding (RFC 3962 §5, RFC 8009 §5, RFC 6803 §5).
        if (need_header && !b.buf.empty()) return Status::failure(Minor::kMsgIovInvalid);
        break;
      case IovKind::data:
      case IovKind::sign_only:
        break;
    }
  }
  if (trailers != 1 || l.trailer.size() != p.checksum_size)
    return Status::failure(Minor::kMsgIovInvalid);
  if (need_header && (headers != 1 || l.header.size() != p.confounder_size))
    return Status::failure(Minor::kMsgIovInvalid);
  return l;
}

// Compares a computed tag with the received one in constant time.
Status check_tag(std::span<const uint8_t> computed, std::span<const uint8_t> received) {
  if (computed.size() != received.size() ||
      CRYPTO_memcmp(computed.data(), received.data(), computed.size()) != 0)
    return Status::bad_mic(Minor::kMsgBadIntegrity);
  return Status::complete();
}

void wipe_encrypted(std::span<const CryptoIov> iov) {
  for (const CryptoIov& b : iov)
    if (is_encrypted(b.kind) && !b.buf.empty()) OPENSSL_cleanse(b.buf.data(), b.buf.size());
}

// A tag on the stack, wiped on scope exit.
struct Tag {
  std::array<uint8_t, kMaxTag> bytes{};
  size_t size;
  explicit Tag(size_t n) : size(n) {}
  ~Tag() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
  std::span<uint8_t> span() { return std::span(bytes).first(size); }
};

}  // namespace

struct UsageKeys::State {
  CbcKey encrypt;  // Ke
  CbcKey decrypt;  // Ke
  Mac ki;
  Mac kc;
  ConfounderPool confounders;
};

UsageKeys::UsageKeys(const Profile& p, std::unique_ptr<State> s) : profile_(&p), s_(std::move(s)) {}
UsageKeys::UsageKeys(UsageKeys&&) noexcept = default;
UsageKeys& UsageKeys::operator=(UsageKeys&&) noexcept = default;
UsageKeys::~UsageKeys() = default;

Result<UsageKeys> UsageKeys::derive(const Profile& p, std::span<const uint8_t> base_key,
                                    uint32_t usage) {
  if (base_key.size() != p.key_size || p.checksum_size > kMaxTag ||
      p.confounder_size != kBlockSize)
    return Status::failure(Minor::kInternal);
  APX_TRY_ASSIGN(base::SecretBytes kc, derive_usage_key(p, base_key, usage, UsageKeyKind::kc));
  APX_TRY_ASSIGN(base::SecretBytes ke, derive_usage_key(p, base_key, usage, UsageKeyKind::ke));
  APX_TRY_ASSIGN(base::SecretBytes ki, derive_usage_key(p, base_key, usage, UsageKeyKind::ki));
  APX_TRY_ASSIGN(CbcKey enc, CbcKey::create(p.cbc_cipher, ke.span(), CbcKey::Direction::encrypt));
  APX_TRY_ASSIGN(CbcKey dec, CbcKey::create(p.cbc_cipher, ke.span(), CbcKey::Direction::decrypt));
  APX_TRY_ASSIGN(Mac mac_i, Mac::create(p, ki.span()));
  APX_TRY_ASSIGN(Mac mac_c, Mac::create(p, kc.span()));
  if (mac_i.size() < p.checksum_size) return Status::failure(Minor::kInternal);
  auto s = std::make_unique<State>(
      State{std::move(enc), std::move(dec), std::move(mac_i), std::move(mac_c), ConfounderPool()});
  return UsageKeys(p, std::move(s));
}

Status UsageKeys::encrypt_iov(std::span<const CryptoIov> iov) const {
  APX_TRY_ASSIGN(const Layout l, find_layout(*profile_, iov, true));
  APX_TRY(s_->confounders.draw(l.header));
  std::array<uint8_t, kBlockSize> state{};
  if (profile_->family == Family::kKdfHmacSha2) {
    // RFC 8009 §5: C = E(Ke, conf | plaintext, IV); H = HMAC(Ki, IV | C) truncated.
    APX_TRY(cts_encrypt(s_->encrypt, iov, state));
    return s_->ki.over_iov(kZeroIv, iov, l.trailer);
  }
  // RFC 3961 §5.3: H = HMAC(Ki, conf | plaintext) truncated; C = E(Ke, conf | plaintext).
  // RFC 6803 §5 is the same with CMAC.
  APX_TRY(s_->ki.over_iov({}, iov, l.trailer));
  return cts_encrypt(s_->encrypt, iov, state);
}

Status UsageKeys::decrypt_iov(std::span<const CryptoIov> iov) const {
  APX_TRY_ASSIGN(const Layout l, find_layout(*profile_, iov, true));
  Tag tag(l.trailer.size());
  std::array<uint8_t, kBlockSize> state{};
  if (profile_->family == Family::kKdfHmacSha2) {
    // RFC 8009 §5: verify HMAC(Ki, IV | C) before decrypting anything.
    APX_TRY(s_->ki.over_iov(kZeroIv, iov, tag.span()));
    APX_TRY(check_tag(tag.span(), l.trailer));
    return cts_decrypt(s_->decrypt, iov, state);
  }
  // RFC 3961 §5.3: the tag covers the plaintext, so decrypt first, then verify.
  Status s = cts_decrypt(s_->decrypt, iov, state);
  if (s.ok()) s = s_->ki.over_iov({}, iov, tag.span());
  if (s.ok()) s = check_tag(tag.span(), l.trailer);
  if (!s.ok()) wipe_encrypted(iov);
  return s;
}

Status UsageKeys::make_checksum_iov(std::span<const CryptoIov> iov) const {
  APX_TRY_ASSIGN(const Layout l, find_layout(*profile_, iov, false));
  // RFC 3961 §5.4 (RFC 8009 §5, RFC 6803 §5): checksum = MAC(Kc, message) truncated.
  return s_->kc.over_iov({}, iov, l.trailer);
}

Status UsageKeys::verify_checksum_iov(std::span<const CryptoIov> iov) const {
  APX_TRY_ASSIGN(const Layout l, find_layout(*profile_, iov, false));
  Tag tag(l.trailer.size());
  APX_TRY(s_->kc.over_iov({}, iov, tag.span()));
  return check_tag(tag.span(), l.trailer);
}

}  // namespace apx::crypto
