// The steps of `apx doctor` (apx(8)); each adds one line to the report.
#pragma once

#include <krb5/krb5.h>

#include <cstdint>
#include <memory>
#include <string>

#include "probe.h"
#include "report.h"

namespace apx::cli {

// A krb5_context and what the krb5 steps learnt, released together. The context is
// declared first so that it is destroyed last.
class Krb5State {
 public:
  Krb5State() = default;
  ~Krb5State();
  Krb5State(const Krb5State&) = delete;
  Krb5State& operator=(const Krb5State&) = delete;

  krb5_context ctx = nullptr;
  krb5_ccache ccache = nullptr;
  krb5_principal client = nullptr;
  krb5_creds tgt{};
  bool have_tgt = false;
  krb5_creds* ticket = nullptr;  // the fresh service ticket
  krb5_kvno kvno = 0;            // the ticket's key version (the KDC's current key)
  krb5_enctype ticket_enctype = 0;

  // libkrb5's text for `code`, as it said it in this context.
  [[nodiscard]] std::string error(krb5_error_code code) const;
};

// "ccache": a TGT in the default ccache, still valid.
bool check_ccache(Report& r, Krb5State& k);
// "ticket" and "clock": a fresh ticket for `service` (service@host) from the KDC, and
// this host's clock against the KDC's.
bool check_ticket(Report& r, Krb5State& k, const std::string& service);
// "keytab": the keytab holds the key the KDC encrypts tickets for the service in.
bool check_keytab(Report& r, Krb5State& k, const std::string& keytab);
// "establish" and "wrap": a full context through apx, initiator from the ccache and
// acceptor from the keytab, then one message wrapped and unwrapped.
bool check_establish(Report& r, const Routing& routing, const std::string& service,
                     const std::string& keytab, const TraceFile& trace);

// "3h 59m", "42s".
[[nodiscard]] std::string duration_text(int64_t seconds);
[[nodiscard]] std::string enctype_name(krb5_enctype e);

}  // namespace apx::cli
