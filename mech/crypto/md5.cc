#include "crypto/md5.h"

#include <openssl/evp.h>

namespace apx::crypto {

base::Result<std::array<uint8_t, 16>> md5(std::span<const uint8_t> data) {
  std::array<uint8_t, 16> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_md5(), nullptr) != 1 ||
      len != out.size())
    return base::Status::failure(base::Minor::kInternal);
  return out;
}

}  // namespace apx::crypto
