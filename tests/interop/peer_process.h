// Runs gss_peer processes for the interop tests: two joined by a socketpair, or one
// alone, each with its own environment, and collects their key=value output.
#ifndef APX_TESTS_INTEROP_PEER_PROCESS_H_
#define APX_TESTS_INTEROP_PEER_PROCESS_H_

#include <gssapi/gssapi.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace apx::test {

using EnvList = std::vector<std::pair<std::string, std::string>>;

struct PeerSpec {
  std::vector<std::string> args;  // gss_peer arguments (without --fd)
  EnvList env;                    // set on top of this process's environment
  std::vector<std::string> unset;  // removed from this process's environment
};

struct PeerResult {
  int exit_code = -1;  // -1: killed by a signal or timed out
  bool timed_out = false;
  std::map<std::string, std::string> kv;  // stdout lines key=value (first wins)
  std::string out;
  std::string err;

  bool has(const std::string& key) const { return kv.count(key) != 0; }
  std::string get(const std::string& key) const;
  // Everything known about the run, for failure messages.
  std::string describe(const std::string& label, const PeerSpec& spec) const;
};

// Runs initiator and acceptor joined by a socketpair (each gets "--fd N").
std::pair<PeerResult, PeerResult> run_pair(const std::string& program, const PeerSpec& initiator,
                                           const PeerSpec& acceptor, int timeout_seconds);

// The same with a program of its own for each side (peers built on different GSS
// libraries).
std::pair<PeerResult, PeerResult> run_pair(const std::string& initiator_program,
                                           const PeerSpec& initiator,
                                           const std::string& acceptor_program,
                                           const PeerSpec& acceptor, int timeout_seconds);

// Runs one peer without a socket.
PeerResult run_alone(const std::string& program, const PeerSpec& spec, int timeout_seconds);

// Small helpers the interop suites share.
std::string read_text(const std::string& file);  // "" when absent
OM_uint32 parse_hex(const std::string& s);        // a peer's "0x..." status
// True when apx served the step: its trace file is not empty and names the step
// ("init_sec_context" for an initiator, "accept_sec_context" for an acceptor).
bool trace_shows(const std::string& file, const std::string& step);
bool file_is_empty_or_absent(const std::string& file);

}  // namespace apx::test

#endif  // APX_TESTS_INTEROP_PEER_PROCESS_H_
