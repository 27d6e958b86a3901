// The security contexts the benchmark measures: one initiator/acceptor pair per
// mechanism (apx standalone, MIT built-in krb5) and enctype, established in this process
// through MIT's mechglue.
#pragma once

#include <gssapi/gssapi.h>

#include <string>

namespace apx::bench {

enum class Mech { apx, mit };
enum class Enc { sha1, sha2 };

inline constexpr Mech kMechs[] = {Mech::apx, Mech::mit};
inline constexpr Enc kEncs[] = {Enc::sha1, Enc::sha2};

const char* mech_name(Mech m);  // "apx", "MIT"
const char* enc_name(Enc e);    // "sha1", "sha2"
const char* enc_long_name(Enc e);
gss_OID mech_oid(Mech m);
// Host-based service name of the principal that has only this enctype's key.
const char* target_name(Enc e);

// Requested on every context: mutual authentication, confidentiality, integrity. No
// replay or sequence detection: unwrap and verify_mic accept every token, so the
// measurement does not depend on the order of tokens or the sequence window.
inline constexpr OM_uint32 kFlags = GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG;

struct Pair {
  gss_ctx_id_t init = GSS_C_NO_CONTEXT;  // sends: wrap, get_mic, wrap_iov
  gss_ctx_id_t acc = GSS_C_NO_CONTEXT;   // receives: unwrap, verify_mic, unwrap_iov
};

// Establishes every pair and checks each one: both ends report the intended mechanism
// OID (gss_inquire_context) and the flags, and the MIC size matches the enctype (12-byte
// HMAC-SHA1-96 or 24-byte HMAC-SHA384-192 checksum). Throws std::runtime_error with the
// reason otherwise, so a missing plugin or a different enctype cannot produce numbers.
void establish_pairs();
Pair& pair(Mech m, Enc e);

// One full establishment (init, accept, init with mutual authentication). Returns an
// empty string on success or the failure as text. Contexts are returned in `out`.
std::string establish(Mech m, gss_name_t target, gss_cred_id_t init_cred, Pair& out,
                      gss_cred_id_t acc_cred = GSS_C_NO_CREDENTIAL);

// An initiator credential (default ccache) limited to the enctype `e`, or an acceptor
// credential (default keytab) when `acceptor`; the caller releases it.
gss_cred_id_t bench_cred(Mech m, Enc e, bool acceptor);

// gss_display_status text of a major/minor pair, for messages.
std::string status_text(OM_uint32 major, OM_uint32 minor, gss_OID mech);

void release(Pair& p);

}  // namespace apx::bench
