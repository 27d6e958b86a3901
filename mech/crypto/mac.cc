#include "crypto/mac.h"

namespace apx::crypto {

using base::Minor;
using base::Result;
using base::Status;

Result<Mac> Mac::create(const Profile& p, std::span<const uint8_t> key) {
  switch (p.mac) {
    case MacAlg::kHmacSha1:
    case MacAlg::kHmacSha256:
    case MacAlg::kHmacSha384: {
      const HmacKey::Hash h = p.mac == MacAlg::kHmacSha1     ? HmacKey::Hash::sha1
                              : p.mac == MacAlg::kHmacSha256 ? HmacKey::Hash::sha256
                                                             : HmacKey::Hash::sha384;
      APX_TRY_ASSIGN(HmacKey k, HmacKey::create(h, key));
      return Mac(std::move(k));
    }
    case MacAlg::kCmac: {
      APX_TRY_ASSIGN(CmacKey k, CmacKey::create(p.cbc_cipher, key));
      return Mac(std::move(k));
    }
  }
  return Status::failure(Minor::kInternal);
}

size_t Mac::size() const {
  return std::visit([](const auto& k) { return k.size(); }, impl_);
}

Status Mac::begin() {
  return std::visit([](auto& k) { return k.begin(); }, impl_);
}

Status Mac::update(std::span<const uint8_t> data) {
  return std::visit([data](auto& k) { return k.update(data); }, impl_);
}

Status Mac::finish(std::span<uint8_t> out) {
  return std::visit([out](auto& k) { return k.finish(out); }, impl_);
}

Status Mac::over_iov(std::span<const uint8_t> prefix, std::span<const CryptoIov> iov,
                     std::span<uint8_t> out) {
  APX_TRY(begin());
  APX_TRY(update(prefix));
  for (const CryptoIov& b : iov)
    if (is_signed(b.kind)) APX_TRY(update(b.buf));
  return finish(out);
}

}  // namespace apx::crypto
