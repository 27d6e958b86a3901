// One key schedule of a 128-bit block cipher in CBC mode without padding, for one
// direction. The schedule is made once; each message only resets the chaining value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.h"
#include "crypto/ossl_ptr.h"

namespace apx::crypto {

inline constexpr size_t kBlockSize = 16;

class CbcKey {
 public:
  enum class Direction { encrypt, decrypt };

  // `cbc_cipher` is an OpenSSL name such as "AES-256-CBC" or "CAMELLIA-128-CBC".
  [[nodiscard]] static base::Result<CbcKey> create(const char* cbc_cipher,
                                                   std::span<const uint8_t> key,
                                                   Direction direction);

  [[nodiscard]] Direction direction() const { return direction_; }

  // Starts a new message with chaining value `iv`. Allocation-free.
  [[nodiscard]] base::Status reset(std::span<const uint8_t, kBlockSize> iv);
  // CBC over a whole number of blocks, in place, continuing the chaining value.
  [[nodiscard]] base::Status update(std::span<uint8_t> blocks);
  // The current chaining value (the last ciphertext block processed, or the IV).
  [[nodiscard]] base::Status chain(std::span<uint8_t, kBlockSize> out) const;

 private:
  CbcKey(CipherCtxPtr ctx, Direction direction)
      : ctx_(std::move(ctx)), direction_(direction) {}

  CipherCtxPtr ctx_;  // EVP_CIPHER_CTX_free wipes the key schedule
  Direction direction_;
};

}  // namespace apx::crypto
