// CMAC (NIST SP 800-38B) keyed once, through EVP_MAC. Re-initialising an OpenSSL 3.0 CMAC
// context with a null key keeps the key schedule and subkeys and allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.h"
#include "crypto/ossl_ptr.h"

namespace apx::crypto {

class CmacKey {
 public:
  // `cbc_cipher` names the block cipher in CBC mode ("CAMELLIA-128-CBC").
  [[nodiscard]] static base::Result<CmacKey> create(const char* cbc_cipher,
                                                    std::span<const uint8_t> key);

  [[nodiscard]] size_t size() const { return 16; }

  // One message: begin(), update() any number of times, finish(). Allocation-free.
  [[nodiscard]] base::Status begin();
  [[nodiscard]] base::Status update(std::span<const uint8_t> data);
  // Writes the first out.size() <= size() bytes of the MAC.
  [[nodiscard]] base::Status finish(std::span<uint8_t> out);

 private:
  explicit CmacKey(MacCtxPtr ctx) : ctx_(std::move(ctx)) {}

  MacCtxPtr ctx_;  // EVP_MAC_CTX_free wipes the key schedule
};

}  // namespace apx::crypto
