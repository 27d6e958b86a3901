#include "crypto/confounder_pool.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <utility>

namespace apx::crypto {

using base::Minor;
using base::Status;

// One page: what MADV_WIPEONFORK zeroes in a child. `left` == 0 reads as an empty pool,
// so the zeroed copy a child gets can never hand out its parent's bytes.
struct ConfounderPool::Page {
  uint64_t left;      // bytes not yet handed out, at the end of `bytes`
  uint64_t reserved;  // keeps `bytes` 16-aligned
  uint8_t bytes[kCapacity];
};
static_assert(sizeof(ConfounderPool::Page) == 4096);

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

// The Page rounded up to whole pages (larger pages than 4 KiB on some machines).
size_t mapping_size() {
  static const size_t size = [] {
    const long page = sysconf(_SC_PAGESIZE);
    const size_t p = page > 0 ? static_cast<size_t>(page) : 4096;
    return (sizeof(ConfounderPool::Page) + p - 1) / p * p;
  }();
  return size;
}

// A fresh zeroed page the kernel wipes in every child; nullptr when that cannot be had.
void* map_wipe_on_fork_page() {
#ifdef MADV_WIPEONFORK
  void* p = mmap(nullptr, mapping_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
  if (p == MAP_FAILED) return nullptr;
  if (madvise(p, mapping_size(), MADV_WIPEONFORK) != 0) {  // kernel before 4.14
    munmap(p, mapping_size());
    return nullptr;
  }
  return p;
#else
  return nullptr;
#endif
}

Status rand_bytes(std::span<uint8_t> out) {
  if (out.empty()) return Status::complete();
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
    return Status::failure(Minor::kInternal);
  return Status::complete();
}

}  // namespace

ConfounderPool::ConfounderPool()
    : generation_(g_fork_generation.load(std::memory_order_relaxed)) {
  // Without the fork handler or the wiped page a pool could not tell it was copied into a
  // child: keep no bytes then.
  if (fork_handler_registered()) page_ = static_cast<Page*>(map_wipe_on_fork_page());
}

ConfounderPool::~ConfounderPool() { release(); }

ConfounderPool::ConfounderPool(ConfounderPool&& other) noexcept
    : page_(std::exchange(other.page_, nullptr)), generation_(other.generation_) {}

ConfounderPool& ConfounderPool::operator=(ConfounderPool&& other) noexcept {
  if (this != &other) {
    release();
    page_ = std::exchange(other.page_, nullptr);
    generation_ = other.generation_;
  }
  return *this;
}

void ConfounderPool::release() {
  if (page_ == nullptr) return;
  OPENSSL_cleanse(page_, sizeof(Page));
  munmap(page_, mapping_size());
  page_ = nullptr;
}

Status ConfounderPool::draw(std::span<uint8_t> out) {
  if (page_ == nullptr || out.size() > kCapacity) return rand_bytes(out);
  if (generation_ != g_fork_generation.load(std::memory_order_relaxed) ||
      page_->left < out.size())
    APX_TRY(refill());
  const std::span<uint8_t> piece(page_->bytes + (kCapacity - page_->left), out.size());
  std::copy(piece.begin(), piece.end(), out.begin());
  OPENSSL_cleanse(piece.data(), piece.size());
  page_->left -= out.size();
  return Status::complete();
}

Status ConfounderPool::refill() {
  // Read before filling: a fork at any later point bumps the child's counter past this
  // value, so the child refills rather than use what was filled here.
  const uint64_t generation = g_fork_generation.load(std::memory_order_relaxed);
  page_->left = 0;  // empty until the new bytes are in
  APX_TRY(rand_bytes(page_->bytes));
  page_->left = kCapacity;
  generation_ = generation;
  return Status::complete();
}

}  // namespace apx::crypto
