// One key schedule of a 128-bit block cipher in CBC mode without padding, for one
// direction. The OpenSSL context is initialised once; messages after the first never
// re-initialise it.
//
// Why: in OpenSSL 3 each EVP_CipherInit_ex2, even one that only loads an IV, walks the
// provider's parameter tables (OSSL_PARAM_locate, strcmp) and re-derives key and IV
// lengths: about 1.2k instructions, more than the AES work of a small message. Instead the
// key keeps track of the chaining value the context holds (the last ciphertext block it
// produced or consumed). Starting a message with chaining value IV then only needs
// IV ^ chain folded into the first block: XORed into the first plaintext block before
// encryption (E(P1 ^ IV ^ chain) after the context's own XOR with chain is E(P1 ^ IV)),
// or into the first output block after decryption (D(C1) ^ chain ^ IV ^ chain). Bulk
// data still goes through EVP's CBC, so AES-NI and its parallel CBC decryption stay in use.
#pragma once

#include <array>
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

  // `cbc_cipher` is an OpenSSL name such as "AES-256-CBC" or "CAMELLIA-128-CBC". The
  // chaining value starts as zeros.
  [[nodiscard]] static base::Result<CbcKey> create(const char* cbc_cipher,
                                                   std::span<const uint8_t> key,
                                                   Direction direction);

  [[nodiscard]] Direction direction() const { return direction_; }

  // Starts a new message with chaining value `iv`. Allocation-free; no OpenSSL call unless
  // an earlier update failed and left the context's chaining value unknown.
  [[nodiscard]] base::Status reset(std::span<const uint8_t, kBlockSize> iv);
  // CBC over a whole number of blocks, in place, continuing the chaining value.
  [[nodiscard]] base::Status update(std::span<uint8_t> blocks);
  // The current chaining value: the last ciphertext block processed, or the IV.
  void chain(std::span<uint8_t, kBlockSize> out) const;

 private:
  using Block = std::array<uint8_t, kBlockSize>;

  CbcKey(CipherCtxPtr ctx, Direction direction)
      : ctx_(std::move(ctx)), direction_(direction) {}

  CipherCtxPtr ctx_;  // EVP_CIPHER_CTX_free wipes the key schedule
  Direction direction_;
  // The chaining value inside ctx_ (ciphertext, so not secret). Unknown after a failed
  // EVP call, until the next reset re-initialises the context.
  Block ctx_chain_{};
  bool ctx_chain_known_ = true;
  // IV ^ ctx_chain_, still to be folded into the first block of the next update.
  Block fold_{};
  bool fold_pending_ = false;
};

}  // namespace apx::crypto
