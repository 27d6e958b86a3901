// Counts the system calls of this process (and of threads it starts afterwards) with the
// kernel's raw_syscalls:sys_enter tracepoint through perf_event_open: exact, no tracer,
// no change to the code measured. Needs tracefs readable and perf events allowed
// (root, or kernel.perf_event_paranoid <= 1 with access to tracefs); otherwise
// available() is false and the benchmark reports no syscall counter rather than a guess.
#pragma once

#include <cstdint>

namespace apx::bench {

class SyscallCount {
 public:
  SyscallCount();
  ~SyscallCount();
  SyscallCount(const SyscallCount&) = delete;
  SyscallCount& operator=(const SyscallCount&) = delete;
  [[nodiscard]] bool available() const { return fd_ >= 0; }
  // System calls since construction (threads started since then count once they exit).
  [[nodiscard]] int64_t read() const;

 private:
  int fd_ = -1;
};

}  // namespace apx::bench
