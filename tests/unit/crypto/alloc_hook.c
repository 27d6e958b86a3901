/* Counts heap allocations of the whole process (libcrypto, libstdc++ operator new and
 * the code under test all come through these) between apx_alloc_count_start and
 * apx_alloc_count_stop, forwarding to glibc's allocator. */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

#include "alloc_hook.h"

extern void* __libc_malloc(size_t size);
extern void* __libc_calloc(size_t n, size_t size);
extern void* __libc_realloc(void* p, size_t size);
extern void* __libc_memalign(size_t align, size_t size);

static atomic_int counting;
static atomic_long allocations;

static void note(void) {
  if (atomic_load_explicit(&counting, memory_order_relaxed))
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
}

void* malloc(size_t size) {
  note();
  return __libc_malloc(size);
}

void* calloc(size_t n, size_t size) {
  note();
  return __libc_calloc(n, size);
}

void* realloc(void* p, size_t size) {
  note();
  return __libc_realloc(p, size);
}

void* memalign(size_t align, size_t size) {
  note();
  return __libc_memalign(align, size);
}

void* aligned_alloc(size_t align, size_t size) {
  note();
  return __libc_memalign(align, size);
}

int posix_memalign(void** out, size_t align, size_t size) {
  note();
  void* p = __libc_memalign(align, size);
  if (p == NULL) return ENOMEM;
  *out = p;
  return 0;
}

void apx_alloc_count_start(void) {
  atomic_store(&allocations, 0);
  atomic_store(&counting, 1);
}

long apx_alloc_count_stop(void) {
  atomic_store(&counting, 0);
  return atomic_load(&allocations);
}
