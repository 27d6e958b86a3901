/* Allocation counter of the allocation test binary (alloc_hook.c). */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

void apx_alloc_count_start(void);
/* Allocations (malloc, calloc, realloc, aligned forms) since the start. */
long apx_alloc_count_stop(void);

#ifdef __cplusplus
}
#endif
