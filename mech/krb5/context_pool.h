// Reuse of krb5_contexts. krb5_init_context re-reads the environment and re-checks every
// krb5.conf file (access + stat each) and allocates a few hundred bytes of state; a
// security context or credential needs one only while it lives. Released contexts wait
// here for the next owner, for at most a second: libkrb5's profile library itself
// re-checks krb5.conf at most once a second (prof_file.c, last_stat), so a krb5.conf
// edit is seen as soon as it would be with a fresh context per call.
#pragma once

#include <krb5/krb5.h>

#include <cstdint>

namespace apx::k5 {

// A context with no state left from an earlier owner, else a new one (krb5_init_context's
// error). `born` and `generation`: when and under which environment (KRB5_CONFIG,
// KRB5_TRACE, read by krb5_init_context) it was made, to hand back to release_context.
[[nodiscard]] krb5_error_code pooled_context(krb5_context* out, int64_t* born,
                                             uint64_t* generation);
// Hands `c` back; it is freed instead when it is too old, the pool is full, or
// KRB5_CONFIG or KRB5_TRACE changed since it was made.
void release_context(krb5_context c, int64_t born, uint64_t generation);

}  // namespace apx::k5
