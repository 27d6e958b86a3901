// The initiator side of a Cred: which ccache and which client, initial tickets from a
// client keytab or a password, and their proactive refresh — as MIT 1.20's
// lib/gssapi/krb5/acquire_cred.c (acquire_init_cred, scan_ccache, get_cache_for_name,
// kg_cred_resolve, maybe_get_initial_cred), so that a host sees the same caches used and
// written whichever mechanism serves it.
#include <netdb.h>
#include <profile.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/trace.h"
#include "core/cred.h"

namespace apx::core {

using base::Result;
using base::Status;

namespace {

constexpr krb5_deltat kRefreshRetry = 30;  // MIT: retry a failed refresh after 30 seconds
// The ccache config key MIT's mechanism writes and reads (KRB5_CC_CONF_REFRESH_TIME in
// libkrb5's private k5-int.h): when to get new tickets from the client keytab.
constexpr std::string_view kConfRefreshTime = "refresh_time";
// MIT's KRB5_CC_CONF_PROXY_IMPERSONATOR (k5-int.h, not public): a proxy credential's
// impersonating service, kept in the ccache so a stored proxy credential stays one.
constexpr std::string_view kConfProxyImpersonator = "proxy_impersonator";

// Kerberos timestamps wrap in 2106: compare them as MIT's ts_after does.
bool ts_after(krb5_timestamp a, krb5_timestamp b) {
  return static_cast<uint32_t>(a) > static_cast<uint32_t>(b);
}

bool is_tgt_of(krb5_const_principal server, krb5_const_principal client) {
  return server->length == 2 &&
         std::string_view(server->data[0].data, server->data[0].length) == KRB5_TGS_NAME &&
         std::string_view(server->data[1].data, server->data[1].length) ==
             std::string_view(client->realm.data, client->realm.length) &&
         std::string_view(server->realm.data, server->realm.length) ==
             std::string_view(client->realm.data, client->realm.length);
}

// Keytab types libkrb5 can walk (others abort the process when walked).
bool walkable(krb5_context c, krb5_keytab kt) {
  const std::string_view type = krb5_kt_get_type(c, kt);
  return type == "FILE" || type == "WRFILE" || type == "MEMORY";
}

// A libdefaults setting of krb5.conf is not "false" (absent: `dflt`).
bool libdefault_on(krb5_context c, const char* key, bool dflt) {
  profile_t profile = nullptr;
  if (krb5_get_profile(c, &profile) != 0) return dflt;
  char* value = nullptr;
  bool on = dflt;
  if (profile_get_string(profile, "libdefaults", key, nullptr, nullptr, &value) == 0 &&
      value != nullptr)
    on = std::string_view(value) != "false";
  profile_release_string(value);
  profile_release(profile);
  return on;
}

// The host as libkrb5's DNS canonicalisation names it: forward lookup, then (rdns, on by
// default) the reverse name of its address.
std::string dns_host(krb5_context c, const std::string& host) {
  addrinfo hints{};
  hints.ai_flags = AI_CANONNAME;
  addrinfo* ai = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &ai) != 0) return host;
  std::string canon = ai->ai_canonname != nullptr ? ai->ai_canonname : host;
  char rname[NI_MAXHOST];
  if (libdefault_on(c, "rdns", true) &&
      getnameinfo(ai->ai_addr, ai->ai_addrlen, rname, sizeof rname, nullptr, 0, NI_NAMEREQD) == 0)
    canon = rname;
  freeaddrinfo(ai);
  for (char& ch : canon) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return canon;
}

