// The mech.conf files the mechglue of this process reads, the apx lines in them, and the
// drop-in `apx enable` writes.
#pragma once

#include <string>
#include <vector>

namespace apx::cli {

// The first line of every file `apx enable` writes: `apx disable` removes a file only
// when it carries it, and `apx enable` replaces only such a file.
inline constexpr const char* kMarker =
    "# Written by `apx enable`; `apx disable` removes it. Do not edit: see apx(8).";

struct MechLine {
  std::string file;    // the file it was read from
  std::string name;    // first field
  std::string oid;     // second field
  std::string module;  // third field, resolved as the mechglue resolves it
  bool interposer = false;
};

// As MIT 1.20's g_initialize.c: GSS_MECH_CONFIG (ignored by setuid programs) replaces
// /etc/gss/mech and /etc/gss/mech.d/*.conf.
[[nodiscard]] std::vector<std::string> mech_config_files();
// Where the files above came from, for the report: "GSS_MECH_CONFIG=..." or "/etc/gss".
[[nodiscard]] std::string mech_config_source();

// The lines of `files` that register apx's interposer or standalone OID.
[[nodiscard]] std::vector<MechLine> apx_lines(const std::vector<std::string>& files);

// The mech.conf text `apx enable` writes (marker line first).
[[nodiscard]] std::string drop_in_text(bool standalone, const std::string& module);

// Does `path`'s first line carry kMarker?
[[nodiscard]] bool written_by_apx(const std::string& path);

}  // namespace apx::cli
