// HMAC (RFC 2104) with SHA-1, SHA-256 or SHA-384 whose key is absorbed once.
//
// The hash states after the inner and outer padded keys are kept and copied for each
// message, so a message costs neither key work nor a heap allocation. This is not done
// through EVP: in OpenSSL 3.0 every EVP_DigestInit_ex2, EVP_MD_CTX_copy_ex and
// EVP_MAC_init/EVP_MAC_final of HMAC frees and allocates the provider's digest context
// (measured on 3.0.x: one allocation per call), so the plain-struct SHA contexts of the
// low-level API are used here instead (the same code the default provider runs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "base/result.h"

namespace apx::crypto {

class HmacKey {
 public:
  enum class Hash { sha1, sha256, sha384 };

  [[nodiscard]] static base::Result<HmacKey> create(Hash hash, std::span<const uint8_t> key);

  HmacKey(HmacKey&&) noexcept;
  HmacKey& operator=(HmacKey&&) noexcept;
  ~HmacKey();

  // Full output size: 20, 32 or 48 bytes.
  [[nodiscard]] size_t size() const;

  // One message: begin(), update() any number of times, finish(). Allocation-free.
  [[nodiscard]] base::Status begin();
  [[nodiscard]] base::Status update(std::span<const uint8_t> data);
  // Writes the first out.size() <= size() bytes of the MAC.
  [[nodiscard]] base::Status finish(std::span<uint8_t> out);

 private:
  struct State;
  explicit HmacKey(std::unique_ptr<State> state);

  std::unique_ptr<State> s_;
};

}  // namespace apx::crypto
