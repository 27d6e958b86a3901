#include "krb5/context_pool.h"

#include <time.h>

#include <array>
#include <cstdlib>
#include <mutex>
#include <string>

namespace apx::k5 {
namespace {

// Enough for the contexts of a few threads establishing at once; more are freed.
constexpr size_t kPoolSize = 16;
// Nanoseconds a released context stays usable (see the header).
constexpr int64_t kMaxAgeNs = 1'000'000'000;

struct Entry {
  krb5_context ctx = nullptr;
  int64_t born = 0;  // CLOCK_MONOTONIC when krb5_init_context made it
};

struct Pool {
  std::mutex mu;
  std::array<Entry, kPoolSize> free{};
  size_t count = 0;
  std::string config;  // KRB5_CONFIG when the pooled contexts were made
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: contexts may be released at exit
  return *p;
}

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string config_env() {
  const char* v = secure_getenv("KRB5_CONFIG");
  return v != nullptr ? v : "";
}

}  // namespace

krb5_error_code pooled_context(krb5_context* out, int64_t* born) {
  Pool& p = pool();
  const int64_t now = now_ns();
  const std::string config = config_env();
  {
    std::lock_guard<std::mutex> l(p.mu);
    // A changed KRB5_CONFIG: the pooled contexts read the old files (flushed on release).
    while (p.config == config && p.count > 0) {
      const Entry e = p.free[--p.count];
      if (now - e.born < kMaxAgeNs) {
        *out = e.ctx;
        *born = e.born;
        return 0;
      }
      krb5_free_context(e.ctx);
    }
  }
  *born = now;
  return krb5_init_context(out);
}

void release_context(krb5_context c, int64_t born) {
  const int64_t now = now_ns();
  if (now - born >= kMaxAgeNs) {
    krb5_free_context(c);
    return;
  }
  // What an owner may have set: the default ccache name (gss_krb5_ccache_name, stores),
  // the TGS enctypes (gss_krb5_set_allowable_enctypes), the last error message.
  (void)krb5_cc_set_default_name(c, nullptr);
  (void)krb5_set_default_tgs_enctypes(c, nullptr);
  krb5_clear_error_message(c);
  const std::string config = config_env();
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> l(p.mu);
    if (p.config != config) {
      for (size_t i = 0; i < p.count; ++i) krb5_free_context(p.free[i].ctx);
      p.count = 0;
      p.config = config;
    }
    if (p.count < kPoolSize) {
      p.free[p.count++] = {c, born};
      return;
    }
  }
  krb5_free_context(c);
}

}  // namespace apx::k5