// A host-based principal with its host canonicalised through DNS, as libkrb5's fallback
// tries second (k5_canonprinc, private to libkrb5); none when that changes nothing.
k5::PrincipalPtr canonical_host(const k5::Context& k5, krb5_const_principal p) {
  krb5_context c = k5.get();
  k5::PrincipalPtr none(nullptr, {c});
  if (p->type != KRB5_NT_SRV_HST || p->length != 2 ||
      !libdefault_on(c, "dns_canonicalize_hostname", true))
    return none;
  const std::string host(p->data[1].data, p->data[1].length);
  if (host.empty()) return none;
  const std::string canon = dns_host(c, host);
  if (canon == host) return none;
  const std::string service(p->data[0].data, p->data[0].length);
  const std::string realm(p->realm.data, p->realm.length);
  krb5_principal out = nullptr;
  if (krb5_build_principal(c, &out, static_cast<unsigned>(realm.size()), realm.c_str(),
                           service.c_str(), canon.c_str(), nullptr) != 0)
    return none;
  out->type = KRB5_NT_SRV_HST;
  return k5.own<krb5_principal_data, krb5_free_principal>(out);
}

// Has `kt` a key for `client`? krb5_sname_match lets an empty realm or host match any,
// like MIT's k5_kt_have_match (private to libkrb5).
bool keytab_has_exactly(krb5_context c, krb5_keytab kt, krb5_const_principal client) {
  if (!walkable(c, kt)) {
    krb5_keytab_entry e;
    if (krb5_kt_get_entry(c, kt, client, 0, 0, &e) != 0) return false;
    (void)krb5_free_keytab_entry_contents(c, &e);
    return true;
  }
  krb5_kt_cursor cur;
  if (krb5_kt_start_seq_get(c, kt, &cur) != 0) return false;
  bool found = false;
  krb5_keytab_entry e;
  while (!found && krb5_kt_next_entry(c, kt, &e, &cur) == 0) {
    found = krb5_sname_match(c, client, e.principal) != 0;
    (void)krb5_free_keytab_entry_contents(c, &e);
  }
  (void)krb5_kt_end_seq_get(c, kt, &cur);
  return found;
}

bool keytab_has(const k5::Context& k5, krb5_keytab kt, krb5_const_principal client) {
  if (keytab_has_exactly(k5.get(), kt, client)) return true;
  k5::PrincipalPtr canon = canonical_host(k5, client);
  return canon && keytab_has_exactly(k5.get(), kt, canon.get());
}

// Does the ccache's client satisfy the name asked for? (MIT's k5_sname_compare, with its
// DNS fallback for a host-based name.)
bool client_matches(const k5::Context& k5, const Name& desired, krb5_const_principal p) {
  if (desired.any_host()) return desired.matches_server(k5, p);
  auto want = desired.principal(k5);
  if (!want) return false;
  if (krb5_sname_match(k5.get(), want->get(), p) != 0) return true;
  k5::PrincipalPtr canon = canonical_host(k5, want->get());
  return canon && krb5_sname_match(k5.get(), canon.get(), p) != 0;
}

}  // namespace

Status Cred::acquire_initiator(const Name* desired, const CredStore& store, bool resolve_now) {
  if (store.password) password_ = store.password->clone();
  iakerb_ = store.iakerb;
  APX_TRY(open_initiator_ccache(store));
  open_client_keytab(store);
  if (desired != nullptr) {
    APX_TRY_ASSIGN(client_, desired->principal(k5_));
  }
  if (ccache_) {
    // A ccache was named: it must hold the desired client, or be empty and fillable.
    Status s = scan_ccache(desired);
    if (s.minor() == static_cast<OM_uint32>(KRB5_FCC_NOFILE)) {
      if (!client_ ? name_from_client_keytab().ok() : can_get_initial_creds())
        s = Status::complete();
    }
    APX_TRY(s);
  } else if (client_) {
    APX_TRY(cache_for_name());
  }
  if (!client_ && !can_get_initial_creds()) {
    const krb5_error_code code = krb5_cccol_have_content(k5_.get());
    if (code != 0) return k5_.error(GSS_S_NO_CRED, code, "No Kerberos tickets: run kinit");
  }
  if (!client_) {
    // Default identity: chosen by the first context's target (MIT), or now.
    deferred_ = true;
    password_.reset();
    return resolve_now ? resolve(nullptr) : Status::complete();
  }
  Status s = maybe_get_initial(&store);
  if (!iakerb_) password_.reset();
  APX_TRY(s);
  return finish_initiator();
}

