// Confounders (RFC 3961 §5.3: a random block prepended to each plaintext) handed out of a
// buffer filled by one RAND_bytes call.
//
// Why: in OpenSSL 3.0 every RAND_bytes call, whatever its size, goes through the public
// DRBG's fork check (a getpid syscall) and re-initialises its AES-CTR context three times;
// measured, RAND_bytes(16) costs about 1.2 µs while a 16-byte piece of RAND_bytes(4096)
// costs under 10 ns. For a small gss_wrap that call was over a quarter of the work.
//
// Fork safety: a child process must never use the bytes its parent had left, or parent
// and child would send the same confounder. A pthread_atfork child handler bumps a
// process-wide generation counter; each pool remembers the generation it was filled in
// and refills when that differs. The check per draw is one relaxed atomic load: no
// syscall, no allocation. (A child made by a raw clone() that skips the atfork handlers
// is not detected; OpenSSL's own DRBG still reseeds there, by its getpid check, when the
// pool refills.)
//
// Secrecy: the buffer is wiped when destroyed, and each confounder is wiped from it once
// handed out, so a memory disclosure shows no past confounders, only future ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.h"
#include "base/secret_bytes.h"

namespace apx::crypto {

class ConfounderPool {
 public:
  // Room for 256 16-byte confounders: the refill cost per confounder falls below the cost
  // of copying one out, while the few pools of a context stay small.
  static constexpr size_t kCapacity = 4096;

  // Allocates the buffer but does not fill it: a key that never encrypts (the peer's
  // sealing key, or a key that only makes checksums) never pays for random bytes.
  ConfounderPool();

  ConfounderPool(ConfounderPool&&) noexcept = default;
  ConfounderPool& operator=(ConfounderPool&&) noexcept = default;
  ConfounderPool(const ConfounderPool&) = delete;
  ConfounderPool& operator=(const ConfounderPool&) = delete;

  // Fills `out` with random bytes never handed out before, in this process or any other.
  // Allocation-free; enters OpenSSL only to refill the buffer (once per kCapacity bytes,
  // and first thing after a fork).
  [[nodiscard]] base::Status draw(std::span<uint8_t> out);

 private:
  [[nodiscard]] base::Status refill();

  base::SecretBytes buf_;
  size_t next_;          // first byte not yet handed out; buf_.size() when empty
  uint64_t generation_;  // the fork generation the bytes from next_ on were made in
};

}  // namespace apx::crypto
