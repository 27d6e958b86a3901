#include "bench/summary.h"

#include <gssapi/gssapi_ext.h>
#include <unistd.h>

#include <cstdio>
#include <iterator>
#include <vector>
#include <stdexcept>

#include "bench/alloc_count.h"
#include "bench/pairs.h"
#include "bench/rows.h"

namespace apx::bench {
namespace {

// The targets, checked per table row; misses are listed in the last column.
std::string misses(Op op, size_t n, const SummaryReporter::Row* apx,
                   const SummaryReporter::Row* mit, const SummaryReporter::Row* limit) {
  std::string out;
  auto add = [&](const std::string& s) { out += out.empty() ? s : ", " + s; };
  if (apx == nullptr) return out;
  const double speed = mit != nullptr ? mit->ns / apx->ns : 0;
  const double floor = limit != nullptr ? limit->ns / apx->ns : 0;
  if (op == Op::wrap_conf || op == Op::iov) {
    if (mit != nullptr && n >= 16 * 1024 && speed < 3) add("MIT/apx<3");
    if (mit != nullptr && n == 64 && speed < 2) add("MIT/apx<2");
    if (limit != nullptr && n == 1024 * 1024 && floor < 0.8) add("limit/apx<0.8");
  }
  if (op == Op::mic && mit != nullptr && speed < 2) add("MIT/apx<2");
  // Heap: the output buffer of each wrap, unwrap and get_mic (the caller releases it with
  // gss_release_buffer), nothing else; nothing at all for verify_mic and the IOV calls.
  const double allowed = op == Op::iov ? 0 : op == Op::mic ? 1 : 2;
  if (apx->allocs > allowed + 0.01) add("allocs>" + std::to_string(static_cast<int>(allowed)));
  return out;
}

const SummaryReporter::Row* find(const SummaryReporter& r, const std::string& name) {
  auto it = r.rows().find(name);
  return it == r.rows().end() || it->second.failed ? nullptr : &it->second;
}

std::string size_text(size_t n) {
  if (n >= 1024 * 1024) return std::to_string(n / (1024 * 1024)) + " MiB";
  if (n >= 1024) return std::to_string(n / 1024) + " KiB";
  return std::to_string(n) + " B";
}

std::string num(const SummaryReporter::Row* row, double (*get)(const SummaryReporter::Row&),
                const char* fmt) {
  if (row == nullptr) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, get(*row));
  return buf;
}

std::string ratio(const SummaryReporter::Row* num_row, const SummaryReporter::Row* den_row) {
  if (num_row == nullptr || den_row == nullptr) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", num_row->ns / den_row->ns);
  return buf;
}

double ns_of(const SummaryReporter::Row& r) { return r.ns; }
double allocs_of(const SummaryReporter::Row& r) { return r.allocs; }
double faults_of(const SummaryReporter::Row& r) { return r.faults; }

}  // namespace

SummaryReporter::SummaryReporter()
    : ConsoleReporter(isatty(fileno(stdout)) != 0 ? OO_ColorTabular : OO_Tabular) {}

void SummaryReporter::ReportRuns(const std::vector<Run>& runs) {
  for (const Run& run : runs) {
    if (run.run_type != Run::RT_Iteration) continue;
    Row row;
    row.failed = run.error_occurred;
    any_failed_ = any_failed_ || run.error_occurred;
    const double t = run.run_name.time_type.empty() ? run.GetAdjustedCPUTime()
                                                    : run.GetAdjustedRealTime();
    row.ns = t / benchmark::GetTimeUnitMultiplier(run.time_unit) * 1e9;
    if (auto it = run.counters.find("allocs_per_iter"); it != run.counters.end())
      row.allocs = it->second.value;
    if (auto it = run.counters.find("frees_per_iter"); it != run.counters.end())
      row.frees = it->second.value;
    if (auto it = run.counters.find("faults_per_iter"); it != run.counters.end())
      row.faults = it->second.value;
    if (auto it = run.counters.find("syscalls_per_iter"); it != run.counters.end())
      row.syscalls = it->second.value;
    if (auto it = run.counters.find("items_per_second"); it != run.counters.end())
      row.per_second = it->second.value;
    row.cpu_ns = run.GetAdjustedCPUTime() / benchmark::GetTimeUnitMultiplier(run.time_unit) * 1e9;
    // With --benchmark_repetitions the fastest repetition is kept.
    // The registered name, without the /real_time or /min_time suffixes.
    std::string key = run.run_name.function_name;
    if (!run.run_name.threads.empty()) key += "/" + run.run_name.threads;
    auto [it, fresh] = rows_.try_emplace(key, row);
    if (!fresh && !row.failed && (it->second.failed || row.ns < it->second.ns)) it->second = row;
  }
  ConsoleReporter::ReportRuns(runs);
}

