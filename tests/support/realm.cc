#include "support/realm.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>

#ifndef APX_REALM_SCRIPT
#error "APX_REALM_SCRIPT must name scripts/realm (tests/support/meson.build sets it)"
#endif

namespace apx::test {
namespace {

// Read by the exit and signal handlers: only the process that started the realm
// stops it (a forked child that exits must not take the KDC down).
Realm* g_realm = nullptr;
pid_t g_owner = 0;
volatile sig_atomic_t g_kdc_pid = 0;

constexpr int kStopSignals[] = {SIGTERM, SIGINT, SIGHUP};

// Runs `bash scripts/realm VERB DIR`; returns its exit status, or -1.
int run_script(const char* verb, const std::string& dir) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    execl("/bin/bash", "bash", APX_REALM_SCRIPT, verb, dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Parses the lines `export KEY='VALUE'` that scripts/realm writes to DIR/env.
std::vector<std::pair<std::string, std::string>> read_env(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("realm: cannot read " + path);
  std::vector<std::pair<std::string, std::string>> env;
  std::string line;
  const std::string prefix = "export ";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) != 0) continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(prefix.size(), eq - prefix.size());
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
      value = value.substr(1, value.size() - 2);
    }
    env.emplace_back(std::move(key), std::move(value));
  }
  return env;
}

void on_stop_signal(int sig) {
  // Async-signal-safe only: signal the KDC, then die of the same signal.
  if (getpid() == g_owner && g_kdc_pid > 0) kill(static_cast<pid_t>(g_kdc_pid), SIGTERM);
  signal(sig, SIG_DFL);
  raise(sig);
}

void install_signal_handlers() {
  for (int sig : kStopSignals) {
    struct sigaction old {};
    // Leave handlers someone else installed alone.
    if (sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) continue;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, nullptr);
  }
}

std::string make_temp_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                      "/apx-realm-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error("realm: mkdtemp " + templ + " failed");
  }
  return templ;
}

}  // namespace

Realm& Realm::shared() {
  static std::once_flag once;
  static std::string error;
  std::call_once(once, [] {
    Realm* realm = nullptr;
    try {
      // Never destroyed: the exit handler still needs it.
      realm = new Realm(make_temp_dir());
      g_owner = getpid();
      realm->start();
      g_realm = realm;
      std::atexit(&Realm::stop_at_exit);
      install_signal_handlers();
    } catch (const std::exception& e) {
      error = e.what();
      // A half-started KDC must not outlive us; its directory stays for the logs.
      if (realm != nullptr) realm->stop(false);
    }
  });
  if (g_realm == nullptr) throw std::runtime_error(error);
  return *g_realm;
}

Realm::Realm(std::string dir) : dir_(std::move(dir)) {}

void Realm::start() {
  if (run_script("start", dir_) != 0) {
    throw std::runtime_error("realm: " APX_REALM_SCRIPT " start " + dir_ +
                             " failed (its error is on stderr; KDC log " + dir_ + "/kdc.log)");
  }
  env_ = read_env(dir_ + "/env");
  for (const auto& [key, value] : env_) {
    if (setenv(key.c_str(), value.c_str(), 1) != 0) {
      throw std::runtime_error("realm: setenv " + key + " failed");
    }
    if (key == "APX_REALM_PORT") port_ = std::atoi(value.c_str());
  }
  std::ifstream pid_file(dir_ + "/kdc.pid");
  long pid = 0;
  if (pid_file >> pid) g_kdc_pid = static_cast<sig_atomic_t>(pid);
  if (port_ == 0) throw std::runtime_error("realm: no APX_REALM_PORT in " + dir_ + "/env");
}

void Realm::stop(bool remove_dir) noexcept {
  run_script("stop", dir_);
  g_kdc_pid = 0;
  if (!remove_dir) return;
  const char* keep = std::getenv("APX_KEEP_REALM");
  if (keep != nullptr && *keep != '\0' && *keep != '0') return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void Realm::stop_at_exit() noexcept {
  if (g_realm == nullptr || getpid() != g_owner) return;
  g_realm->stop(true);
}

}  // namespace apx::test
