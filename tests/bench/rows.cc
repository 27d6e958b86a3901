#include "bench/rows.h"

#include <benchmark/benchmark.h>
#include <gssapi/gssapi_ext.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/alloc_count.h"
#include "bench/limit.h"
#include "bench/syscall_count.h"

namespace apx::bench {
namespace {

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 31 + 7);
  return v;
}

long minor_faults() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_minflt;
}

// Heap calls and page faults of the timed loop, reported per iteration in every row. The
// faults show where glibc hands out freshly mapped memory: with its default thresholds a
// 1 MiB buffer freed at the top of the heap is returned to the kernel and the next one is
// faulted in again, page by page.
class HeapCount {
 public:
  HeapCount() : allocs_(apx_bench_allocs()), frees_(apx_bench_frees()), faults_(minor_faults()) {}
  void report(benchmark::State& st) const {
    using benchmark::Counter;
    st.counters["allocs_per_iter"] =
        Counter(static_cast<double>(apx_bench_allocs() - allocs_), Counter::kAvgIterations);
    st.counters["frees_per_iter"] =
        Counter(static_cast<double>(apx_bench_frees() - frees_), Counter::kAvgIterations);
    st.counters["faults_per_iter"] =
        Counter(static_cast<double>(minor_faults() - faults_), Counter::kAvgIterations);
  }

 private:
  long allocs_, frees_, faults_;
};

void fail(benchmark::State& st, Mech m, const char* call, OM_uint32 major, OM_uint32 minor) {
  st.SkipWithError((std::string(call) + ": " + status_text(major, minor, mech_oid(m))).c_str());
}

void bytes(benchmark::State& st, size_t n) {
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * static_cast<int64_t>(n));
}

// gss_wrap on the initiator, gss_unwrap on the acceptor, both output buffers released.
void wrap_unwrap(benchmark::State& st, Mech m, Enc e, size_t n, int conf) {
  const Pair& p = pair(m, e);
  std::vector<uint8_t> data = pattern(n);
  gss_buffer_desc in = {n, data.data()};
  HeapCount heap;
  for (auto _ : st) {
    OM_uint32 minor = 0, m2 = 0;
    int conf_state = -1;
    gss_buffer_desc token = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
    OM_uint32 major = gss_wrap(&minor, p.init, conf, GSS_C_QOP_DEFAULT, &in, &conf_state, &token);
    const char* call = "gss_wrap";
    if (major == GSS_S_COMPLETE) {
      call = "gss_unwrap";
      major = gss_unwrap(&minor, p.acc, &token, &out, &conf_state, nullptr);
    }
    const bool ok = major == GSS_S_COMPLETE && conf_state == conf && out.length == n;
    gss_release_buffer(&m2, &token);
    gss_release_buffer(&m2, &out);
    if (!ok) {
      fail(st, m, call, major, minor);
      break;
    }
  }
  heap.report(st);
  bytes(st, n);
}

// gss_get_mic on the initiator, gss_verify_mic on the acceptor, the token released.
void mic(benchmark::State& st, Mech m, Enc e, size_t n) {
  const Pair& p = pair(m, e);
  std::vector<uint8_t> data = pattern(n);
  gss_buffer_desc in = {n, data.data()};
  HeapCount heap;
  for (auto _ : st) {
    OM_uint32 minor = 0, m2 = 0;
    gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
    OM_uint32 major = gss_get_mic(&minor, p.init, GSS_C_QOP_DEFAULT, &in, &token);
    const char* call = "gss_get_mic";
    if (major == GSS_S_COMPLETE) {
      call = "gss_verify_mic";
      major = gss_verify_mic(&minor, p.acc, &in, &token, nullptr);
    }
    gss_release_buffer(&m2, &token);
    if (major != GSS_S_COMPLETE) {
      fail(st, m, call, major, minor);
      break;
    }
  }
  heap.report(st);
  bytes(st, n);
}