namespace {

// The buffers of one measured cycle: a MIC token, a wrap token, an unwrap output and an
// IOV array over caller-owned buffers, each call's input being an earlier call's output.
struct Cycle {
  static constexpr size_t kN = 1024;
  OM_uint32 minor = 0;
  std::vector<uint8_t> data = std::vector<uint8_t>(kN, 0x5a);
  std::vector<uint8_t> header = std::vector<uint8_t>(128), padding = std::vector<uint8_t>(128),
                       trailer = std::vector<uint8_t>(128);
  gss_buffer_desc in = {kN, data.data()};
  gss_buffer_desc mic = GSS_C_EMPTY_BUFFER, token = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
  gss_iov_buffer_desc iov[4] = {};

  explicit Cycle(const Pair& p) {
    iov[0] = {GSS_IOV_BUFFER_TYPE_HEADER, {0, nullptr}};
    iov[1] = {GSS_IOV_BUFFER_TYPE_DATA, {kN, data.data()}};
    iov[2] = {GSS_IOV_BUFFER_TYPE_PADDING, {0, nullptr}};
    iov[3] = {GSS_IOV_BUFFER_TYPE_TRAILER, {0, nullptr}};
    if (gss_wrap_iov_length(&minor, p.init, 1, GSS_C_QOP_DEFAULT, nullptr, iov, 4) !=
            GSS_S_COMPLETE ||
        iov[0].buffer.length > header.size() || iov[2].buffer.length > padding.size() ||
        iov[3].buffer.length > trailer.size())
      throw std::runtime_error("single-call report: gss_wrap_iov_length failed");
    iov[0].buffer.value = header.data();
    iov[2].buffer.value = padding.data();
    iov[3].buffer.value = trailer.data();
  }
  ~Cycle() {
    gss_release_buffer(&minor, &mic);
    gss_release_buffer(&minor, &token);
    gss_release_buffer(&minor, &out);
  }
};

constexpr const char* kCallNames[] = {"gss_get_mic",         "gss_verify_mic",
                                      "gss_wrap (conf=1)",   "gss_unwrap (conf=1)",
                                      "gss_wrap_iov (conf=1)", "gss_unwrap_iov"};

OM_uint32 call(size_t i, const Pair& p, Cycle& c) {
  switch (i) {
    case 0: return gss_get_mic(&c.minor, p.init, GSS_C_QOP_DEFAULT, &c.in, &c.mic);
    case 1: return gss_verify_mic(&c.minor, p.acc, &c.in, &c.mic, nullptr);
    case 2: return gss_wrap(&c.minor, p.init, 1, GSS_C_QOP_DEFAULT, &c.in, nullptr, &c.token);
    case 3: return gss_unwrap(&c.minor, p.acc, &c.token, &c.out, nullptr, nullptr);
    case 4: return gss_wrap_iov(&c.minor, p.init, 1, GSS_C_QOP_DEFAULT, nullptr, c.iov, 4);
    case 5: return gss_unwrap_iov(&c.minor, p.acc, nullptr, nullptr, c.iov, 4);
  }
  return GSS_S_FAILURE;
}

}  // namespace

std::string single_call_report() {
  constexpr size_t kCalls = std::size(kCallNames);
  std::string cells[kCalls][4];
  int column = 0;
  for (Enc e : kEncs) {
    for (Mech m : kMechs) {
      const Pair& p = pair(m, e);
      // Three warm-up cycles (lazy initialisation in either library), then the measured one.
      for (int round = 0; round < 4; ++round) {
        Cycle c(p);
        for (size_t i = 0; i < kCalls; ++i) {
          const long a = apx_bench_allocs(), f = apx_bench_frees();
          const OM_uint32 major = call(i, p, c);
          const long da = apx_bench_allocs() - a, df = apx_bench_frees() - f;
          if (major != GSS_S_COMPLETE) {
            throw std::runtime_error(std::string("single-call report: ") + kCallNames[i] +
                                     " failed: " + status_text(major, c.minor, mech_oid(m)));
          }
          cells[i][column] = std::to_string(da) + "/" + std::to_string(df);
        }
      }
      ++column;
    }
  }
  std::string table =
      "Heap calls of one call at 1 KiB, allocations/frees inside the call (output buffers are "
      "freed afterwards by gss_release_buffer, one free each)\n";
  char line[160];
  std::snprintf(line, sizeof line, "  %-22s %10s %10s %10s %10s\n", "call", "apx sha1",
                "MIT sha1", "apx sha2", "MIT sha2");
  table += line;
  for (size_t i = 0; i < kCalls; ++i) {
    std::snprintf(line, sizeof line, "  %-22s %10s %10s %10s %10s\n", kCallNames[i],
                  cells[i][0].c_str(), cells[i][1].c_str(), cells[i][2].c_str(),
                  cells[i][3].c_str());
    table += line;
  }
  return table;
}

