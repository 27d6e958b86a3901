#include "core/cred.h"

#include <algorithm>
#include <ctime>

#include "base/trace.h"
#include "core/keytab_cache.h"

// Exported by MIT's libkrb5 for its own GSS mechanism, without a public prototype: does a
// keytab hold a key for a matching (host-based) principal, the host canonicalised as
// krb5.conf's dns_canonicalize_hostname says (its "fallback" tries the name as given first).
extern "C" krb5_error_code k5_kt_have_match(krb5_context context, krb5_keytab keytab,
                                            krb5_principal mprinc);

namespace apx::core {

using base::Minor;
using base::Result;
using base::Status;

namespace {

std::mutex g_identity_mu;
std::string g_acceptor_identity;
thread_local std::string t_ccache_name;

std::string keytab_full_name(const k5::Context& k5, krb5_keytab kt) {
  char buf[1024];
  if (krb5_kt_get_name(k5.get(), kt, buf, sizeof buf) != 0) return "(unknown keytab)";
  return buf;
}

std::string time_text(krb5_timestamp t) {
  const time_t tt = static_cast<time_t>(static_cast<uint32_t>(t));
  struct tm tm {};
  char buf[64];
  gmtime_r(&tt, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

}  // namespace

std::string ccache_full_name(const k5::Context& k5, krb5_ccache cc) {
  char* n = nullptr;
  if (krb5_cc_get_full_name(k5.get(), cc, &n) != 0) return "(unknown ccache)";
  std::string s = n;
  krb5_free_string(k5.get(), n);
  return s;
}

void Cred::set_ccache(k5::CcachePtr cc) {
  ccache_name_ = ccache_full_name(k5_, cc.get());
  ccache_ = std::move(cc);
}

std::string set_thread_ccache_name(std::string name) {
  return std::exchange(t_ccache_name, std::move(name));
}
std::string thread_ccache_name() { return t_ccache_name; }

void set_acceptor_identity(std::string keytab) {
  std::lock_guard<std::mutex> l(g_identity_mu);
  g_acceptor_identity = std::move(keytab);
}
std::string acceptor_identity() {
  std::lock_guard<std::mutex> l(g_identity_mu);
  return g_acceptor_identity;
}

namespace {

// MIT's acquire_cred_from: a password is for an initiator with a name and neither a ccache
// nor a client keytab; "verify" only goes with a password.
Status check_password_store(const Name* desired, gss_cred_usage_t usage, const CredStore& s) {
  if (s.verify && s.iakerb)
    return base::with_detail(Status::failure(Minor::kCredUsageInvalid),
                             "Credential usage type is unknown: the cred store key \"verify\" "
                             "cannot be used with IAKERB, whose tickets come later, through "
                             "the acceptor");
  if (!s.password) {
    if (!s.verify) return Status::complete();
    return base::with_detail(Status::failure(Minor::kCredUsageInvalid),
                             "Credential usage type is unknown: the cred store key \"verify\" "
                             "goes only with \"password\"");
  }
  if (desired == nullptr) return Status::bad_name(Minor::kNameNotMechName);
  if (usage == GSS_C_ACCEPT || !s.ccache.empty() || !s.client_keytab.empty())
    return base::with_detail(Status::failure(Minor::kCredUsageInvalid),
                             "Credential usage type is unknown: a password makes an initiator "
                             "credential, without a ccache or client_keytab");
  return Status::complete();
}

}  // namespace

Result<std::shared_ptr<Cred>> Cred::acquire(const Name* desired, gss_cred_usage_t usage,
                                            const CredStore& store, bool resolve_now) {
  if (usage != GSS_C_INITIATE && usage != GSS_C_ACCEPT && usage != GSS_C_BOTH)
    return Status::failure(Minor::kCredUsageInvalid);
  APX_TRY(check_password_store(desired, usage, store));
  APX_TRY_ASSIGN(k5::Context ctx, k5::Context::create());
  std::shared_ptr<Cred> cred(new Cred(std::move(ctx)));
  cred->usage_ = usage;
  cred->rcache_name_ = store.rcache;
  // gss_krb5_ccache_name: this thread's ccache is the credential's default, collection
  // and all (MIT's kg_sync_ccache_name).
  if (const std::string t = thread_ccache_name(); !t.empty())
    (void)krb5_cc_set_default_name(cred->k5_.get(), t.c_str());
  if (usage != GSS_C_ACCEPT) APX_TRY(cred->acquire_initiator(desired, store, resolve_now));
  if (usage != GSS_C_INITIATE) APX_TRY(cred->acquire_acceptor(desired, store));
  return cred;
}

std::string Cred::expiry_text() const {
  return "The Kerberos tickets of " + (name_ ? name_->display() : std::string("the client")) +
         " in " + ccache_name_ + " expired at " + time_text(expiry_) +
         ": run kinit to get new ones";
}

namespace {

// Keytab types libkrb5 can walk. Others have no krb5_kt_start_seq_get and libkrb5 aborts
// the process when asked to walk them: kadmind's KDB: keytab (keys read from the
// database), keytab plugins. libkrb5 1.20's built-in types are FILE, WRFILE and MEMORY.
bool keytab_iterable(krb5_context c, krb5_keytab kt) {
  const std::string_view type = krb5_kt_get_type(c, kt);
  return type == "FILE" || type == "WRFILE" || type == "MEMORY";
}

// Is there a key in `kt` that a ticket for `desired` may be encrypted in? As MIT's
// acquire_cred.c check_keytab: a principal name is looked up (any kvno, any enctype); a
// host-based name is matched, as krb5_rd_req will match it, against every entry, or
// accepted unchecked when the keytab cannot be walked (krb5_rd_req then looks up the
// ticket's own server).
krb5_error_code find_acceptor_key(const k5::Context& k5, krb5_keytab kt, const Name& desired) {
  krb5_context c = k5.get();
  if (!desired.hostbased()) {
    auto want = desired.principal(k5);
    if (!want) return static_cast<krb5_error_code>(want.error().minor());
    krb5_keytab_entry e;
    const krb5_error_code code = krb5_kt_get_entry(c, kt, want->get(), 0, 0, &e);
    if (code == 0) (void)krb5_free_keytab_entry_contents(c, &e);
    return code == KRB5_KT_KVNONOTFOUND ? KRB5_KT_NOTFOUND : code;
  }
  if (!keytab_iterable(c, kt)) return 0;
  auto mprinc = desired.acceptor_principal(k5);
  if (!mprinc) return static_cast<krb5_error_code>(mprinc.error().minor());
  return k5_kt_have_match(c, kt, mprinc->get());
}

}  // namespace

Status Cred::acquire_acceptor(const Name* desired, const CredStore& store) {
  krb5_context c = k5_.get();
  std::string chosen = store.keytab.empty() ? acceptor_identity() : store.keytab;
  krb5_keytab raw = nullptr;
  krb5_error_code code = chosen.empty() ? krb5_kt_default(c, &raw)
                                        : krb5_kt_resolve(c, chosen.c_str(), &raw);
  if (code != 0) return k5_.error(GSS_S_NO_CRED, code, "Cannot open the keytab");
  keytab_ = k5_.own<_krb5_kt, krb5_kt_close>(raw);
  keytab_name_ = keytab_full_name(k5_, raw);
  // Safe on every keytab type: libkrb5 assumes content where it cannot walk. A file
  // keytab is judged by its snapshot (keytab_cache.h), which the accepts then use.
  const auto snap = keytab_snapshot(c, raw);
  code = snap != nullptr && !snap->empty() ? 0 : krb5_kt_have_content(c, raw);
  if (code != 0)
    return k5_.error_then(GSS_S_NO_CRED, code,
                          "point KRB5_KTNAME at the service's keytab, or add its keys with "
                          "kadmin's ktadd");
  if (desired != nullptr) {
    code = find_acceptor_key(k5_, raw, *desired);
    if (code == KRB5_KT_NOTFOUND)
      return k5_.error(GSS_S_NO_CRED, KRB5_KT_NOTFOUND,
                       "No key for " + desired->display() + " in keytab " + keytab_name_ +
                           ": add it with kadmin's ktadd, or point KRB5_KTNAME at the right "
                           "keytab");
    if (code != 0) return k5_.error(GSS_S_NO_CRED, code, "Cannot read the keytab " + keytab_name_);
  }
  if (desired != nullptr) acceptor_name_ = *desired;
  if (!name_ && desired != nullptr) name_ = *desired;
  base::trace("acquire_cred: acceptor %s from %s",
              desired ? desired->display().c_str() : "(any principal)", keytab_name_.c_str());
  return Status::complete();
}

Result<std::optional<Name>> Cred::keytab_first_name() {
  if (!keytab_) return std::optional<Name>();
  auto guard = lock();
  krb5_context c = k5_.get();
  if (!keytab_iterable(c, keytab_.get())) return std::optional<Name>();
  krb5_kt_cursor cur;
  krb5_error_code code = krb5_kt_start_seq_get(c, keytab_.get(), &cur);
  if (code == 0) {
    krb5_keytab_entry e;
    code = krb5_kt_next_entry(c, keytab_.get(), &e, &cur);
    (void)krb5_kt_end_seq_get(c, keytab_.get(), &cur);
    if (code == 0) {
      auto n = Name::from_principal(k5_, e.principal);
      (void)krb5_free_keytab_entry_contents(c, &e);
      if (!n) return n.error();
      return std::optional<Name>(std::move(*n));
    }
  }
  if (code == KRB5_KT_END || code == KRB5_KT_NOTFOUND) return std::optional<Name>();
  return k5_.error(GSS_S_FAILURE, code, "Cannot read the keytab " + keytab_name_);
}

OM_uint32 Cred::initiator_lifetime() const {
  if (!ccache_) return 0;
  krb5_timestamp now = 0;
  (void)krb5_timeofday(k5_.get(), &now);
  const int64_t left = static_cast<int64_t>(static_cast<uint32_t>(expiry_)) -
                       static_cast<int64_t>(static_cast<uint32_t>(now));
  return left > 0 ? static_cast<OM_uint32>(left) : 0;
}

OM_uint32 Cred::lifetime() const {
  return can_initiate() ? initiator_lifetime() : GSS_C_INDEFINITE;
}

Status Cred::copy_tickets(krb5_ccache out, bool init) {
  APX_TRY(resolve(nullptr));
  if (!ccache_) return Status::no_cred(base::code(Minor::kCredNotInitiator));
  auto guard = lock();
  krb5_context c = k5_.get();
  krb5_error_code code = 0;
  if (init) {
    krb5_principal client = nullptr;
    code = krb5_cc_get_principal(c, ccache_.get(), &client);
    if (code == 0) code = krb5_cc_initialize(c, out, client);
    krb5_free_principal(c, client);
    if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot initialise the target ccache");
  }
  krb5_cc_cursor cur = nullptr;
  code = krb5_cc_start_seq_get(c, ccache_.get(), &cur);
  if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot read " + ccache_name_);
  krb5_creds creds;
  while (code == 0 && krb5_cc_next_cred(c, ccache_.get(), &cur, &creds) == 0) {
    code = krb5_cc_store_cred(c, out, &creds);
    krb5_free_cred_contents(c, &creds);
  }
  (void)krb5_cc_end_seq_get(c, ccache_.get(), &cur);
  if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot store the tickets");
  base::trace("copy_tickets: tickets of %s copied", name_ ? name_->display().c_str() : "?");
  return Status::complete();
}

Result<std::shared_ptr<Cred>> Cred::from_delegation(k5::Context ctx, k5::CcachePtr cc, Name client,
                                                    krb5_timestamp end) {
  std::shared_ptr<Cred> cred(new Cred(std::move(ctx)));
  cred->usage_ = GSS_C_INITIATE;
  cred->ccache_name_ = ccache_full_name(cred->k5_, cc.get());
  // The cache was made in the context `cred` now owns, and goes with `cred`: the caller
  // keeps the tickets by copying them out (gss_krb5_copy_ccache, gss_store_cred_into).
  cred->ccache_ = cred->k5_.own_made_ccache(cc.release());
  cred->name_ = std::move(client);
  cred->expiry_ = end;
  return cred;
}

}  // namespace apx::core
