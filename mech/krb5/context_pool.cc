#include "krb5/context_pool.h"

#include <time.h>

#include <array>
#include <cstdlib>
#include <initializer_list>
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
  // The environment krb5_init_context reads (KRB5_CONFIG, KRB5_TRACE) and its generation:
  // a context made under another environment is not handed out again.
  std::string env;
  uint64_t generation = 0;
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

std::string init_env() {
  std::string out;
  for (const char* name : {"KRB5_CONFIG", "KRB5_TRACE"}) {
    const char* v = secure_getenv(name);
    out += v != nullptr ? v : "";
    out += '\n';
  }
  return out;
}

// Called with the lock held: a changed environment empties the pool.
void follow_env(Pool& p, const std::string& env) {
  if (p.env == env) return;
  for (size_t i = 0; i < p.count; ++i) krb5_free_context(p.free[i].ctx);
  p.count = 0;
  p.env = env;
  ++p.generation;
}

}  // namespace

krb5_error_code pooled_context(krb5_context* out, int64_t* born, uint64_t* generation) {
  Pool& p = pool();
  const int64_t now = now_ns();
  const std::string env = init_env();
  {
    std::lock_guard<std::mutex> l(p.mu);
    follow_env(p, env);
    *generation = p.generation;
    while (p.count > 0) {
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

void release_context(krb5_context c, int64_t born, uint64_t generation) {
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
  const std::string env = init_env();
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> l(p.mu);
    follow_env(p, env);
    if (generation == p.generation && p.count < kPoolSize) {
      p.free[p.count++] = {c, born};
      return;
    }
  }
  krb5_free_context(c);
}

}  // namespace apx::k5
