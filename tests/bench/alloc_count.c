/* Counts the heap calls of the whole process: the executable's definitions take
 * precedence over glibc's for every library (libgssapi_krb5, libkrb5, libcrypto,
 * libstdc++'s operator new and the dlopened gss_apx.so), and forward to glibc's
 * allocator.
 *
 * The counters are updated with a relaxed load and store, not an atomic increment: the
 * benchmark runs on one thread (the KDC is another process), and a locked instruction on
 * every allocation would add to the cost of the allocation-heavy side only. */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

#include "alloc_count.h"

extern void* __libc_malloc(size_t size);
extern void* __libc_calloc(size_t n, size_t size);
extern void* __libc_realloc(void* p, size_t size);
extern void* __libc_memalign(size_t align, size_t size);
extern void __libc_free(void* p);

static atomic_long allocations;
static atomic_long frees;

static void bump(atomic_long* counter) {
  long n = atomic_load_explicit(counter, memory_order_relaxed);
  atomic_store_explicit(counter, n + 1, memory_order_relaxed);
}

void* malloc(size_t size) {
  bump(&allocations);
  return __libc_malloc(size);
}

void* calloc(size_t n, size_t size) {
  bump(&allocations);
  return __libc_calloc(n, size);
}

void* realloc(void* p, size_t size) {
  bump(&allocations);
  return __libc_realloc(p, size);
}

void* memalign(size_t align, size_t size) {
  bump(&allocations);
  return __libc_memalign(align, size);
}

void* aligned_alloc(size_t align, size_t size) {
  bump(&allocations);
  return __libc_memalign(align, size);
}

int posix_memalign(void** out, size_t align, size_t size) {
  bump(&allocations);
  void* p = __libc_memalign(align, size);
  if (p == NULL) return ENOMEM;
  *out = p;
  return 0;
}

void free(void* p) {
  if (p == NULL) return;
  bump(&frees);
  __libc_free(p);
}

long apx_bench_allocs(void) { return atomic_load_explicit(&allocations, memory_order_relaxed); }

long apx_bench_frees(void) { return atomic_load_explicit(&frees, memory_order_relaxed); }
