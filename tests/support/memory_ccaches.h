// Which MEMORY ccaches of this process are still alive, seen through libkrb5's own trace.
//
// libkrb5 keeps MEMORY caches in a process-wide table until krb5_cc_destroy, and no
// public call lists it: in MIT 1.20 the collection cursor (krb5_cccol_cursor_next)
// yields a MEMORY cache only when it is the default cache (cc_memory.c,
// krb5_mcc_ptcursor_next). So the watch turns on KRB5_TRACE, which names every cache
// libkrb5 initialises or stores into ("Initializing MEMORY:aB3xY7q with default princ
// ..."), and later asks libkrb5 whether each named cache still holds a principal.
#ifndef APX_TESTS_SUPPORT_MEMORY_CCACHES_H_
#define APX_TESTS_SUPPORT_MEMORY_CCACHES_H_

#include <string>
#include <vector>

namespace apx::test {

class MemoryCcacheWatch {
 public:
  // Sets KRB5_TRACE to `trace_path` (emptied) for every krb5_context made from now on,
  // by apx and by MIT's mechanism alike.
  explicit MemoryCcacheWatch(std::string trace_path);
  // Restores KRB5_TRACE.
  ~MemoryCcacheWatch();
  MemoryCcacheWatch(const MemoryCcacheWatch&) = delete;
  MemoryCcacheWatch& operator=(const MemoryCcacheWatch&) = delete;

  // The MEMORY caches named in the trace so far ("MEMORY:name").
  [[nodiscard]] std::vector<std::string> seen() const;
  // Those of them still alive: an initialised cache keeps its principal until destroyed.
  // (Resolving a destroyed name makes a new, empty cache, which is destroyed again here.)
  [[nodiscard]] std::vector<std::string> live() const;

 private:
  std::string path_;
  bool had_old_ = false;
  std::string old_;
};

// Those of `names` ("MEMORY:name") that are alive in this process.
[[nodiscard]] std::vector<std::string> live_memory_ccaches(const std::vector<std::string>& names);

}  // namespace apx::test

#endif  // APX_TESTS_SUPPORT_MEMORY_CCACHES_H_
