// The krb5 steps of `apx doctor`: ccache, ticket, clock, keytab. They use libkrb5 itself,
// as apx does, so what they see is what apx will see.
#include <krb5/krb5.h>
#include <profile.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <set>

#include "doctor.h"

namespace apx::cli {
namespace {

// krb5.conf [libdefaults] clockskew when absent (MIT's DEFAULT_CLOCKSKEW).
constexpr int kDefaultClockskew = 300;

std::string unparse(krb5_context ctx, krb5_const_principal p) {
  char* s = nullptr;
  if (krb5_unparse_name(ctx, p, &s) != 0) return "?";
  std::string out = s;
  krb5_free_unparsed_name(ctx, s);
  return out;
}

std::string ccache_name(krb5_context ctx, krb5_ccache cc) {
  char* s = nullptr;
  if (krb5_cc_get_full_name(ctx, cc, &s) != 0) return "?";
  std::string out = s;
  krb5_free_string(ctx, s);
  return out;
}

int clockskew(krb5_context ctx) {
  profile_t profile = nullptr;
  int value = kDefaultClockskew;
  if (krb5_get_profile(ctx, &profile) == 0) {
    if (profile_get_integer(profile, "libdefaults", "clockskew", nullptr, kDefaultClockskew,
                            &value) != 0)
      value = kDefaultClockskew;
    profile_release(profile);
  }
  return value;
}

std::string flags_text(krb5_flags f) {
  static const std::pair<krb5_flags, const char*> kNames[] = {
      {TKT_FLG_FORWARDABLE, "forwardable"}, {TKT_FLG_FORWARDED, "forwarded"},
      {TKT_FLG_PROXIABLE, "proxiable"},     {TKT_FLG_RENEWABLE, "renewable"},
      {TKT_FLG_PRE_AUTH, "pre-authent"},    {TKT_FLG_HW_AUTH, "hw-authent"},
      {TKT_FLG_OK_AS_DELEGATE, "ok-as-delegate"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((f & bit) == 0) continue;
    if (!out.empty()) out += ' ';
    out += name;
  }
  return out.empty() ? "none" : out;
}

// A MEMORY ccache holding only the TGT: krb5_get_credentials then asks the KDC afresh
// instead of answering from a cached service ticket.
krb5_error_code fresh_ccache(Krb5State& k, krb5_ccache* out) {
  krb5_error_code code = krb5_cc_new_unique(k.ctx, "MEMORY", nullptr, out);
  if (code == 0) code = krb5_cc_initialize(k.ctx, *out, k.client);
  if (code == 0) code = krb5_cc_store_cred(k.ctx, *out, &k.tgt);
  return code;
}

krb5_error_code parse_service(krb5_context ctx, const std::string& service,
                              krb5_principal* out) {
  const size_t at = service.find('@');
  const std::string svc = service.substr(0, at);
  const std::string host = service.substr(at + 1);
  return krb5_sname_to_principal(ctx, host.empty() ? nullptr : host.c_str(), svc.c_str(),
                                 KRB5_NT_SRV_HST, out);
}

void report_ticket_failure(Report& r, Krb5State& k, krb5_error_code code,
                           const std::string& server) {
  const int skew = clockskew(k.ctx);
  krb5_timestamp offset = 0;
  krb5_int32 usec = 0;
  (void)krb5_get_time_offsets(k.ctx, &offset, &usec);
  if (code == KRB5KRB_AP_ERR_SKEW) {
    r.fail("ticket", "the KDC refused a ticket for " + server + ": " + k.error(code));
    r.fail("clock", "the KDC finds this host's requests more than clockskew (" +
                        std::to_string(skew) + " s) off its clock (libkrb5 here adds " +
                        std::to_string(offset) + " s, recorded in the ccache at kinit): "
                        "synchronise this host's clock with the KDC's (NTP), then kinit again");
    return;
  }
  if (code == KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN) {
    r.fail("ticket", "the KDC does not know " + server + " (" + k.error(code) +
                         "): check the service and host names (the host name as the KDC "
                         "knows it, see dns_canonicalize_hostname), or create the principal "
                         "with kadmin addprinc -randkey and extract its key with ktadd");
  } else {
    r.fail("ticket", "no ticket for " + server + ": " + k.error(code) +
                         "; check the KDC (krb5.conf [realms]) and that the service exists");
  }
  r.skip("clock", "no ticket from the KDC to compare clocks with");
}

void report_clock(Report& r, Krb5State& k) {
  // RFC 4120 §5.3 starttime: the KDC sets it to its own time for a ticket that is not
  // postdated (MIT do_tgs_req.c: starttime = kdc_time), so it reads the KDC's clock.
  const int64_t skew = int64_t{k.ticket->times.starttime} - int64_t{std::time(nullptr)};
  const int limit = clockskew(k.ctx);
  const std::string off = skew == 0 ? "within a second of"
                          : std::to_string(std::llabs(skew)) + " s " +
                                (skew > 0 ? "behind" : "ahead of");
  const std::string text =
      "this host's clock is " + off + " the KDC's (clockskew " + std::to_string(limit) + " s)";
  if (std::llabs(skew) > limit) {
    r.fail("clock", text + ": acceptors on this host will refuse tickets "
                           "(KRB_AP_ERR_SKEW); synchronise the clock with the KDC's (NTP)");
    return;
  }
  r.pass("clock", text);
}

}  // namespace

Krb5State::~Krb5State() {
  if (ctx == nullptr) return;
  if (ticket != nullptr) krb5_free_creds(ctx, ticket);
  if (have_tgt) krb5_free_cred_contents(ctx, &tgt);
  if (client != nullptr) krb5_free_principal(ctx, client);
  if (ccache != nullptr) krb5_cc_close(ctx, ccache);
  krb5_free_context(ctx);
}

std::string Krb5State::error(krb5_error_code code) const {
  const char* msg = krb5_get_error_message(ctx, code);
  std::string out = msg != nullptr ? msg : "error " + std::to_string(code);
  krb5_free_error_message(ctx, msg);
  return out;
}

std::string duration_text(int64_t s) {
  if (s < 0) return "expired";
  if (s < 60) return std::to_string(s) + "s";
  return std::to_string(s / 3600) + "h " + std::to_string(s % 3600 / 60) + "m";
}

std::string enctype_name(krb5_enctype e) {
  char name[64] = {};
  if (krb5_enctype_to_name(e, FALSE, name, sizeof name) != 0) return std::to_string(e);
  return name;
}

bool check_ccache(Report& r, Krb5State& k) {
  krb5_error_code code = krb5_cc_default(k.ctx, &k.ccache);
  if (code != 0) {
    r.fail("ccache", "no default ccache: " + k.error(code) + "; check KRB5CCNAME, then kinit");
    return false;
  }
  const std::string name = ccache_name(k.ctx, k.ccache);
  if ((code = krb5_cc_get_principal(k.ctx, k.ccache, &k.client)) != 0) {
    r.fail("ccache", "no credentials in " + name + " (" + k.error(code) +
                         "): run kinit (as the user the application runs as)");
    return false;
  }
  krb5_creds match{};
  krb5_principal tgs = nullptr;
  const krb5_data* realm = krb5_princ_realm(k.ctx, k.client);
  code = krb5_build_principal_ext(k.ctx, &tgs, realm->length, realm->data, 6, "krbtgt",
                                  realm->length, realm->data, 0);
  match.client = k.client;
  match.server = tgs;
  if (code == 0) code = krb5_cc_retrieve_cred(k.ctx, k.ccache, 0, &match, &k.tgt);
  krb5_free_principal(k.ctx, tgs);
  const std::string who = unparse(k.ctx, k.client);
  if (code != 0) {
    r.fail("ccache", "no TGT of " + who + " in " + name + " (" + k.error(code) + "): run kinit");
    return false;
  }
  k.have_tgt = true;
  krb5_timestamp now = 0;
  (void)krb5_timeofday(k.ctx, &now);
  const int64_t left = int64_t{k.tgt.times.endtime} - int64_t{now};
  if (left <= 0) {
    r.fail("ccache", "the TGT of " + who + " in " + name + " has expired: run kinit");
    return false;
  }
  r.pass("ccache", name + " holds a TGT of " + who + " (" + duration_text(left) + " left)");
  return true;
}

bool check_ticket(Report& r, Krb5State& k, const std::string& service) {
  krb5_principal server = nullptr;
  krb5_error_code code = parse_service(k.ctx, service, &server);
  if (code != 0) {
    r.fail("ticket", "cannot make a principal of " + service + ": " + k.error(code) +
                         "; give the service as SERVICE@HOST");
    r.skip("clock", "no ticket from the KDC to compare clocks with");
    return false;
  }
  const std::string server_name = unparse(k.ctx, server);
  krb5_ccache mem = nullptr;
  code = fresh_ccache(k, &mem);
  krb5_creds in{};
  in.client = k.client;
  in.server = server;
  if (code == 0) code = krb5_get_credentials(k.ctx, 0, mem, &in, &k.ticket);
  if (mem != nullptr) krb5_cc_destroy(k.ctx, mem);
  krb5_free_principal(k.ctx, server);
  if (code != 0) {
    report_ticket_failure(r, k, code, server_name);
    return false;
  }
  krb5_ticket* tkt = nullptr;
  if (krb5_decode_ticket(&k.ticket->ticket, &tkt) == 0) {
    k.kvno = tkt->enc_part.kvno;
    k.ticket_enctype = tkt->enc_part.enctype;
    krb5_free_ticket(k.ctx, tkt);
  }
  const int64_t life = int64_t{k.ticket->times.endtime} - int64_t{k.ticket->times.starttime};
  r.pass("ticket", unparse(k.ctx, k.ticket->server) + ": ticket " +
                       enctype_name(k.ticket_enctype) + " kvno " + std::to_string(k.kvno) +
                       ", session key " + enctype_name(k.ticket->keyblock.enctype) +
                       ", lifetime " + duration_text(life) + ", flags " +
                       flags_text(k.ticket->ticket_flags));
  report_clock(r, k);
  return !r.failed("clock");
}

}  // namespace apx::cli
