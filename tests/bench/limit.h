// The cryptographic floor of a per-message call: the same cipher and MAC work as an
// RFC 3961 simplified-profile message, done directly on OpenSSL with every key
// scheduled in advance and nothing else (no token header, no copy, no allocation).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "bench/pairs.h"

namespace apx::bench {

class Limit {
 public:
  explicit Limit(Enc e);  // fresh random keys; throws std::runtime_error on failure
  ~Limit();
  Limit(const Limit&) = delete;
  Limit& operator=(const Limit&) = delete;

  // What wrap + unwrap with confidentiality must at least do for `msg` = confounder (16)
  // | data | token header copy (16), a whole number of blocks: sender AES-256-CBC
  // encrypt in place and HMAC, receiver HMAC, compare and decrypt in place (sha1:
  // RFC 3962, MAC over the plaintext; sha2: RFC 8009, MAC over the ciphertext).
  // Returns false if the MAC did not match.
  [[nodiscard]] bool seal_unseal(std::span<uint8_t> msg);

  // What get_mic + verify_mic (and wrap + unwrap without confidentiality) must at least
  // do for `msg` = data | token header (16): one HMAC on each side and a compare.
  [[nodiscard]] bool mac_verify(std::span<const uint8_t> msg);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace apx::bench