// gss_wrap_iov / gss_unwrap_iov with HEADER | DATA | PADDING | TRAILER, conf=1. The
// buffers are sized once with gss_wrap_iov_length and owned here. Both mechanisms
// encrypt DATA in place and decrypt it back in place, so the data needs no refill: the
// loop only resets the four descriptors (the calls may change their lengths). The data
// is compared with the original after the loop.
void wrap_iov(benchmark::State& st, Mech m, Enc e, size_t n) {
  const Pair& p = pair(m, e);
  const std::vector<uint8_t> original = pattern(n);
  std::vector<uint8_t> data = original;
  gss_iov_buffer_desc iov[4] = {{GSS_IOV_BUFFER_TYPE_HEADER, {0, nullptr}},
                                {GSS_IOV_BUFFER_TYPE_DATA, {n, data.data()}},
                                {GSS_IOV_BUFFER_TYPE_PADDING, {0, nullptr}},
                                {GSS_IOV_BUFFER_TYPE_TRAILER, {0, nullptr}}};
  OM_uint32 minor = 0;
  int conf_state = 0;
  OM_uint32 major =
      gss_wrap_iov_length(&minor, p.init, 1, GSS_C_QOP_DEFAULT, &conf_state, iov, 4);
  if (major != GSS_S_COMPLETE) return fail(st, m, "gss_wrap_iov_length", major, minor);
  const size_t lengths[4] = {iov[0].buffer.length, n, iov[2].buffer.length,
                             iov[3].buffer.length};
  // At least one byte each so no buffer pointer is null.
  std::vector<uint8_t> header(lengths[0] + 1), padding(lengths[2] + 1), trailer(lengths[3] + 1);
  uint8_t* const bufs[4] = {header.data(), data.data(), padding.data(), trailer.data()};
  HeapCount heap;
  for (auto _ : st) {
    for (int i = 0; i < 4; ++i) iov[i].buffer = {lengths[i], bufs[i]};
    major = gss_wrap_iov(&minor, p.init, 1, GSS_C_QOP_DEFAULT, &conf_state, iov, 4);
    const char* call = "gss_wrap_iov";
    if (major == GSS_S_COMPLETE) {
      call = "gss_unwrap_iov";
      major = gss_unwrap_iov(&minor, p.acc, &conf_state, nullptr, iov, 4);
    }
    if (major != GSS_S_COMPLETE || conf_state != 1) {
      fail(st, m, call, major, minor);
      break;
    }
  }
  heap.report(st);
  bytes(st, n);
  if (!st.error_occurred() && data != original) {
    st.SkipWithError("unwrap_iov did not restore the data in place");
  }
}

void limit_seal(benchmark::State& st, Enc e, size_t n) {
  Limit limit(e);
  std::vector<uint8_t> msg = pattern(16 + n + 16);
  const std::vector<uint8_t> original = msg;
  HeapCount heap;
  for (auto _ : st) {
    if (!limit.seal_unseal(msg)) {
      st.SkipWithError("MAC mismatch");
      break;
    }
  }
  heap.report(st);
  bytes(st, n);
  if (!st.error_occurred() && msg != original) st.SkipWithError("decryption mismatch");
}

gss_name_t import_target(Enc e) {
  OM_uint32 minor = 0;
  const char* text = target_name(e);
  gss_buffer_desc name_buf = {std::strlen(text), const_cast<char*>(text)};
  gss_name_t target = GSS_C_NO_NAME;
  if (gss_import_name(&minor, &name_buf, GSS_C_NT_HOSTBASED_SERVICE, &target) != GSS_S_COMPLETE)
    throw std::runtime_error(std::string("gss_import_name ") + text);
  return target;
}

void limit_mac(benchmark::State& st, Enc e, size_t n) {
  Limit limit(e);
  const std::vector<uint8_t> msg = pattern(n + 16);
  HeapCount heap;
  for (auto _ : st) {
    if (!limit.mac_verify(msg)) {
      st.SkipWithError("MAC mismatch");
      break;
    }
  }
  heap.report(st);
  bytes(st, n);
}

// init -> accept -> init (mutual authentication) and both contexts deleted. sha1: the
// default credentials on both sides (GSS_C_NO_CREDENTIAL); sha2: an initiator credential
// limited to aes256-cts-hmac-sha384-192 (else the session key would be the first
// permitted enctype) and the default acceptor credential. The service ticket is in the
// ccache from the pairs' establishment, so the KDC is not involved. System calls and heap
// calls are counted over the whole row.
void establish_row(benchmark::State& st, Mech m, Enc e) {
  OM_uint32 minor = 0;
  gss_name_t target = import_target(e);
  gss_cred_id_t init_cred = e == Enc::sha1 ? GSS_C_NO_CREDENTIAL : bench_cred(m, e, false);
  SyscallCount sys;
  HeapCount heap;
  for (auto _ : st) {
    Pair p;
    std::string error = establish(m, target, init_cred, p);
    release(p);
    if (!error.empty()) {
      st.SkipWithError(error.c_str());
      break;
    }
  }
  heap.report(st);
  if (sys.available())
    st.counters["syscalls_per_iter"] =
        benchmark::Counter(static_cast<double>(sys.read()), benchmark::Counter::kAvgIterations);
  if (init_cred != GSS_C_NO_CREDENTIAL) gss_release_cred(&minor, &init_cred);
  gss_release_name(&minor, &target);
}

