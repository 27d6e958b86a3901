// The subcommands of `apx`; each returns the process exit status.
#pragma once

#include <string>
#include <vector>

namespace apx::cli {

using Args = std::vector<std::string>;

int run_enable(const Args& args);
int run_disable(const Args& args);
int run_status(const Args& args);
int run_doctor(const Args& args);

// The directory `apx enable` writes to: --mech-dir, else $APX_MECH_DIR, else
// /etc/gss/mech.d (the mechglue's own MECH_CONF ".d").
[[nodiscard]] std::string mech_dir(const std::string& option);

// The apx line of the active mech.conf was not found, or its module is another file:
// the module path compiled in (<libdir>/gss/gss_apx.so of this installation).
inline constexpr const char* kInstalledModule = APX_INSTALLED_MODULE;
inline constexpr const char* kVersion = APX_VERSION;

}  // namespace apx::cli