Status Cred::open_initiator_ccache(const CredStore& store) {
  krb5_context c = k5_.get();
  krb5_ccache raw = nullptr;
  krb5_error_code code = 0;
  if (password_) {
    // MIT: password tickets go into a private MEMORY cache, destroyed with the credential.
    code = krb5_cc_new_unique(c, "MEMORY", nullptr, &raw);
    if (code == 0) set_ccache(k5_.own_made_ccache(raw));
  } else if (!store.ccache.empty()) {
    code = krb5_cc_resolve(c, store.ccache.c_str(), &raw);
    if (code == 0) set_ccache(k5_.own_ccache(raw));
  } else if (!thread_ccache_name().empty()) {
    code = krb5_cc_default(c, &raw);  // the thread's name, set as the default in acquire
    if (code == 0) set_ccache(k5_.own_ccache(raw));
  }
  if (code != 0) return k5_.error(GSS_S_NO_CRED, code, "Cannot open the credential cache");
  return Status::complete();
}

void Cred::open_client_keytab(const CredStore& store) {
  // The client keytab ("client_keytab" store key, else KRB5_CLIENT_KTNAME or krb5.conf's
  // default_client_keytab_name); used only when it has keys. A name that does not resolve
  // counts as an empty keytab (MIT).
  krb5_context c = k5_.get();
  krb5_keytab kt = nullptr;
  const krb5_error_code code = store.client_keytab.empty()
                                   ? krb5_kt_client_default(c, &kt)
                                   : krb5_kt_resolve(c, store.client_keytab.c_str(), &kt);
  krb5_clear_error_message(c);
  if (code != 0) return;
  auto owned = k5_.own<_krb5_kt, krb5_kt_close>(kt);
  if (krb5_kt_have_content(c, kt) != 0) {
    krb5_clear_error_message(c);
    return;
  }
  client_keytab_ = std::move(owned);
}

// MIT's scan_ccache: the ccache's client (checked against `check` when given), the
// credential's end (the client realm's TGT, else the first ticket) and refresh_time.
Status Cred::scan_ccache(const Name* check) {
  krb5_context c = k5_.get();
  krb5_principal raw = nullptr;
  krb5_error_code code = krb5_cc_get_principal(c, ccache_.get(), &raw);
  if (code != 0)
    return k5_.error(GSS_S_NO_CRED, code,
                     "No Kerberos credentials in " + ccache_name_ +
                         ": run kinit (or set KRB5CCNAME to the cache that holds your tickets)");
  auto owned = k5_.own<krb5_principal_data, krb5_free_principal>(raw);
  if (check != nullptr && !client_matches(k5_, *check, raw))
    return k5_.error(GSS_S_NO_CRED, KRB5_CC_NOTFOUND,
                     "Principal in credential cache does not match desired name: " +
                         ccache_name_ + " holds tickets for " + k5_.unparse(raw) + ", not " +
                         check->display());
  client_ = std::move(owned);
  expiry_ = 0;
  krb5_cc_cursor cur = nullptr;
  code = krb5_cc_start_seq_get(c, ccache_.get(), &cur);
  if (code != 0) return k5_.error(GSS_S_NO_CRED, code, "Cannot read " + ccache_name_);
  krb5_creds creds;
  while (krb5_cc_next_cred(c, ccache_.get(), &cur, &creds) == 0) {
    if (krb5_is_config_principal(c, creds.server)) {
      scan_config(creds);
    } else if (is_tgt_of(creds.server, client_.get()) || expiry_ == 0) {
      expiry_ = creds.times.endtime;
    }
    krb5_free_cred_contents(c, &creds);
  }
  (void)krb5_cc_end_seq_get(c, ccache_.get(), &cur);
  if (expiry_ == 0 && !can_get_initial_creds())
    return k5_.error(GSS_S_NO_CRED, KRB5_CC_NOTFOUND,
                     "Credential cache is empty: " + ccache_name_ + " holds no tickets for " +
                         k5_.unparse(client_.get()) + ": run kinit");
  return Status::complete();
}

