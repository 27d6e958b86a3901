#include "crypto/cbc_key.h"

#include <algorithm>
#include <array>
#include <climits>

namespace apx::crypto {

using base::Minor;
using base::Result;
using base::Status;

Result<CbcKey> CbcKey::create(const char* cbc_cipher, std::span<const uint8_t> key,
                              Direction direction) {
  CipherPtr cipher(EVP_CIPHER_fetch(nullptr, cbc_cipher, nullptr));
  if (!cipher || EVP_CIPHER_get_block_size(cipher.get()) != static_cast<int>(kBlockSize) ||
      EVP_CIPHER_get_key_length(cipher.get()) != static_cast<int>(key.size()))
    return Status::failure(Minor::kInternal);
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Status::no_memory();
  const std::array<uint8_t, kBlockSize> zero_iv{};
  const int enc = direction == Direction::encrypt ? 1 : 0;
  if (EVP_CipherInit_ex2(ctx.get(), cipher.get(), key.data(), zero_iv.data(), enc, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1)
    return Status::failure(Minor::kInternal);
  return CbcKey(std::move(ctx), direction);
}

Status CbcKey::reset(std::span<const uint8_t, kBlockSize> iv) {
  // A null cipher and key keep the schedule: OpenSSL only loads the new IV.
  const int enc = direction_ == Direction::encrypt ? 1 : 0;
  if (EVP_CipherInit_ex2(ctx_.get(), nullptr, nullptr, iv.data(), enc, nullptr) != 1)
    return Status::failure(Minor::kInternal);
  return Status::complete();
}

Status CbcKey::update(std::span<uint8_t> blocks) {
  if (blocks.size() % kBlockSize != 0) return Status::failure(Minor::kInternal);
  // EVP lengths are ints: feed very large runs in pieces.
  constexpr size_t kMaxRun = (INT_MAX / kBlockSize) * kBlockSize;
  while (!blocks.empty()) {
    const size_t n = std::min(blocks.size(), kMaxRun);
    int out_len = 0;
    if (EVP_CipherUpdate(ctx_.get(), blocks.data(), &out_len, blocks.data(),
                         static_cast<int>(n)) != 1 ||
        out_len != static_cast<int>(n))
      return Status::failure(Minor::kInternal);
    blocks = blocks.subspan(n);
  }
  return Status::complete();
}

Status CbcKey::chain(std::span<uint8_t, kBlockSize> out) const {
  if (EVP_CIPHER_CTX_get_updated_iv(ctx_.get(), out.data(), out.size()) != 1)
    return Status::failure(Minor::kInternal);
  return Status::complete();
}

}  // namespace apx::crypto
