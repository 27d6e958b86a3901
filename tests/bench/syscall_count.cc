#include "bench/syscall_count.h"

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <initializer_list>

namespace apx::bench {
namespace {

long tracepoint_id() {
  for (const char* path : {"/sys/kernel/tracing/events/raw_syscalls/sys_enter/id",
                           "/sys/kernel/debug/tracing/events/raw_syscalls/sys_enter/id"}) {
    FILE* f = std::fopen(path, "r");
    if (f == nullptr) continue;
    long id = -1;
    if (std::fscanf(f, "%ld", &id) != 1) id = -1;
    std::fclose(f);
    if (id >= 0) return id;
  }
  return -1;
}

}  // namespace

SyscallCount::SyscallCount() {
  const long id = tracepoint_id();
  if (id < 0) return;
  perf_event_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_TRACEPOINT;
  attr.config = static_cast<uint64_t>(id);
  attr.inherit = 1;  // threads started later count too
  attr.disabled = 1;
  fd_ = static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
  if (fd_ >= 0) (void)ioctl(fd_, PERF_EVENT_IOC_ENABLE, 0);
}

SyscallCount::~SyscallCount() {
  if (fd_ >= 0) close(fd_);
}

int64_t SyscallCount::read() const {
  uint64_t n = 0;
  if (fd_ < 0 || ::read(fd_, &n, sizeof n) != static_cast<ssize_t>(sizeof n)) return -1;
  return static_cast<int64_t>(n);
}

}  // namespace apx::bench