// MIT's scan_cc_config: the first refresh_time and proxy_impersonator entries count.
void Cred::scan_config(const krb5_creds& entry) {
  const krb5_const_principal key = entry.server;
  if (key->length != 2) return;
  const std::string_view name(key->data[1].data, key->data[1].length);
  const std::string value(entry.ticket.data, entry.ticket.length);
  if (name == kConfProxyImpersonator && !impersonator_) {
    impersonator_ = value;
  } else if (name == kConfRefreshTime && refresh_time_ == 0) {
    refresh_time_ = static_cast<krb5_timestamp>(std::strtoul(value.c_str(), nullptr, 10));
  }
}

bool Cred::can_get_initial_creds() const {
  if (password_) return true;
  if (!client_keytab_) return false;
  return !client_ || keytab_has(k5_, client_keytab_.get(), client_.get());
}

Status Cred::name_from_client_keytab() {
  // MIT: the client keytab's first principal.
  if (!client_keytab_ || !walkable(k5_.get(), client_keytab_.get()))
    return Status::no_cred(static_cast<OM_uint32>(KRB5_KT_NOTFOUND));
  krb5_context c = k5_.get();
  krb5_kt_cursor cur;
  krb5_keytab_entry e;
  krb5_principal p = nullptr;
  krb5_error_code code = krb5_kt_start_seq_get(c, client_keytab_.get(), &cur);
  if (code != 0) return k5_.error(GSS_S_NO_CRED, code, "Cannot read the client keytab");
  code = krb5_kt_next_entry(c, client_keytab_.get(), &e, &cur);
  (void)krb5_kt_end_seq_get(c, client_keytab_.get(), &cur);
  if (code == 0) {
    code = krb5_copy_principal(c, e.principal, &p);
    (void)krb5_free_keytab_entry_contents(c, &e);
  }
  if (code != 0) return k5_.error(GSS_S_NO_CRED, code, "Cannot read the client keytab");
  client_ = k5_.own<krb5_principal_data, krb5_free_principal>(p);
  return Status::complete();
}

// MIT's get_cache_for_name: the client's cache in the collection; else, when tickets can
// be got, the default cache if it is empty and not a collection, or a new cache in the
// collection (never made primary).
Status Cred::cache_for_name() {
  krb5_context c = k5_.get();
  const bool can_get = can_get_initial_creds();
  const std::string who = k5_.unparse(client_.get());
  krb5_ccache raw = nullptr;
  krb5_error_code code = krb5_cc_cache_match(c, client_.get(), &raw);
  if (code == 0) {
    set_ccache(k5_.own_ccache(raw));
    return scan_ccache(nullptr);
  }
  if (code != KRB5_CC_NOTFOUND || !can_get)
    return k5_.error(GSS_S_NO_CRED, code,
                     "No Kerberos tickets for " + who + " in any credential cache: run 'kinit " +
                         who + "'");
  krb5_clear_error_message(c);
  code = krb5_cc_default(c, &raw);
  if (code != 0) return k5_.error(GSS_S_NO_CRED, code, "Cannot open the default ccache");
  k5::CcachePtr def = k5_.own_ccache(raw);
  const char* type = krb5_cc_get_type(c, raw);
  const bool collection = krb5_cc_support_switch(c, type) != 0;
  if (password_ || !collection) {
    krb5_principal held = nullptr;
    code = krb5_cc_get_principal(c, raw, &held);
    krb5_free_principal(c, held);
    krb5_clear_error_message(c);
    if (code == KRB5_FCC_NOFILE) {
      set_ccache(std::move(def));
      return Status::complete();
    }
  }
  if (!collection)
    return k5_.error(GSS_S_NO_CRED, KRB5_CC_NOTFOUND,
                     "Principal in credential cache does not match desired name: the default "
                     "ccache " + ccache_full_name(k5_, raw) + " holds another client's tickets, "
                     "not " + who);
  code = krb5_cc_new_unique(c, type, nullptr, &raw);
  if (code != 0) return k5_.error(GSS_S_NO_CRED, code, "Cannot make a ccache for " + who);
  set_ccache(k5_.own_ccache(raw));
  return Status::complete();
}

