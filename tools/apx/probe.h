// Checks shared by `apx status` and `apx doctor`: is apx configured, does its module load,
// and does the mechglue of this very process route Kerberos to it.
#pragma once

#include <gssapi/gssapi.h>

#include <string>
#include <vector>

#include "mech_config.h"
#include "report.h"

namespace apx::cli {

// APX_TRACE pointed at a fresh temporary file (removed on destruction), in place of any
// APX_TRACE the caller set: what apx writes there proves that it served a call. Must
// exist before the first GSS call: the module opens the trace once, when first used.
class TraceFile {
 public:
  TraceFile();
  ~TraceFile();
  TraceFile(const TraceFile&) = delete;
  TraceFile& operator=(const TraceFile&) = delete;

  [[nodiscard]] bool owned() const { return !path_.empty(); }
  // Does the trace hold a line containing `needle`? False when no trace file could be made.
  [[nodiscard]] bool contains(const std::string& needle) const;

 private:
  std::string path_;
};

struct Routing {
  bool ok = false;
  gss_OID_desc mech{};  // the OID that reaches apx: krb5 (interposer) or apx's own
  std::string mode;     // "interposer" or "standalone"
};

// "config": the apx line in the active mech.conf. Returns it, or nullptr after a failure.
const MechLine* check_config(Report& r, const std::vector<MechLine>& lines);
// "module": dlopen of the line's module with the symbols the mechglue looks for.
bool check_module(Report& r, const MechLine& line);
// "routing": the mechglue answers through apx (a text only apx gives, and its trace).
Routing check_routing(Report& r, const MechLine* line, const TraceFile& trace);

// gss_display_status text of a major/minor pair, both parts.
[[nodiscard]] std::string gss_text(OM_uint32 major, OM_uint32 minor, const gss_OID mech);

}  // namespace apx::cli
