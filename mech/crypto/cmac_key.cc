#include "crypto/cmac_key.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>

namespace apx::crypto {

using base::Minor;
using base::Result;
using base::Status;

Result<CmacKey> CmacKey::create(const char* cbc_cipher, std::span<const uint8_t> key) {
  MacPtr mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_CMAC, nullptr));
  if (!mac) return Status::failure(Minor::kInternal);
  MacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) return Status::no_memory();
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, const_cast<char*>(cbc_cipher), 0),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_CTX_get_mac_size(ctx.get()) != 16)
    return Status::failure(Minor::kInternal);
  return CmacKey(std::move(ctx));
}

Status CmacKey::begin() {
  if (EVP_MAC_init(ctx_.get(), nullptr, 0, nullptr) != 1) return Status::failure(Minor::kInternal);
  return Status::complete();
}

Status CmacKey::update(std::span<const uint8_t> data) {
  if (!data.empty() && EVP_MAC_update(ctx_.get(), data.data(), data.size()) != 1)
    return Status::failure(Minor::kInternal);
  return Status::complete();
}

Status CmacKey::finish(std::span<uint8_t> out) {
  if (out.size() > size()) return Status::failure(Minor::kInternal);
  std::array<uint8_t, 16> mac{};
  size_t len = 0;
  const bool ok = EVP_MAC_final(ctx_.get(), mac.data(), &len, mac.size()) == 1 && len == mac.size();
  if (ok) std::copy_n(mac.begin(), out.size(), out.begin());
  OPENSSL_cleanse(mac.data(), mac.size());
  if (!ok) return Status::failure(Minor::kInternal);
  return Status::complete();
}

}  // namespace apx::crypto
