#include "peer_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace apx::test {
namespace {

// The socket end a child receives, at a fixed number.
constexpr int kChildSocketFd = 3;

struct Child {
  pid_t pid = -1;
  int out = -1;  // read ends of its stdout / stderr pipes
  int err = -1;
};

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

std::vector<std::string> child_env(const PeerSpec& spec) {
  std::set<std::string> drop(spec.unset.begin(), spec.unset.end());
  for (const auto& [key, value] : spec.env) drop.insert(key);
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (drop.count(entry.substr(0, entry.find('='))) == 0) env.push_back(std::move(entry));
  }
  for (const auto& [key, value] : spec.env) env.push_back(key + "=" + value);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Starts program with spec; sock (or -1) becomes the child's fd 3.
Child spawn(const std::string& program, const PeerSpec& spec, int sock) {
  std::vector<std::string> argv_s{program};
  argv_s.insert(argv_s.end(), spec.args.begin(), spec.args.end());
  if (sock >= 0) {
    argv_s.push_back("--fd");
    argv_s.push_back(std::to_string(kChildSocketFd));
  }
  std::vector<std::string> env_s = child_env(spec);
  std::vector<char*> argv = c_strings(argv_s);
  std::vector<char*> envp = c_strings(env_s);

  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) fail("pipe2");
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    fail("pipe2");
  }
  pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls until execve.
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    if (sock == kChildSocketFd) {
      fcntl(sock, F_SETFD, 0);
    } else if (sock >= 0) {
      dup2(sock, kChildSocketFd);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    close(out[0]);
    close(err[0]);
    fail("fork");
  }
  return Child{pid, out[0], err[0]};
}

double now_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Reads every child's stdout and stderr to EOF (or until the deadline, then kills
// them), reaps them and fills results.
void collect(std::vector<Child>& children, std::vector<PeerResult>& results, int timeout_seconds) {
  struct Stream {
    int fd;
    std::string* sink;
  };
  std::vector<Stream> open;
  for (size_t i = 0; i < children.size(); ++i) {
    open.push_back({children[i].out, &results[i].out});
    open.push_back({children[i].err, &results[i].err});
  }
  const double deadline = now_seconds() + timeout_seconds;
  bool timed_out = false;
  while (!open.empty()) {
    double left = deadline - now_seconds();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    std::vector<pollfd> fds;
    for (const auto& s : open) fds.push_back({s.fd, POLLIN, 0});
    int n = poll(fds.data(), fds.size(), static_cast<int>(left * 1000) + 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("poll");
    for (size_t i = fds.size(); i-- > 0;) {
      if (fds[i].revents == 0) continue;
      char buf[4096];
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        open[i].sink->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        close(fds[i].fd);
        open.erase(open.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
  }
  for (const auto& s : open) close(s.fd);
  for (size_t i = 0; i < children.size(); ++i) {
    if (timed_out) kill(children[i].pid, SIGKILL);
    int status = 0;
    while (waitpid(children[i].pid, &status, 0) < 0 && errno == EINTR) {
    }
    results[i].timed_out = timed_out;
    results[i].exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
}

void parse_output(PeerResult& r) {
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    r.kv.emplace(line.substr(0, eq), line.substr(eq + 1));
  }
}

}  // namespace

std::string PeerResult::get(const std::string& key) const {
  auto it = kv.find(key);
  return it == kv.end() ? std::string() : it->second;
}

std::string PeerResult::describe(const std::string& label, const PeerSpec& spec) const {
  std::ostringstream s;
  s << "---- " << label << ": exit " << exit_code << (timed_out ? " (timed out)" : "") << "\n  args:";
  for (const auto& a : spec.args) s << " " << a;
  s << "\n  env:";
  for (const auto& [key, value] : spec.env) s << " " << key << "=" << value;
  // Passed message checks (msg.*=ok, hundreds of them) are counted, not listed.
  s << "\n  stdout:\n";
  std::istringstream lines(out);
  size_t passed = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("msg.", 0) == 0 && line.size() > 3 && line.compare(line.size() - 3, 3, "=ok") == 0) {
      ++passed;
    } else {
      s << line << "\n";
    }
  }
  if (passed > 0) s << "(" << passed << " msg.*=ok lines not shown)\n";
  s << "  stderr:\n" << err;
  return s.str();
}

std::pair<PeerResult, PeerResult> run_pair(const std::string& program, const PeerSpec& initiator,
                                           const PeerSpec& acceptor, int timeout_seconds) {
  return run_pair(program, initiator, program, acceptor, timeout_seconds);
}

std::pair<PeerResult, PeerResult> run_pair(const std::string& initiator_program,
                                           const PeerSpec& initiator,
                                           const std::string& acceptor_program,
                                           const PeerSpec& acceptor, int timeout_seconds) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) fail("socketpair");
  std::vector<Child> children;
  try {
    children.push_back(spawn(initiator_program, initiator, sv[0]));
    children.push_back(spawn(acceptor_program, acceptor, sv[1]));
  } catch (...) {
    close(sv[0]);
    close(sv[1]);
    for (auto& c : children) {
      kill(c.pid, SIGKILL);
      waitpid(c.pid, nullptr, 0);
      close(c.out);
      close(c.err);
    }
    throw;
  }
  // Our copies must go, or a peer would never see the other one hang up.
  close(sv[0]);
  close(sv[1]);
  std::vector<PeerResult> results(2);
  collect(children, results, timeout_seconds);
  parse_output(results[0]);
  parse_output(results[1]);
  return {std::move(results[0]), std::move(results[1])};
}

PeerResult run_alone(const std::string& program, const PeerSpec& spec, int timeout_seconds) {
  std::vector<Child> children{spawn(program, spec, -1)};
  std::vector<PeerResult> results(1);
  collect(children, results, timeout_seconds);
  parse_output(results[0]);
  return std::move(results[0]);
}

std::string read_text(const std::string& file) {
  std::ifstream in(file);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

OM_uint32 parse_hex(const std::string& s) {
  return static_cast<OM_uint32>(std::strtoul(s.c_str(), nullptr, 16));
}

bool trace_shows(const std::string& file, const std::string& step) {
  const std::string text = read_text(file);
  return !text.empty() && text.find(step) != std::string::npos;
}

bool file_is_empty_or_absent(const std::string& file) {
  std::error_code ec;
  return !std::filesystem::exists(file, ec) || std::filesystem::file_size(file, ec) == 0;
}

}  // namespace apx::test
