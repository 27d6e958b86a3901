#include "support/memory_ccaches.h"

#include <krb5/krb5.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

namespace apx::test {

MemoryCcacheWatch::MemoryCcacheWatch(std::string trace_path) : path_(std::move(trace_path)) {
  if (const char* old = std::getenv("KRB5_TRACE")) {
    had_old_ = true;
    old_ = old;
  }
  std::ofstream(path_, std::ios::trunc);
  setenv("KRB5_TRACE", path_.c_str(), 1);
}

MemoryCcacheWatch::~MemoryCcacheWatch() {
  if (had_old_) {
    setenv("KRB5_TRACE", old_.c_str(), 1);
  } else {
    unsetenv("KRB5_TRACE");
  }
}

std::vector<std::string> MemoryCcacheWatch::seen() const {
  std::ifstream in(path_);
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  // krb5int_random_string names: letters and digits.
  static const std::regex kName("MEMORY:([A-Za-z0-9]+)");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), kName); it != std::sregex_iterator();
       ++it)
    names.insert(it->str());
  return {names.begin(), names.end()};
}

std::vector<std::string> MemoryCcacheWatch::live() const { return live_memory_ccaches(seen()); }

std::vector<std::string> live_memory_ccaches(const std::vector<std::string>& names) {
  krb5_context c = nullptr;
  if (krb5_init_context(&c) != 0) throw std::runtime_error("krb5_init_context failed");
  // This context's own calls stay out of the trace being read.
  (void)krb5_set_trace_callback(c, nullptr, nullptr);
  std::vector<std::string> alive;
  for (const std::string& name : names) {
    krb5_ccache cc = nullptr;
    if (krb5_cc_resolve(c, name.c_str(), &cc) != 0) continue;
    krb5_principal p = nullptr;
    if (krb5_cc_get_principal(c, cc, &p) == 0) {
      alive.push_back(name);
      krb5_free_principal(c, p);
      krb5_cc_close(c, cc);
    } else {
      krb5_cc_destroy(c, cc);  // the empty cache krb5_cc_resolve just made
    }
  }
  krb5_free_context(c);
  return alive;
}

}  // namespace apx::test
