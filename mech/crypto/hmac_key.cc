// The low-level SHA interface is deprecated in OpenSSL 3.0 but kept in the 3.x ABI; see
// hmac_key.h for why it is used.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "crypto/hmac_key.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>

namespace apx::crypto {

using base::Minor;
using base::Result;
using base::Status;

namespace {

union HashCtx {
  SHA_CTX sha1;
  SHA256_CTX sha256;
  SHA512_CTX sha512;  // SHA-384 runs on the SHA-512 context
};

constexpr size_t kMaxBlock = 128;
constexpr size_t kMaxDigest = 48;

size_t block_size(HmacKey::Hash h) { return h == HmacKey::Hash::sha384 ? 128 : 64; }

size_t digest_size(HmacKey::Hash h) {
  switch (h) {
    case HmacKey::Hash::sha1: return SHA_DIGEST_LENGTH;
    case HmacKey::Hash::sha256: return SHA256_DIGEST_LENGTH;
    case HmacKey::Hash::sha384: return SHA384_DIGEST_LENGTH;
  }
  return 0;
}

bool hash_init(HmacKey::Hash h, HashCtx& c) {
  switch (h) {
    case HmacKey::Hash::sha1: return SHA1_Init(&c.sha1) == 1;
    case HmacKey::Hash::sha256: return SHA256_Init(&c.sha256) == 1;
    case HmacKey::Hash::sha384: return SHA384_Init(&c.sha512) == 1;
  }
  return false;
}

bool hash_update(HmacKey::Hash h, HashCtx& c, std::span<const uint8_t> data) {
  if (data.empty()) return true;
  switch (h) {
    case HmacKey::Hash::sha1: return SHA1_Update(&c.sha1, data.data(), data.size()) == 1;
    case HmacKey::Hash::sha256: return SHA256_Update(&c.sha256, data.data(), data.size()) == 1;
    case HmacKey::Hash::sha384: return SHA384_Update(&c.sha512, data.data(), data.size()) == 1;
  }
  return false;
}

bool hash_final(HmacKey::Hash h, HashCtx& c, uint8_t* out) {
  switch (h) {
    case HmacKey::Hash::sha1: return SHA1_Final(out, &c.sha1) == 1;
    case HmacKey::Hash::sha256: return SHA256_Final(out, &c.sha256) == 1;
    case HmacKey::Hash::sha384: return SHA384_Final(out, &c.sha512) == 1;
  }
  return false;
}

// Copies and wipes touch only the member in use: SHA-1's context is 96 bytes of the
// union's 216, and for small messages these copies and wipes are a visible part of a MAC.
void hash_copy(HmacKey::Hash h, HashCtx& dst, const HashCtx& src) {
  switch (h) {
    case HmacKey::Hash::sha1: dst.sha1 = src.sha1; return;
    case HmacKey::Hash::sha256: dst.sha256 = src.sha256; return;
    case HmacKey::Hash::sha384: dst.sha512 = src.sha512; return;
  }
}

void hash_wipe(HmacKey::Hash h, HashCtx& c) {
  switch (h) {
    case HmacKey::Hash::sha1: OPENSSL_cleanse(&c.sha1, sizeof(c.sha1)); return;
    case HmacKey::Hash::sha256: OPENSSL_cleanse(&c.sha256, sizeof(c.sha256)); return;
    case HmacKey::Hash::sha384: OPENSSL_cleanse(&c.sha512, sizeof(c.sha512)); return;
  }
}

}  // namespace

struct HmacKey::State {
  Hash hash;
  HashCtx inner;  // after H(K ^ ipad)
  HashCtx outer;  // after H(K ^ opad)
  HashCtx work;   // the message in progress
  ~State() { OPENSSL_cleanse(this, sizeof(*this)); }
};

HmacKey::HmacKey(std::unique_ptr<State> state) : s_(std::move(state)) {}
HmacKey::HmacKey(HmacKey&&) noexcept = default;
HmacKey& HmacKey::operator=(HmacKey&&) noexcept = default;
HmacKey::~HmacKey() = default;

Result<HmacKey> HmacKey::create(Hash hash, std::span<const uint8_t> key) {
  auto s = std::make_unique<State>();
  s->hash = hash;
  const size_t b = block_size(hash);
  // RFC 2104 §2: a key longer than the block is hashed first; then it is padded with
  // zeros to the block size and XORed with ipad (0x36) and opad (0x5c).
  std::array<uint8_t, kMaxBlock> pad{};
  if (key.size() > b) {
    if (!hash_init(hash, s->work) || !hash_update(hash, s->work, key) ||
        !hash_final(hash, s->work, pad.data()))
      return Status::failure(Minor::kInternal);
  } else {
    std::copy(key.begin(), key.end(), pad.begin());
  }
  for (size_t i = 0; i < b; ++i) pad[i] ^= 0x36;
  bool ok = hash_init(hash, s->inner) && hash_update(hash, s->inner, std::span(pad).first(b));
  for (size_t i = 0; i < b; ++i) pad[i] ^= 0x36 ^ 0x5c;
  ok = ok && hash_init(hash, s->outer) && hash_update(hash, s->outer, std::span(pad).first(b));
  OPENSSL_cleanse(pad.data(), pad.size());
  if (!ok) return Status::failure(Minor::kInternal);
  return HmacKey(std::move(s));
}

size_t HmacKey::size() const { return digest_size(s_->hash); }

Status HmacKey::begin() {
  hash_copy(s_->hash, s_->work, s_->inner);
  return Status::complete();
}

Status HmacKey::update(std::span<const uint8_t> data) {
  if (!hash_update(s_->hash, s_->work, data)) return Status::failure(Minor::kInternal);
  return Status::complete();
}

Status HmacKey::finish(std::span<uint8_t> out) {
  const size_t n = size();
  if (out.size() > n) return Status::failure(Minor::kInternal);
  // Only the first n bytes of the digest are ever written, so only those need wiping; the
  // work context holds key-derived hash states until wiped.
  std::array<uint8_t, kMaxDigest> digest{};
  // HMAC = H(K ^ opad | H(K ^ ipad | message)).
  bool ok = hash_final(s_->hash, s_->work, digest.data());
  hash_copy(s_->hash, s_->work, s_->outer);
  ok = ok && hash_update(s_->hash, s_->work, std::span(digest).first(n)) &&
       hash_final(s_->hash, s_->work, digest.data());
  if (ok) std::copy_n(digest.begin(), out.size(), out.begin());
  OPENSSL_cleanse(digest.data(), n);
  hash_wipe(s_->hash, s_->work);
  if (!ok) return Status::failure(Minor::kInternal);
  return Status::complete();
}

}  // namespace apx::crypto
