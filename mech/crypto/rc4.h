// RC4 (the stream cipher of RFC 4757), for the RC4-HMAC GSS tokens only.
//
// Why apx's own: OpenSSL 3 moved RC4 to its legacy provider, which a plugin loaded into
// someone else's process should not load into the shared default library context. RC4 is
// a few lines and RFC 4757's keys are 16 octets.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace apx::crypto {

class Rc4 {
 public:
  // Key schedule (KSA) for a key of 1..256 octets.
  explicit Rc4(std::span<const uint8_t> key);
  ~Rc4();
  Rc4(const Rc4&) = delete;
  Rc4& operator=(const Rc4&) = delete;

  // XORs the next data.size() octets of the keystream into `data` (encrypts and decrypts).
  void apply(std::span<uint8_t> data);

 private:
  std::array<uint8_t, 256> s_;
  uint8_t i_ = 0;
  uint8_t j_ = 0;
};

}  // namespace apx::crypto