// Credentials shared by the threads of one establish_threads row: made before the row,
// released after it (main.cc).
struct SharedCreds {
  gss_cred_id_t init = GSS_C_NO_CREDENTIAL;
  gss_cred_id_t acc = GSS_C_NO_CREDENTIAL;
  gss_name_t target = GSS_C_NO_NAME;
};
SharedCreds g_shared[2];

// Contexts per second with 1 or 2 threads establishing at once, all through one initiator
// credential and one acceptor credential.
void establish_threads(benchmark::State& st, Mech m) {
  const SharedCreds& c = g_shared[static_cast<int>(m)];
  for (auto _ : st) {
    Pair p;
    std::string error = establish(m, c.target, c.init, p, c.acc);
    release(p);
    if (!error.empty()) {
      st.SkipWithError(error.c_str());
      break;
    }
  }
  st.SetItemsProcessed(st.iterations());
}

std::string row_name(Op op, Mech m, Enc e, size_t n) {
  return std::string(op_name(op)) + "/" + mech_name(m) + "/" + enc_name(e) + "/" +
         std::to_string(n);
}

}  // namespace

const char* op_name(Op op) {
  switch (op) {
    case Op::wrap_conf: return "wrap_unwrap_conf";
    case Op::wrap_integ: return "wrap_unwrap_integ";
    case Op::mic: return "mic";
    case Op::iov: return "wrap_iov";
  }
  return "?";
}

const char* op_title(Op op) {
  switch (op) {
    case Op::wrap_conf: return "wrap+unwrap conf=1";
    case Op::wrap_integ: return "wrap+unwrap conf=0";
    case Op::mic: return "get_mic+verify_mic";
    case Op::iov: return "wrap_iov+unwrap_iov";
  }
  return "?";
}

const char* limit_name(LimitKind k) { return k == LimitKind::seal ? "limit_seal" : "limit_mac"; }

LimitKind limit_of(Op op) {
  return op == Op::wrap_conf || op == Op::iov ? LimitKind::seal : LimitKind::mac;
}

void register_rows() {
  for (Op op : kOps) {
    for (Enc e : kEncs) {
      for (size_t n : kSizes) {
        for (Mech m : kMechs) {
          const std::string name = row_name(op, m, e, n);
          switch (op) {
            case Op::wrap_conf:
              benchmark::RegisterBenchmark(name.c_str(), wrap_unwrap, m, e, n, 1);
              break;
            case Op::wrap_integ:
              benchmark::RegisterBenchmark(name.c_str(), wrap_unwrap, m, e, n, 0);
              break;
            case Op::mic: benchmark::RegisterBenchmark(name.c_str(), mic, m, e, n); break;
            case Op::iov: benchmark::RegisterBenchmark(name.c_str(), wrap_iov, m, e, n); break;
          }
        }
      }
    }
  }
  // Per-message rows are timed in CPU time of this thread (the library's default): they
  // never block, and on a shared machine CPU time is what another process cannot
  // inflate by taking the core away. Establishment writes the replay cache, so it is
  // timed in real time.
  for (Enc e : kEncs) {
    for (size_t n : kSizes) {
      const std::string suffix = std::string("/") + enc_name(e) + "/" + std::to_string(n);
      benchmark::RegisterBenchmark((limit_name(LimitKind::seal) + suffix).c_str(), limit_seal, e, n);
      benchmark::RegisterBenchmark((limit_name(LimitKind::mac) + suffix).c_str(), limit_mac, e, n);
    }
  }
  for (Enc e : kEncs) {
    for (Mech m : kMechs) {
      benchmark::RegisterBenchmark(
          (std::string("establish/") + mech_name(m) + "/" + enc_name(e)).c_str(), establish_row,
          m, e)
          ->UseRealTime()
          ->MinTime(1.0);
    }
  }
  for (Mech m : kMechs) {
    SharedCreds& c = g_shared[static_cast<int>(m)];
    c.target = import_target(Enc::sha1);
    c.init = bench_cred(m, Enc::sha1, false);
    c.acc = bench_cred(m, Enc::sha1, true);
    benchmark::RegisterBenchmark(
        (std::string("establish_threads/") + mech_name(m) + "/sha1").c_str(), establish_threads,
        m)
        ->UseRealTime()
        ->MinTime(1.0)
        ->Threads(1)
        ->Threads(2);
  }
}

}  // namespace apx::bench
