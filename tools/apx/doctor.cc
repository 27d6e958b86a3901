// `apx doctor [SERVICE@HOST] [--keytab K] [--json]`: every step between an application and
// a working apx context, each with its verdict and, on failure, what to do.
#include "doctor.h"

#include <unistd.h>

#include <climits>
#include <cstdio>

#include "commands.h"

namespace apx::cli {
namespace {

struct DoctorOptions {
  std::string service;
  std::string keytab;  // empty: the default keytab (KRB5_KTNAME, krb5.conf)
  bool json = false;
};

bool parse(const Args& args, DoctorOptions& o) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--json") {
      o.json = true;
    } else if (args[i] == "--keytab" && i + 1 < args.size()) {
      o.keytab = args[++i];
    } else if (o.service.empty() && args[i].find('@') != std::string::npos &&
               args[i][0] != '-') {
      o.service = args[i];
    } else {
      std::fprintf(stderr, "apx: unexpected argument '%s' (see apx(8))\n", args[i].c_str());
      return false;
    }
  }
  if (o.service.empty()) {
    // As gss_import_name with GSS_C_NT_HOSTBASED_SERVICE and no host: this host.
    char host[HOST_NAME_MAX + 1] = {};
    if (gethostname(host, sizeof host - 1) != 0) return false;
    o.service = std::string("host@") + host;
  }
  return true;
}

// The krb5 steps, in order; each needs the one before it.
void run_krb5_steps(Report& r, Krb5State& k, const DoctorOptions& o) {
  if (krb5_error_code code = krb5_init_context(&k.ctx); code != 0) {
    r.fail("ccache", "cannot initialise libkrb5 (krb5.conf unreadable or broken?): code " +
                         std::to_string(code) + "; check KRB5_CONFIG and /etc/krb5.conf");
    k.ctx = nullptr;
    return;
  }
  if (!check_ccache(r, k)) {
    r.skip("ticket", "no TGT to ask the KDC with");
    r.skip("clock", "no ticket from the KDC to compare clocks with");
    r.skip("keytab", "no ticket to compare the keytab's keys with");
    return;
  }
  if (!check_ticket(r, k, o.service)) {
    r.skip("keytab", "no ticket to compare the keytab's keys with");
    return;
  }
  (void)check_keytab(r, k, o.keytab);
}

}  // namespace

int run_doctor(const Args& args) {
  DoctorOptions o;
  if (!parse(args, o)) return 2;
  TraceFile trace;  // before the first GSS call
  Report r("doctor " + o.service);
  const std::vector<MechLine> lines = apx_lines(mech_config_files());
  const MechLine* line = check_config(r, lines);
  if (line != nullptr) (void)check_module(r, *line);
  const Routing routing = check_routing(r, line, trace);
  {
    Krb5State k;
    run_krb5_steps(r, k, o);
  }
  if (!routing.ok) {
    r.skip("establish", "apx does not serve Kerberos in this process (see above)");
  } else if (r.all_passed()) {
    (void)check_establish(r, routing, o.service, o.keytab, trace);
  } else {
    r.skip("establish", "an earlier step failed; fix it first");
  }
  o.json ? r.print_json() : r.print_text();
  return r.all_passed() ? 0 : 1;
}

}  // namespace apx::cli
