#include "mech_config.h"

#include <dlfcn.h>
#include <glob.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_apx.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>

namespace apx::cli {
namespace {

constexpr const char* kMechConf = "/etc/gss/mech";
constexpr const char* kMechConfPattern = "/etc/gss/mech.d/*.conf";

// A relative module path is taken from the mechglue's own <libdir>/gss/ (MECH_LIB_PREFIX
// in g_initialize.c): the directory libgssapi_krb5 was loaded from, plus "gss/".
std::string resolve_module(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&gss_indicate_mechs), &info) == 0 ||
      info.dli_fname == nullptr)
    return path;
  std::string lib = info.dli_fname;
  return lib.substr(0, lib.rfind('/') + 1) + "gss/" + path;
}

void read_lines(const std::string& file, std::vector<MechLine>& out) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    MechLine m;
    m.file = file;
    if (!(fields >> m.name >> m.oid >> m.module)) continue;
    if (m.oid != APX_INTERPOSER_OID_STRING && m.oid != APX_MECH_OID_STRING) continue;
    // g_initialize.c: "<interposer>" anywhere after the module path marks an interposer.
    m.interposer = line.find("<interposer>") != std::string::npos;
    m.module = resolve_module(m.module);
    out.push_back(std::move(m));
  }
}

}  // namespace

std::vector<std::string> mech_config_files() {
  if (const char* env = secure_getenv("GSS_MECH_CONFIG"); env != nullptr)
    return {env};
  std::vector<std::string> files = {kMechConf};
  glob_t g{};
  if (glob(kMechConfPattern, 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
  }
  globfree(&g);
  return files;
}

std::string mech_config_source() {
  if (const char* env = secure_getenv("GSS_MECH_CONFIG"); env != nullptr)
    return std::string("GSS_MECH_CONFIG=") + env;
  return "/etc/gss/mech and /etc/gss/mech.d/*.conf";
}

std::vector<MechLine> apx_lines(const std::vector<std::string>& files) {
  std::vector<MechLine> out;
  for (const std::string& f : files) read_lines(f, out);
  return out;
}

std::string drop_in_text(bool standalone, const std::string& module) {
  std::string text = std::string(kMarker) + "\n";
  if (standalone) {
    text += "# apx under its own OID beside MIT's krb5 mechanism (both peers must run apx).\n";
    text += std::string("apx-standalone ") + APX_MECH_OID_STRING + " " + module + "\n";
  } else {
    text += "# apx serves the krb5, Microsoft krb5, old krb5 and IAKERB OIDs in place of MIT's\n";
    text += "# built-in mechanism. `apx disable` goes back to MIT's mechanism.\n";
    text += std::string("apx ") + APX_INTERPOSER_OID_STRING + " " + module + " <interposer>\n";
  }
  return text;
}

bool written_by_apx(const std::string& path) {
  std::ifstream in(path);
  std::string first;
  return std::getline(in, first) && first == kMarker;
}

}  // namespace apx::cli