Status Cred::resolve(const Name* target) {
  auto guard = lock();
  if (!deferred_) return Status::complete();
  Status s = resolve_default(target);
  if (!s.ok()) {
    ccache_.reset();
    client_.reset();
    ccache_name_.clear();
    expiry_ = refresh_time_ = 0;
    return s;
  }
  deferred_ = false;
  return Status::complete();
}

// MIT's kg_cred_resolve.
Status Cred::resolve_default(const Name* target) {
  if (target != nullptr) APX_TRY(select_for_target(*target));
  if (!client_) APX_TRY(use_default_ccache());
  if (!client_ && !name_from_client_keytab().ok())
    return k5_.error(GSS_S_NO_CRED, KRB5_CC_NOTFOUND,
                     "Credential cache is empty: no Kerberos tickets and no client keytab: run "
                     "kinit");
  if (!ccache_) APX_TRY(cache_for_name());
  APX_TRY(maybe_get_initial(nullptr));
  return finish_initiator();
}

Status Cred::select_for_target(const Name& target) {
  // krb5_cc_select: .k5identity, then a collection cache of the target's realm (or its
  // fallback realm); KRB5_CC_NOTFOUND may still name a client (.k5identity).
  krb5_context c = k5_.get();
  APX_TRY_ASSIGN(k5::PrincipalPtr server, target.principal(k5_));
  krb5_ccache raw = nullptr;
  krb5_principal client = nullptr;
  const krb5_error_code code = krb5_cc_select(c, server.get(), &raw, &client);
  if (code != 0 && code != KRB5_CC_NOTFOUND)
    return k5_.error(GSS_S_NO_CRED, code, "Cannot choose a ccache for " + target.display());
  if (client != nullptr) client_ = k5_.own<krb5_principal_data, krb5_free_principal>(client);
  if (raw == nullptr) return Status::complete();
  set_ccache(k5_.own_ccache(raw));
  return scan_ccache(nullptr);
}

Status Cred::use_default_ccache() {
  krb5_ccache raw = nullptr;
  const krb5_error_code code = krb5_cc_default(k5_.get(), &raw);
  if (code != 0) return k5_.error(GSS_S_NO_CRED, code, "Cannot open the default ccache");
  set_ccache(k5_.own_ccache(raw));
  Status s = scan_ccache(nullptr);
  if (s.minor() == static_cast<OM_uint32>(KRB5_FCC_NOFILE)) {
    // No default cache: the client keytab may still name a client.
    krb5_clear_error_message(k5_.get());
    ccache_.reset();
    ccache_name_.clear();
    return Status::complete();
  }
  return s;
}

// MIT's maybe_get_initial_cred: tickets when there are none or it is time to refresh; a
// failed refresh keeps the tickets there are.
Status Cred::maybe_get_initial(const CredStore* store) {
  // MIT: an IAKERB credential's contexts get the tickets, through the acceptor.
  if (!client_ || iakerb_) return Status::complete();
  if (expiry_ != 0 && !time_to_refresh()) return Status::complete();
  Status s = get_initial(store);
  if (!s.ok() && expiry_ == 0) return s;
  krb5_clear_error_message(k5_.get());
  return Status::complete();
}

Status Cred::get_initial(const CredStore* store) {
  krb5_context c = k5_.get();
  krb5_get_init_creds_opt* opt = nullptr;
  krb5_error_code code = krb5_get_init_creds_opt_alloc(c, &opt);
  if (code != 0) return k5_.error(GSS_S_NO_CRED, code, "Cannot get initial tickets");
  // The tickets go straight into the credential's ccache (initialised for the client).
  code = krb5_get_init_creds_opt_set_out_ccache(c, opt, ccache_.get());
  krb5_creds creds{};
  if (code == 0) code = init_creds(creds, opt);
  if (code == 0 && password_ && store != nullptr && store->verify)
    code = verify_initial(creds, *store);
  krb5_get_init_creds_opt_free(c, opt);
  if (code != 0) {
    krb5_free_cred_contents(c, &creds);
    return k5_.error(GSS_S_NO_CRED, code,
                     "Cannot get initial tickets for " + k5_.unparse(client_.get()) +
                         (password_ ? " with the password" : " from the client keytab"));
  }
  // MIT refreshes keytab tickets when they are halfway to expiry.
  if (!password_)
    set_refresh_time(creds.times.starttime +
                     static_cast<krb5_deltat>((static_cast<uint32_t>(creds.times.endtime) -
                                               static_cast<uint32_t>(creds.times.starttime)) /
                                              2));
  expiry_ = creds.times.endtime;
  client_ = k5_.own<krb5_principal_data, krb5_free_principal>(std::exchange(creds.client, nullptr));
  krb5_free_cred_contents(c, &creds);
  base::trace("acquire_cred: initial tickets for %s %s, into %s",
              k5_.unparse(client_.get()).c_str(),
              password_ ? "with its password" : "from the client keytab", ccache_name_.c_str());
  return Status::complete();
}