namespace {

double cpu_of(const SummaryReporter::Row& r) { return r.cpu_ns; }
double sys_of(const SummaryReporter::Row& r) { return r.syscalls; }
double rate_of(const SummaryReporter::Row& r) { return r.per_second; }

std::string quotient(const SummaryReporter::Row* a, const SummaryReporter::Row* b,
                     double (*get)(const SummaryReporter::Row&)) {
  if (a == nullptr || b == nullptr || get(*b) <= 0 || get(*a) < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", get(*a) / get(*b));
  return buf;
}

// Establishment: time (real and CPU), system calls and heap allocations per established
// context pair, apx beside MIT; then contexts per second with 1 and 2 threads.
void print_establishment(const SummaryReporter& r) {
  bool header = false;
  for (Enc e : kEncs) {
    const auto* apx = find(r, std::string("establish/apx/") + enc_name(e));
    const auto* mit = find(r, std::string("establish/MIT/") + enc_name(e));
    if (apx == nullptr && mit == nullptr) continue;
    if (!header) {
      std::printf("\nEstablishment (init, accept, init; mutual; file rcache), per context pair; "
                  "speed = MIT/apx, sys and al ratios = apx/MIT\n%-5s %10s %10s %6s %10s %10s "
                  "%6s %7s %7s %5s %7s %7s %5s\n",
                  "enc", "apx real", "MIT real", "speed", "apx cpu", "MIT cpu", "speed",
                  "apx sys", "MIT sys", "ratio", "apx al", "MIT al", "ratio");
      header = true;
    }
    std::printf("%-5s %10s %10s %6s %10s %10s %6s %7s %7s %5s %7s %7s %5s\n", enc_name(e),
                num(apx, ns_of, "%.0f").c_str(), num(mit, ns_of, "%.0f").c_str(),
                quotient(mit, apx, ns_of).c_str(), num(apx, cpu_of, "%.0f").c_str(),
                num(mit, cpu_of, "%.0f").c_str(), quotient(mit, apx, cpu_of).c_str(),
                num(apx, sys_of, "%.1f").c_str(), num(mit, sys_of, "%.1f").c_str(),
                quotient(apx, mit, sys_of).c_str(), num(apx, allocs_of, "%.0f").c_str(),
                num(mit, allocs_of, "%.0f").c_str(), quotient(apx, mit, allocs_of).c_str());
  }
  const auto* a1 = find(r, "establish_threads/apx/sha1/threads:1");
  const auto* a2 = find(r, "establish_threads/apx/sha1/threads:2");
  const auto* m1 = find(r, "establish_threads/MIT/sha1/threads:1");
  const auto* m2 = find(r, "establish_threads/MIT/sha1/threads:2");
  if (a1 == nullptr && m1 == nullptr) return;
  std::printf("Contexts per second, one shared initiator and acceptor credential (sha1):\n"
              "  apx 1 thread %s, 2 threads %s; MIT 1 thread %s, 2 threads %s\n",
              num(a1, rate_of, "%.0f").c_str(), num(a2, rate_of, "%.0f").c_str(),
              num(m1, rate_of, "%.0f").c_str(), num(m2, rate_of, "%.0f").c_str());
}

}  // namespace

void print_summary(const SummaryReporter& r, const std::string& single_calls) {
  std::printf("\nSummary: ns per operation (CPU time; establishment real time), speed = MIT ns"
              " / apx ns, limit = OpenSSL floor ns / apx ns,\nal = heap allocations and pf = "
              "page faults per operation\n");
  std::printf("%-21s %-4s %8s %12s %12s %7s %7s %7s %7s %7s %7s  %s\n", "operation", "enc",
              "size", "apx ns", "MIT ns", "speed", "limit", "apx al", "MIT al", "apx pf",
              "MIT pf", "target misses");
  for (Op op : kOps) {
    for (Enc e : kEncs) {
      for (size_t n : kSizes) {
        auto name = [&](Mech m) {
          return std::string(op_name(op)) + "/" + mech_name(m) + "/" + enc_name(e) + "/" +
                 std::to_string(n);
        };
        const auto* apx = find(r, name(Mech::apx));
        const auto* mit = find(r, name(Mech::mit));
        const auto* lim = find(r, std::string(limit_name(limit_of(op))) + "/" + enc_name(e) +
                                      "/" + std::to_string(n));
        if (apx == nullptr && mit == nullptr) continue;
        std::printf("%-21s %-4s %8s %12s %12s %7s %7s %7s %7s %7s %7s  %s\n", op_title(op),
                    enc_name(e), size_text(n).c_str(), num(apx, ns_of, "%.0f").c_str(),
                    num(mit, ns_of, "%.0f").c_str(), ratio(mit, apx).c_str(),
                    ratio(lim, apx).c_str(), num(apx, allocs_of, "%.1f").c_str(),
                    num(mit, allocs_of, "%.1f").c_str(), num(apx, faults_of, "%.0f").c_str(),
                    num(mit, faults_of, "%.0f").c_str(), misses(op, n, apx, mit, lim).c_str());
      }
    }
  }
  print_establishment(r);
  std::printf("\n%s", single_calls.c_str());
  std::fflush(stdout);
}

}  // namespace apx::bench
