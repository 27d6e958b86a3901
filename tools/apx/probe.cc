#include "probe.h"

#include <dlfcn.h>
#include <gssapi/gssapi_apx.h>
#include <gssapi/gssapi_ext.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <memory>

namespace apx::cli {
namespace {

// RFC 1964 §1: the Kerberos V5 mechanism OID 1.2.840.113554.1.2.2.
gss_OID_desc kKrb5Oid = {9, const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02")};
gss_OID_desc kApxOid = {APX_MECH_OID_LENGTH, const_cast<char*>(APX_MECH_OID_DER)};

// Asks the mechglue a question about `mech` that it passes to the mechanism serving it;
// apx traces its answer.
void ask_names_for_mech(gss_OID mech) {
  OM_uint32 minor = 0;
  gss_OID_set types = GSS_C_NO_OID_SET;
  (void)gss_inquire_names_for_mech(&minor, mech, &types);  // the trace tells who answered
  gss_release_oid_set(&minor, &types);
}

std::string buffer_text(const gss_buffer_desc& b) {
  return std::string(static_cast<const char*>(b.value), b.length);
}

}  // namespace

TraceFile::TraceFile() {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") +
                     "/apx-probe.XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) return;
  close(fd);
  path_ = path;
  setenv("APX_TRACE", path_.c_str(), 1);
}

TraceFile::~TraceFile() {
  if (owned()) unlink(path_.c_str());
}

bool TraceFile::contains(const std::string& needle) const {
  if (!owned()) return false;
  std::ifstream in(path_);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

const MechLine* check_config(Report& r, const std::vector<MechLine>& lines) {
  if (lines.empty()) {
    r.fail("config", "no apx line in " + mech_config_source() +
                         ": the mechglue uses MIT's built-in mechanism; run `apx enable`");
    return nullptr;
  }
  const MechLine& l = lines.front();
  std::string how = l.interposer ? "interposer" : "standalone";
  std::string who = written_by_apx(l.file) ? ", written by apx enable" : "";
  r.pass("config", how + " line in " + l.file + who + " (" + mech_config_source() + ")");
  return &l;
}

bool check_module(Report& r, const MechLine& line) {
  dlerror();
  // RTLD_NOW as the mechglue's loader, so a missing symbol shows here and not later.
  void* h = dlopen(line.module.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    const char* err = dlerror();
    r.fail("module", "cannot load " + line.module + ": " + (err ? err : "unknown error") +
                         "; the mechglue skips apx without a word. Fix the path in " +
                         line.file + " (run `apx disable` then `apx enable`) or reinstall apx");
    return false;
  }
  const char* entry = line.interposer ? "gss_mech_interposer" : "gss_init_sec_context";
  bool has_entry = dlsym(h, entry) != nullptr;
  dlclose(h);
  if (!has_entry) {
    r.fail("module", line.module + " loads but has no " + entry +
                         ": it is not apx's module; point " + line.file + " at gss_apx.so");
    return false;
  }
  r.pass("module", line.module + " loads (" + entry + " found)");
  return true;
}

Routing check_routing(Report& r, const MechLine* line, const TraceFile& trace) {
  Routing out;
  bool standalone = line != nullptr && !line->interposer;
  out.mech = standalone ? kApxOid : kKrb5Oid;
  out.mode = standalone ? "standalone" : "interposer";
  ask_names_for_mech(&out.mech);
  const std::string oid = standalone ? APX_MECH_OID_STRING : "1.2.840.113554.1.2.2";
  if (!trace.contains("inquire_names_for_mech: served by apx")) {
    r.fail("routing", "the mechglue in this process does not send " + oid +
                          " to apx (apx's trace stays empty): " +
                          (standalone ? "apx's OID is unknown to it"
                                      : "MIT's built-in mechanism serves Kerberos") +
                          "; see the config and module lines above, or run `apx enable`");
    return out;
  }
  out.ok = true;
  r.pass("routing", "the mechglue in this process sends " + oid + " to apx (" + out.mode +
                        "; apx's trace confirms it)");
  return out;
}

std::string gss_text(OM_uint32 major, OM_uint32 minor, const gss_OID mech) {
  std::string out;
  for (int type : {GSS_C_GSS_CODE, GSS_C_MECH_CODE}) {
    OM_uint32 code = type == GSS_C_GSS_CODE ? major : minor;
    if (type == GSS_C_MECH_CODE && minor == 0) break;
    OM_uint32 ctx = 0, m = 0;
    do {
      gss_buffer_desc b{};
      if (GSS_ERROR(gss_display_status(&m, code, type, mech, &ctx, &b))) break;
      if (!out.empty()) out += ": ";
      out += buffer_text(b);
      gss_release_buffer(&m, &b);
    } while (ctx != 0);
  }
  return out;
}

}  // namespace apx::cli
