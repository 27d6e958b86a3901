// A throwaway Kerberos realm (APX.TEST) for tests: krb5kdc on 127.0.0.1, keytabs and
// ccaches in a temporary directory, created by scripts/realm.
//
// Realm::shared() starts one realm per test process on first use, exports its
// environment (KRB5_CONFIG, KRB5CCNAME, KRB5_KTNAME, KRB5RCACHEDIR, ...) into the
// process with setenv so libkrb5 in-process and child processes see it, and stops the
// KDC at exit (also on SIGTERM/SIGINT/SIGHUP). Set APX_KEEP_REALM=1 to keep the
// directory for inspection.
#ifndef APX_TESTS_SUPPORT_REALM_H_
#define APX_TESTS_SUPPORT_REALM_H_

#include <string>
#include <utility>
#include <vector>

namespace apx::test {

class Realm {
 public:
  // Starts the realm on first call; throws std::runtime_error if it cannot (and
  // keeps throwing the same error on later calls).
  static Realm& shared();

  Realm(const Realm&) = delete;
  Realm& operator=(const Realm&) = delete;

  static constexpr const char* kName = "APX.TEST";

  // Plain filesystem paths (no "FILE:" prefix).
  const std::string& dir() const { return dir_; }
  std::string ccache() const { return dir_ + "/ccache"; }                  // TGT of user
  std::string expired_ccache() const { return dir_ + "/expired.ccache"; }  // expired TGT
  std::string keytab() const { return dir_ + "/service.keytab"; }  // host, sha1, sha2
  std::string stale_keytab() const { return dir_ + "/stale.keytab"; }  // host, old kvno
  std::string user_keytab() const { return dir_ + "/user.keytab"; }
  std::string krb5_conf() const { return dir_ + "/krb5.conf"; }
  std::string user_principal() const { return std::string("user@") + kName; }
  int port() const { return port_; }

  // The variables scripts/realm wrote to DIR/env, already set in this process.
  const std::vector<std::pair<std::string, std::string>>& env() const { return env_; }

 private:
  explicit Realm(std::string dir);
  void start();
  void stop(bool remove_dir) noexcept;
  static void stop_at_exit() noexcept;

  std::string dir_;
  int port_ = 0;
  std::vector<std::pair<std::string, std::string>> env_;
};

}  // namespace apx::test

#endif  // APX_TESTS_SUPPORT_REALM_H_
