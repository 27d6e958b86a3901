// APX_TRACE=/path or APX_TRACE=stderr: one line per step of the mechanism. Never pass a
// secret to trace().
#pragma once

namespace apx::base {

[[nodiscard]] bool trace_enabled();
void trace(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace apx::base
