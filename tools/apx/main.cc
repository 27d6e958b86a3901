// apx: switch the apx Kerberos mechanism on and off, and tell what it does (apx(8)).
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "commands.h"

namespace {

constexpr const char* kUsage =
    "usage: apx enable [--standalone] [--mech-dir DIR] [--module PATH]\n"
    "       apx disable [--mech-dir DIR]\n"
    "       apx status [--json]\n"
    "       apx doctor [SERVICE@HOST] [--keytab KEYTAB] [--json]\n"
    "       apx --version\n"
    "See apx(8) and gss_apx(7).\n";

int dispatch(const std::string& cmd, const apx::cli::Args& args) {
  if (cmd == "enable") return apx::cli::run_enable(args);
  if (cmd == "disable") return apx::cli::run_disable(args);
  if (cmd == "status") return apx::cli::run_status(args);
  if (cmd == "doctor") return apx::cli::run_doctor(args);
  if (cmd == "--version") {
    std::printf("apx %s\n", apx::cli::kVersion);
    return 0;
  }
  if (cmd == "--help" || cmd == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fputs(kUsage, stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  try {
    return dispatch(argv[1], apx::cli::Args(argv + 2, argv + argc));
  } catch (const std::bad_alloc&) {
    std::fputs("apx: out of memory\n", stderr);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "apx: %s\n", e.what());
  }
  return 1;
}
