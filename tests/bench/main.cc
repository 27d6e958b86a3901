// apx_bench: apx (standalone OID) and MIT's built-in krb5 mechanism side by side in one
// process, through MIT's mechglue, against a throwaway realm; then the same
// cryptographic work on raw OpenSSL as the floor, and a summary table.
//
// Without --benchmark_min_time each row runs for at least 0.25 s (establishment rows
// 1 s), about a minute and a half in all.
#include <benchmark/benchmark.h>
#include <openssl/crypto.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "bench/pairs.h"
#include "bench/rows.h"
#include "bench/summary.h"
#include "support/realm.h"

#ifndef APX_STANDALONE_CONF
#error "APX_STANDALONE_CONF must name the generated apx-standalone.conf (tests/bench/meson.build)"
#endif

int main(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  static char default_min_time[] = "--benchmark_min_time=0.25";
  bool has_min_time = false;
  for (char* a : args) {
    has_min_time = has_min_time || std::strncmp(a, "--benchmark_min_time", 20) == 0;
  }
  if (!has_min_time) args.insert(args.begin() + 1, default_min_time);
  int n = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;

  std::string single_calls;
  try {
    apx::test::Realm::shared();
    // Before the first GSS call: the mechglue reads its configuration once.
    setenv("GSS_MECH_CONFIG", APX_STANDALONE_CONF, 1);
    apx::bench::establish_pairs();
    single_calls = apx::bench::single_call_report();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "apx_bench: setup failed: %s\n", e.what());
    return 1;
  }
  std::printf("apx %s vs MIT krb5 1.2.840.113554.1.2.2 (mechglue, GSS_MECH_CONFIG=%s)\n"
              "flags mutual|conf|integ (no replay/sequence); %s; pairs checked by OID and "
              "MIC size\n",
              "2.25.2656788351489794623", APX_STANDALONE_CONF,
              OpenSSL_version(OPENSSL_VERSION));
  std::fflush(stdout);

  apx::bench::register_rows();
  apx::bench::SummaryReporter reporter;
  const size_t ran = benchmark::RunSpecifiedBenchmarks(&reporter);
  apx::bench::print_summary(reporter, single_calls);
  benchmark::Shutdown();
  // A filter that matches nothing must not pass for a successful smoke run.
  return ran == 0 || reporter.any_failed() ? 1 : 0;
}
