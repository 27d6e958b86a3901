#include "core/cred.h"

#include <algorithm>
#include <ctime>

#include "base/trace.h"

namespace apx::core {

using base::Minor;
using base::Result;
using base::Status;

namespace {

std::mutex g_identity_mu;
std::string g_acceptor_identity;
thread_local std::string t_ccache_name;

std::string ccache_full_name(const k5::Context& k5, krb5_ccache cc) {
  char* n = nullptr;
  if (krb5_cc_get_full_name(k5.get(), cc, &n) != 0) return "(unknown ccache)";
  std::string s = n;
  krb5_free_string(k5.get(), n);
  return s;
}

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

Result<std::shared_ptr<Cred>> Cred::acquire(const Name* desired, gss_cred_usage_t usage,
                                            const CredStore& store) {
  if (usage != GSS_C_INITIATE && usage != GSS_C_ACCEPT && usage != GSS_C_BOTH)
    return Status::failure(Minor::kCredUsageInvalid);
  APX_TRY_ASSIGN(k5::Context ctx, k5::Context::create());
  std::shared_ptr<Cred> cred(new Cred(std::move(ctx)));
  cred->usage_ = usage;
  cred->rcache_name_ = store.rcache;
  if (usage != GSS_C_ACCEPT) APX_TRY(cred->acquire_initiator(desired, store));
  if (usage != GSS_C_INITIATE) APX_TRY(cred->acquire_acceptor(desired, store));
  return cred;
}

Status Cred::acquire_initiator(const Name* desired, const CredStore& store) {
  if (!store.password.empty()) return kinit_with_password(desired, store);
  krb5_context c = k5_.get();
  krb5_ccache raw = nullptr;
  krb5_error_code code = 0;
  bool made = false;
  std::string chosen = store.ccache.empty() ? thread_ccache_name() : store.ccache;
  k5::PrincipalPtr want(nullptr, {c});
  if (desired != nullptr) {
    APX_TRY_ASSIGN(want, desired->principal(k5_));
  }
  open_client_keytab(store);
  if (!chosen.empty()) {
    code = krb5_cc_resolve(c, chosen.c_str(), &raw);
  } else if (want) {
    // A ccache collection (DIR:, KEYRING:, KCM:) may hold tickets for several clients.
    code = krb5_cc_cache_match(c, want.get(), &raw);
    if (code == KRB5_CC_NOTFOUND && client_keytab_) {
      // Tickets will come from the client keytab, into a cache of this credential's own,
      // destroyed with it (as MIT's destroy_ccache).
      code = krb5_cc_new_unique(c, "MEMORY", nullptr, &raw);
      made = code == 0;
    } else if (code == KRB5_CC_NOTFOUND) {
      return k5_.error(GSS_S_NO_CRED, code,
                       "No Kerberos tickets for " + desired->display() +
                           " in any credential cache: run 'kinit " + desired->display() + "'");
    }
  } else {
    code = krb5_cc_default(c, &raw);
  }
  if (code != 0) return k5_.error(GSS_S_NO_CRED, code, "Cannot open the credential cache");
  ccache_ = made ? k5_.own_made_ccache(raw) : k5_.own_ccache(raw);
  ccache_name_ = ccache_full_name(k5_, raw);

  krb5_principal client = nullptr;
  code = krb5_cc_get_principal(c, raw, &client);
  if (code != 0 && client_keytab_) {
    APX_TRY(kinit_from_client_keytab(want.get()));
    code = krb5_cc_get_principal(c, raw, &client);
  }
  if (code != 0)
    return k5_.error(GSS_S_NO_CRED, code,
                     "No Kerberos credentials in " + ccache_name_ +
                         ": run kinit (or set KRB5CCNAME to the cache that holds your tickets)");
  auto owned_client = k5_.own<krb5_principal_data, krb5_free_principal>(client);
  if (want && !krb5_principal_compare(c, want.get(), client))
    return k5_.error(GSS_S_NO_CRED, KRB5_CC_NOTFOUND,
                     "The credential cache " + ccache_name_ + " holds tickets for " +
                         k5_.unparse(client) + ", not " + desired->display());
  APX_TRY_ASSIGN(Name n, Name::from_principal(k5_, client));
  name_ = std::move(n);
  APX_TRY(check_ticket_expiry());
  if (initiator_lifetime() == 0 && client_keytab_) {
    // Expired, but the client keytab can renew them (MIT does the same).
    APX_TRY(kinit_from_client_keytab(client));
    APX_TRY(check_ticket_expiry());
  }
  base::trace("acquire_cred: initiator %s from %s", name_->display().c_str(),
              ccache_name_.c_str());
  return Status::complete();
}

void Cred::open_client_keytab(const CredStore& store) {
  // The client keytab ("client_keytab" store key, else KRB5_CLIENT_KTNAME or krb5.conf's
  // default_client_keytab_name); used only when it has keys.
  krb5_context c = k5_.get();
  krb5_keytab kt = nullptr;
  const krb5_error_code code = store.client_keytab.empty()
                                   ? krb5_kt_client_default(c, &kt)
                                   : krb5_kt_resolve(c, store.client_keytab.c_str(), &kt);
  if (code != 0) return;
  auto owned = k5_.own<_krb5_kt, krb5_kt_close>(kt);
  if (krb5_kt_have_content(c, kt) != 0) return;
  client_keytab_ = std::move(owned);
}

Status Cred::kinit_from_client_keytab(krb5_const_principal want) {
  krb5_context c = k5_.get();
  krb5_principal client = nullptr;
  krb5_error_code code = 0;
  if (want != nullptr) {
    code = krb5_copy_principal(c, want, &client);
  } else {
    // No name asked for: the keytab's first principal, as MIT does.
    krb5_kt_cursor cur;
    krb5_keytab_entry e;
    code = krb5_kt_start_seq_get(c, client_keytab_.get(), &cur);
    if (code == 0) {
      code = krb5_kt_next_entry(c, client_keytab_.get(), &e, &cur);
      if (code == 0) {
        code = krb5_copy_principal(c, e.principal, &client);
        krb5_free_keytab_entry_contents(c, &e);
      }
      (void)krb5_kt_end_seq_get(c, client_keytab_.get(), &cur);
    }
  }
  if (code != 0) return k5_.error(GSS_S_NO_CRED, code, "Cannot read the client keytab");
  auto owned_client = k5_.own<krb5_principal_data, krb5_free_principal>(client);
  krb5_creds creds{};
  code = krb5_get_init_creds_keytab(c, &creds, client, client_keytab_.get(), 0, nullptr, nullptr);
  if (code == 0) code = krb5_cc_initialize(c, ccache_.get(), client);
  if (code == 0) code = krb5_cc_store_cred(c, ccache_.get(), &creds);
  krb5_free_cred_contents(c, &creds);
  if (code != 0)
    return k5_.error(GSS_S_NO_CRED, code,
                     "Cannot get tickets for " + k5_.unparse(client) + " from the client keytab");
  base::trace("acquire_cred: tickets for %s from the client keytab", k5_.unparse(client).c_str());
  return Status::complete();
}

// A password (gss_acquire_cred_with_password, the "password" store key): initial tickets
// for the named client, got now into a MEMORY ccache of this credential's own, as MIT's
// acquire_init_cred does. The default ccache is neither read nor written; the password
// is not kept.
Status Cred::kinit_with_password(const Name* desired, const CredStore& store) {
  if (desired == nullptr) return Status::bad_name(Minor::kNameSyntax);
  // MIT: a password excludes a ccache or client keytab (G_BAD_USAGE).
  if (!store.ccache.empty() || !store.client_keytab.empty())
    return Status::failure(Minor::kCredUsageInvalid);
  krb5_context c = k5_.get();
  APX_TRY_ASSIGN(k5::PrincipalPtr want, desired->principal(k5_));
  krb5_ccache raw = nullptr;
  krb5_error_code code = krb5_cc_new_unique(c, "MEMORY", nullptr, &raw);
  if (code != 0) return k5_.error(GSS_S_NO_CRED, code, "Cannot create a memory ccache");
  // Destroyed with the credential: closing a MEMORY ccache would keep the tickets.
  ccache_ = k5_.own_made_ccache(raw);
  ccache_name_ = ccache_full_name(k5_, raw);
  krb5_creds creds{};
  code = krb5_get_init_creds_password(c, &creds, want.get(),
                                      reinterpret_cast<const char*>(store.password.data()),
                                      nullptr, nullptr, 0, nullptr, nullptr);
  if (code != 0)
    return k5_.error(GSS_S_NO_CRED, code,
                     "Cannot get tickets for " + desired->display() + " with its password");
  // The KDC's client name (it may canonicalise the one asked for), as MIT keeps it.
  code = krb5_cc_initialize(c, raw, creds.client);
  if (code == 0) code = krb5_cc_store_cred(c, raw, &creds);
  auto client = k5_.own<krb5_principal_data, krb5_free_principal>(
      std::exchange(creds.client, nullptr));
  krb5_free_cred_contents(c, &creds);
  if (code != 0)
    return k5_.error(GSS_S_NO_CRED, code, "Cannot store the tickets in " + ccache_name_);
  APX_TRY_ASSIGN(Name n, Name::from_principal(k5_, client.get()));
  name_ = std::move(n);
  APX_TRY(check_ticket_expiry());
  base::trace("acquire_cred: initiator %s with its password, into %s", name_->display().c_str(),
              ccache_name_.c_str());
  return Status::complete();
}

Status Cred::check_ticket_expiry() {
  // MIT: the credential lives as long as the client's TGT, or, without a TGT, as long as
  // the longest-lived ticket in the cache.
  krb5_context c = k5_.get();
  krb5_cc_cursor cur = nullptr;
  krb5_error_code code = krb5_cc_start_seq_get(c, ccache_.get(), &cur);
  if (code != 0) return k5_.error(GSS_S_NO_CRED, code, "Cannot read " + ccache_name_);
  krb5_timestamp tgt_end = 0, max_end = 0;
  bool any = false;
  // The client as read at acquisition (no second read of the cache).
  k5::PrincipalPtr owned_client(nullptr, {c});
  if (name_) {
    auto p = name_->principal(k5_);
    if (p) owned_client = std::move(*p);
  }
  const krb5_principal client = owned_client.get();
  krb5_creds creds;
  while (krb5_cc_next_cred(c, ccache_.get(), &cur, &creds) == 0) {
    const bool config = krb5_is_config_principal(c, creds.server) != 0;
    if (!config) {
      any = true;
      max_end = std::max(max_end, creds.times.endtime);
      const krb5_principal s = creds.server;
      if (client != nullptr && s->length == 2 &&
          std::string_view(s->data[0].data, s->data[0].length) == KRB5_TGS_NAME &&
          std::string_view(s->data[1].data, s->data[1].length) ==
              std::string_view(client->realm.data, client->realm.length))
        tgt_end = creds.times.endtime;
    }
    krb5_free_cred_contents(c, &creds);
  }
  (void)krb5_cc_end_seq_get(c, ccache_.get(), &cur);
  if (!any)
    return k5_.error(GSS_S_NO_CRED, KRB5_CC_NOTFOUND,
                     "The credential cache " + ccache_name_ + " holds no tickets: run kinit");
  expiry_ = tgt_end != 0 ? tgt_end : max_end;
  // Expired tickets still make a credential, as in MIT: its lifetime is 0, inquire_cred
  // says GSS_S_CREDENTIALS_EXPIRED and a context cannot start from it.
  return Status::complete();
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

// Is there a key in `kt` that a ticket for `desired` may be encrypted in? Like MIT's
// acquire_cred.c check_keytab: one principal is looked up (any kvno, any enctype); a
// name standing for many (any host, any realm) is matched by walking the keytab, or
// accepted unchecked when the keytab cannot be walked (krb5_rd_req then looks up the
// ticket's own server).
krb5_error_code find_acceptor_key(const k5::Context& k5, krb5_keytab kt, const Name& desired) {
  krb5_context c = k5.get();
  if (!desired.any_host() && !desired.realm_empty()) {
    auto want = desired.principal(k5);
    if (!want) return static_cast<krb5_error_code>(want.error().minor());
    krb5_keytab_entry e;
    const krb5_error_code code = krb5_kt_get_entry(c, kt, want->get(), 0, 0, &e);
    if (code == 0) (void)krb5_free_keytab_entry_contents(c, &e);
    return code == KRB5_KT_KVNONOTFOUND ? KRB5_KT_NOTFOUND : code;
  }
  if (!keytab_iterable(c, kt)) return 0;
  krb5_kt_cursor cur;
  const krb5_error_code code = krb5_kt_start_seq_get(c, kt, &cur);
  if (code != 0) return code;
  bool found = false;
  krb5_keytab_entry e;
  while (!found && krb5_kt_next_entry(c, kt, &e, &cur) == 0) {
    found = desired.matches_server(k5, e.principal);
    (void)krb5_free_keytab_entry_contents(c, &e);
  }
  (void)krb5_kt_end_seq_get(c, kt, &cur);
  return found ? 0 : KRB5_KT_NOTFOUND;
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
  // Safe on every keytab type: libkrb5 assumes content where it cannot walk.
  code = krb5_kt_have_content(c, raw);
  if (code != 0)
    return k5_.error(GSS_S_NO_CRED, code,
                     "The keytab " + keytab_name_ +
                         " is missing or empty: point KRB5_KTNAME at the service's keytab");
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
