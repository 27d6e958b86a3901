// The benchmark rows and their names: "<op>/<mech>/<enc>/<bytes>" for the GSS calls,
// "<limit>/<enc>/<bytes>" for the OpenSSL floor, "establish/<mech>/sha1".
#pragma once

#include <cstddef>

#include "bench/pairs.h"

namespace apx::bench {

enum class Op { wrap_conf, wrap_integ, mic, iov };
enum class LimitKind { seal, mac };

inline constexpr Op kOps[] = {Op::wrap_conf, Op::wrap_integ, Op::mic, Op::iov};
inline constexpr size_t kSizes[] = {64, 1024, 16 * 1024, 1024 * 1024};

const char* op_name(Op op);          // row name part, e.g. "wrap_unwrap_conf"
const char* op_title(Op op);         // table label, e.g. "wrap+unwrap conf=1"
const char* limit_name(LimitKind k);  // "limit_seal", "limit_mac"
// The floor an operation is compared with: encryption + MAC, or MAC only.
LimitKind limit_of(Op op);

// Registers every row with Google Benchmark (the pairs must be established).
void register_rows();

}  // namespace apx::bench
