#include "crypto/rc4.h"

#include <openssl/crypto.h>

#include <utility>

namespace apx::crypto {

Rc4::Rc4(std::span<const uint8_t> key) {
  for (size_t n = 0; n < s_.size(); ++n) s_[n] = static_cast<uint8_t>(n);
  if (key.empty()) return;
  uint8_t j = 0;
  for (size_t n = 0; n < s_.size(); ++n) {
    j = static_cast<uint8_t>(j + s_[n] + key[n % key.size()]);
    std::swap(s_[n], s_[j]);
  }
}

Rc4::~Rc4() {
  OPENSSL_cleanse(s_.data(), s_.size());
  OPENSSL_cleanse(&i_, sizeof i_);
  OPENSSL_cleanse(&j_, sizeof j_);
}

void Rc4::apply(std::span<uint8_t> data) {
  for (uint8_t& b : data) {
    i_ = static_cast<uint8_t>(i_ + 1);
    j_ = static_cast<uint8_t>(j_ + s_[i_]);
    std::swap(s_[i_], s_[j_]);
    b ^= s_[static_cast<uint8_t>(s_[i_] + s_[j_])];
  }
}

}  // namespace apx::crypto
