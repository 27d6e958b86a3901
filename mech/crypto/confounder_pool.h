// Confounders (RFC 3961 §5.3: a random block prepended to each plaintext) handed out of a
// buffer filled by one RAND_bytes call.
//
// Why: in OpenSSL 3.0 every RAND_bytes call, whatever its size, goes through the public
// DRBG's fork check (a getpid syscall) and re-initialises its AES-CTR context three times;
// measured, RAND_bytes(16) costs about 1.2 µs while a 16-byte piece of RAND_bytes(4096)
// costs under 10 ns. For a small gss_wrap that call was over a quarter of the work.
//
// Fork safety: a child process must never use the bytes its parent had left, or parent
// and child would send the same confounder. Two guards, either enough on its own:
// - the pool's bytes live in a page of their own marked MADV_WIPEONFORK (Linux 4.14): the
//   kernel hands any child, however it was made (fork, a raw clone or SYS_fork syscall that
//   skips the pthread_atfork handlers), a zeroed copy of the page. The count of bytes left
//   lives in the same page, so a child reads "empty" and refills;
// - a pthread_atfork child handler bumps a process-wide generation counter; each pool
//   remembers the generation it was filled in and refills when that differs.
// The check per draw is one relaxed atomic load and one read of the page: no syscall, no
// allocation. Where either guard cannot be set up (no madvise flag, mmap refused, handler
// not registered) the pool keeps no bytes and every draw goes to RAND_bytes, whose DRBG
// reseeds in a child by its own getpid check.
//
// Each pool maps one page when it is made. Neighbouring pool pages carry the same flags,
// so the kernel merges them into one mapping; a context holds at most a few pools.
//
// Secrecy: the buffer is wiped when destroyed, and each confounder is wiped from it once
// handed out, so a memory disclosure shows no past confounders, only future ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.h"

namespace apx::crypto {

class ConfounderPool {
 public:
  // Room for 255 16-byte confounders beside the count, in one 4 KiB page: the refill cost
  // per confounder falls below the cost of copying one out, while the few pools of a
  // context stay small.
  static constexpr size_t kCapacity = 4096 - 16;

  // Maps the page but does not fill it: a key that never encrypts (the peer's sealing key,
  // or a key that only makes checksums) never pays for random bytes.
  ConfounderPool();
  ~ConfounderPool();

  ConfounderPool(ConfounderPool&& other) noexcept;
  ConfounderPool& operator=(ConfounderPool&& other) noexcept;
  ConfounderPool(const ConfounderPool&) = delete;
  ConfounderPool& operator=(const ConfounderPool&) = delete;

  // Fills `out` with random bytes never handed out before, in this process or any other.
  // Allocation-free; enters OpenSSL only to refill the buffer (once per kCapacity bytes,
  // and first thing after a fork).
  [[nodiscard]] base::Status draw(std::span<uint8_t> out);

  // True when the pool keeps bytes (both fork guards are in place); false when every draw
  // goes to RAND_bytes.
  [[nodiscard]] bool pooled() const { return page_ != nullptr; }

 // The mapped page (confounder_pool.cc).
  struct Page;

 private:
  [[nodiscard]] base::Status refill();
  void release();

  Page* page_ = nullptr;     // nullptr: no pooling
  uint64_t generation_ = 0;  // the fork generation the bytes left in the page were made in
};

}  // namespace apx::crypto
