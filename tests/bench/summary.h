// The comparison printed after the Google Benchmark output: per operation, enctype and
// size, apx against MIT and against the OpenSSL floor, with heap calls.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

namespace apx::bench {

// Console output as usual, and every finished row kept for the summary. Written for
// Google Benchmark 1.7 (Run::error_occurred).
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  // Colours only on a terminal.
  SummaryReporter();

  struct Row {
    double ns = 0;  // time per iteration: CPU time, or real time for rows that use it
    double allocs = 0, frees = 0, faults = 0;
    double cpu_ns = 0;          // CPU time per iteration, whichever time the row is timed in
    double syscalls = -1;       // per iteration, when counted (establish rows)
    double per_second = 0;      // items per second (establish_threads rows)
    bool failed = false;
  };

  void ReportRuns(const std::vector<Run>& runs) override;
  const std::map<std::string, Row>& rows() const { return rows_; }
  bool any_failed() const { return any_failed_; }

 private:
  std::map<std::string, Row> rows_;
  bool any_failed_ = false;
};

// Heap calls of one call of each per-message function, per mechanism and enctype, at
// 1 KiB after a warm-up. Measured before the benchmarks run; returns the printed table.
std::string single_call_report();

void print_summary(const SummaryReporter& r, const std::string& single_calls);

}  // namespace apx::bench