krb5_error_code Cred::init_creds(krb5_creds& creds, krb5_get_init_creds_opt* opt) {
  krb5_context c = k5_.get();
  if (password_)
    return krb5_get_init_creds_password(c, &creds, client_.get(),
                                        reinterpret_cast<const char*>(password_->data()),
                                        nullptr, nullptr, 0, nullptr, opt);
  if (client_keytab_)
    return krb5_get_init_creds_keytab(c, &creds, client_.get(), client_keytab_.get(), 0,
                                      nullptr, opt);
  return KRB5_KT_NOTFOUND;
}

krb5_error_code Cred::verify_initial(krb5_creds& creds, const CredStore& store) {
  // krb5_verify_init_creds: a ticket to the keytab's principal must decrypt, so a KDC
  // spoofer cannot pass a password off (ap_req_nofail: a missing key fails too, as MIT).
  krb5_context c = k5_.get();
  krb5_keytab kt = nullptr;
  krb5_principal server = nullptr;
  krb5_error_code code = 0;
  if (!store.keytab.empty()) code = krb5_kt_resolve(c, store.keytab.c_str(), &kt);
  if (code == 0 && !store.verify->empty())
    code = krb5_parse_name(c, store.verify->c_str(), &server);
  if (code == 0) {
    krb5_verify_init_creds_opt vopt;
    krb5_verify_init_creds_opt_init(&vopt);
    krb5_verify_init_creds_opt_set_ap_req_nofail(&vopt, 1);
    code = krb5_verify_init_creds(c, &creds, server, kt, nullptr, &vopt);
  }
  krb5_free_principal(c, server);
  if (kt != nullptr) (void)krb5_kt_close(c, kt);
  return code;
}

// MIT's kg_cred_time_to_refresh: at refresh_time, or when the tickets end within 30
// seconds (even tickets got by kinit); a retry is noted 30 seconds on.
bool Cred::has_current_tgt() {
  auto guard = lock();
  return expiry_ != 0 && !time_to_refresh();
}

bool Cred::time_to_refresh() {
  krb5_timestamp now = 0;
  if (krb5_timeofday(k5_.get(), &now) != 0) return false;
  const krb5_timestamp soon = now + kRefreshRetry;
  const bool due = (refresh_time_ != 0 && !ts_after(refresh_time_, now)) || ts_after(soon, expiry_);
  if (due) set_refresh_time(soon);
  return due;
}

void Cred::set_refresh_time(krb5_timestamp when) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%u", static_cast<unsigned>(static_cast<uint32_t>(when)));
  krb5_data d{};
  d.data = buf;
  d.length = static_cast<unsigned>(std::strlen(buf));
  (void)krb5_cc_set_config(k5_.get(), ccache_.get(), nullptr, kConfRefreshTime.data(), &d);
  krb5_clear_error_message(k5_.get());
}

Status Cred::finish_initiator() {
  APX_TRY_ASSIGN(Name n, Name::from_principal(k5_, client_.get()));
  name_ = std::move(n);
  base::trace("acquire_cred: initiator %s from %s", name_->display().c_str(),
              ccache_name_.c_str());
  return Status::complete();
}

}  // namespace apx::core
