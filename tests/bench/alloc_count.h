/* Heap call counter of the benchmark binary (alloc_count.c). */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/* Running totals since the process started: allocations (malloc, calloc, realloc and
 * the aligned forms) and frees of a non-null pointer. Read before and after an
 * operation; the difference is its count. */
long apx_bench_allocs(void);
long apx_bench_frees(void);

#ifdef __cplusplus
}
#endif
