#include "crypto/confounder_pool.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>

namespace apx::crypto {

using base::Minor;
using base::Status;

namespace {

// The fork handler runs in the child, so the counter must never need a lock.
static_assert(std::atomic<uint64_t>::is_always_lock_free);
std::atomic<uint64_t> g_fork_generation{0};

void on_fork_child() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

// Registers the handler once per process. glibc ties a handler registered from a shared
// object to that object and drops it when the object is unloaded, so dlclose of the
// module leaves no dangling handler behind.
bool fork_handler_registered() {
  static const bool registered = pthread_atfork(nullptr, nullptr, on_fork_child) == 0;
  return registered;
}

Status rand_bytes(std::span<uint8_t> out) {
  if (out.empty()) return Status::complete();
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
    return Status::failure(Minor::kInternal);
  return Status::complete();
}

}  // namespace

ConfounderPool::ConfounderPool()
    // Without the fork handler a pool could not tell it was copied into a child: keep no
    // buffer then, and every draw goes to RAND_bytes directly.
    : buf_(fork_handler_registered() ? kCapacity : 0),
      next_(buf_.size()),
      generation_(g_fork_generation.load(std::memory_order_relaxed)) {}

Status ConfounderPool::draw(std::span<uint8_t> out) {
  if (out.size() > buf_.size()) return rand_bytes(out);
  if (generation_ != g_fork_generation.load(std::memory_order_relaxed) ||
      buf_.size() - next_ < out.size())
    APX_TRY(refill());
  const std::span<uint8_t> piece = buf_.span().subspan(next_, out.size());
  std::copy(piece.begin(), piece.end(), out.begin());
  OPENSSL_cleanse(piece.data(), piece.size());
  next_ += out.size();
  return Status::complete();
}

Status ConfounderPool::refill() {
  // Read before filling: a fork at any later point bumps the child's counter past this
  // value, so the child refills rather than use what was filled here.
  const uint64_t generation = g_fork_generation.load(std::memory_order_relaxed);
  next_ = buf_.size();  // empty until the new bytes are in
  APX_TRY(rand_bytes(buf_.span()));
  next_ = 0;
  generation_ = generation;
  return Status::complete();
}

}  // namespace apx::crypto
