/* Watches what the process frees: while armed, every block handed to free() is searched
 * for the registered byte patterns (key material) before it goes back to glibc. A hit
 * means a buffer that held a key was freed without being wiped first. */
#define _GNU_SOURCE /* memmem, malloc_usable_size */
#include <malloc.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "free_hook.h"

extern void __libc_free(void* p);

enum { kMaxPatterns = 16, kMaxPatternSize = 64 };

static unsigned char patterns[kMaxPatterns][kMaxPatternSize];
static size_t pattern_sizes[kMaxPatterns];
static int pattern_count;
static atomic_int armed;
static atomic_long hits;

void free(void* p) {
  if (p != NULL && atomic_load_explicit(&armed, memory_order_relaxed)) {
    /* The whole block, not just what was asked for: a key in the slack is a leak too. */
    const size_t n = malloc_usable_size(p);
    for (int i = 0; i < pattern_count; ++i)
      if (memmem(p, n, patterns[i], pattern_sizes[i]) != NULL)
        atomic_fetch_add_explicit(&hits, 1, memory_order_relaxed);
  }
  __libc_free(p);
}

int apx_free_hook_watch(const void* pattern, size_t size) {
  if (pattern_count == kMaxPatterns || size == 0 || size > kMaxPatternSize) return 0;
  memcpy(patterns[pattern_count], pattern, size);
  pattern_sizes[pattern_count++] = size;
  return 1;
}

void apx_free_hook_forget(void) { pattern_count = 0; }

void apx_free_hook_start(void) {
  atomic_store(&hits, 0);
  atomic_store(&armed, 1);
}

long apx_free_hook_stop(void) {
  atomic_store(&armed, 0);
  return atomic_load(&hits);
}
