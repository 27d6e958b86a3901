#include "crypto/cbc_key.h"

#include <algorithm>
#include <climits>

namespace apx::crypto {

using base::Minor;
using base::Result;
using base::Status;

namespace {

void xor_block(std::span<uint8_t, kBlockSize> dst, std::span<const uint8_t, kBlockSize> src) {
  for (size_t i = 0; i < kBlockSize; ++i) dst[i] ^= src[i];
}

}  // namespace

Result<CbcKey> CbcKey::create(const char* cbc_cipher, std::span<const uint8_t> key,
                              Direction direction) {
  CipherPtr cipher(EVP_CIPHER_fetch(nullptr, cbc_cipher, nullptr));
  if (!cipher || EVP_CIPHER_get_block_size(cipher.get()) != static_cast<int>(kBlockSize) ||
      EVP_CIPHER_get_key_length(cipher.get()) != static_cast<int>(key.size()))
    return Status::failure(Minor::kInternal);
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Status::no_memory();
  const Block zero_iv{};
  const int enc = direction == Direction::encrypt ? 1 : 0;
  if (EVP_CipherInit_ex2(ctx.get(), cipher.get(), key.data(), zero_iv.data(), enc, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1)
    return Status::failure(Minor::kInternal);
  return CbcKey(std::move(ctx), direction);
}

Status CbcKey::reset(std::span<const uint8_t, kBlockSize> iv) {
  if (!ctx_chain_known_) {
    // A null cipher and key keep the schedule: OpenSSL only loads the new IV.
    const int enc = direction_ == Direction::encrypt ? 1 : 0;
    if (EVP_CipherInit_ex2(ctx_.get(), nullptr, nullptr, iv.data(), enc, nullptr) != 1)
      return Status::failure(Minor::kInternal);
    std::copy(iv.begin(), iv.end(), ctx_chain_.begin());
    ctx_chain_known_ = true;
    fold_pending_ = false;
    return Status::complete();
  }
  std::copy(iv.begin(), iv.end(), fold_.begin());
  xor_block(fold_, ctx_chain_);
  fold_pending_ = true;
  return Status::complete();
}

Status CbcKey::update(std::span<uint8_t> blocks) {
  if (blocks.size() % kBlockSize != 0) return Status::failure(Minor::kInternal);
  // After a failure only reset knows the context's chaining value again.
  if (!ctx_chain_known_) return Status::failure(Minor::kInternal);
  if (blocks.empty()) return Status::complete();
  const bool encrypting = direction_ == Direction::encrypt;
  const std::span<uint8_t, kBlockSize> first = blocks.first<kBlockSize>();
  const std::span<uint8_t, kBlockSize> last = blocks.last<kBlockSize>();
  // Decrypting in place overwrites the ciphertext that becomes the next chaining value.
  Block next_chain{};
  if (!encrypting) std::copy(last.begin(), last.end(), next_chain.begin());
  if (encrypting && fold_pending_) xor_block(first, fold_);

  // EVP lengths are ints: feed very large runs in pieces.
  constexpr size_t kMaxRun = (INT_MAX / kBlockSize) * kBlockSize;
  for (std::span<uint8_t> rest = blocks; !rest.empty();) {
    const size_t n = std::min(rest.size(), kMaxRun);
    int out_len = 0;
    if (EVP_CipherUpdate(ctx_.get(), rest.data(), &out_len, rest.data(),
                         static_cast<int>(n)) != 1 ||
        out_len != static_cast<int>(n)) {
      ctx_chain_known_ = false;
      fold_pending_ = false;
      return Status::failure(Minor::kInternal);
    }
    rest = rest.subspan(n);
  }

  if (!encrypting && fold_pending_) xor_block(first, fold_);
  fold_pending_ = false;
  if (encrypting) std::copy(last.begin(), last.end(), next_chain.begin());
  ctx_chain_ = next_chain;
  return Status::complete();
}

void CbcKey::chain(std::span<uint8_t, kBlockSize> out) const {
  std::copy(ctx_chain_.begin(), ctx_chain_.end(), out.begin());
  if (fold_pending_) xor_block(out, fold_);
}

}  // namespace apx::crypto
