/* Freed-block watcher of the wipe test binary (free_hook.c). */
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Adds a pattern (at most 64 octets, 16 patterns) to look for; 0 when full. */
int apx_free_hook_watch(const void* pattern, size_t size);
/* Drops every pattern (call while not armed). */
void apx_free_hook_forget(void);
void apx_free_hook_start(void);
/* Blocks freed since the start that held a watched pattern (one per pattern found). */
long apx_free_hook_stop(void);

#ifdef __cplusplus
}
#endif
