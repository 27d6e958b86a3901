#include "base/trace.h"

#include <sys/time.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace apx::base {
namespace {

struct Sink {
  std::mutex mu;
  FILE* out = nullptr;
  bool owned = false;

  Sink() {
    const char* where = secure_getenv("APX_TRACE");
    if (where == nullptr || *where == '\0') return;
    if (std::strcmp(where, "stderr") == 0) {
      out = stderr;
    } else {
      out = std::fopen(where, "ae");
      owned = out != nullptr;
    }
  }
  ~Sink() {
    if (owned) std::fclose(out);
  }
};

Sink& sink() {
  static Sink s;
  return s;
}

}  // namespace

bool trace_enabled() { return sink().out != nullptr; }

void trace(const char* fmt, ...) {
  Sink& s = sink();
  if (s.out == nullptr) return;
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  timeval tv{};
  gettimeofday(&tv, nullptr);
  std::lock_guard<std::mutex> lock(s.mu);
  std::fprintf(s.out, "apx[%d] %ld.%06ld %s\n", static_cast<int>(getpid()),
               static_cast<long>(tv.tv_sec), static_cast<long>(tv.tv_usec), line);
  std::fflush(s.out);
}

}  // namespace apx::base
