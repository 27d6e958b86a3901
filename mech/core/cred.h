// apx::core::Cred — a credential: a ccache (initiator), a keytab (acceptor), or both.
#pragma once

#include <gssapi/gssapi.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/secret_bytes.h"
#include "core/name.h"
#include "krb5/k5.h"

namespace apx::core {

// gss_acquire_cred_from store entries apx understands (MIT's names). Empty: the default.
struct CredStore {
  std::string ccache;         // "ccache"
  std::string client_keytab;  // "client_keytab"
  std::string keytab;         // "keytab"
  std::string rcache;         // "rcache"
  // "password": initial tickets for the desired name got with this password into a MEMORY
  // ccache of the credential's own (gss_acquire_cred_with_password too). NUL-terminated.
  std::optional<base::SecretBytes> password;
  // "verify": the password's tickets are checked against "keytab" (or the default keytab)
  // for this principal (empty: any principal of the keytab), as krb5_verify_init_creds.
  std::optional<std::string> verify;
  // Acquired for IAKERB alone: initial tickets are not got now but, through the acceptor,
  // by the first context (MIT's iakerb_mech credentials); the password is kept for it.
  bool iakerb = false;
};

class Cred {
 public:
  // `resolve_now` false: an initiator asked for no name and no ccache keeps its choice of
  // ccache for its first context, which picks by the target (MIT's kg_cred_resolve).
  static base::Result<std::shared_ptr<Cred>> acquire(const Name* desired, gss_cred_usage_t usage,
                                                     const CredStore& store,
                                                     bool resolve_now = true);

  // Chooses the ccache and client of a default initiator credential, once: by `target`
  // (krb5_cc_select: .k5identity, the target's realm in the collection), else the default
  // ccache, else the client keytab's first principal. Call before reading name(),
  // ccache() or lifetimes; does nothing on a credential already resolved.
  base::Status resolve(const Name* target);

  [[nodiscard]] bool can_initiate() const { return usage_ != GSS_C_ACCEPT; }
  [[nodiscard]] bool can_accept() const { return usage_ != GSS_C_INITIATE; }
  [[nodiscard]] gss_cred_usage_t usage() const { return usage_; }
  // The initiator's principal (or the acceptor's, when it was asked for one).
  [[nodiscard]] const std::optional<Name>& name() const { return name_; }
  // Seconds the initiator's tickets remain valid (0 when expired); GSS_C_INDEFINITE for
  // an accept-only credential.
  [[nodiscard]] OM_uint32 lifetime() const;
  [[nodiscard]] OM_uint32 initiator_lifetime() const;
  // What to tell a person whose tickets have expired.
  [[nodiscard]] std::string expiry_text() const;

  // Held while a context uses the ccache or keytab handles below.
  [[nodiscard]] std::unique_lock<std::mutex> lock() { return std::unique_lock(mu_); }
  [[nodiscard]] krb5_ccache ccache() const { return ccache_.get(); }
  [[nodiscard]] krb5_keytab keytab() const { return keytab_.get(); }
  [[nodiscard]] const std::string& ccache_name() const { return ccache_name_; }
  [[nodiscard]] const std::string& keytab_name() const { return keytab_name_; }
  [[nodiscard]] const std::string& rcache_name() const { return rcache_name_; }
  // The acceptor's own name, when it was asked for one (nullptr: any key in the keytab).
  [[nodiscard]] const Name* acceptor_name() const {
    return acceptor_name_ ? &*acceptor_name_ : nullptr;
  }
  // gss_inquire_cred's name for an acceptor asked for no name, as MIT: the keytab's first
  // principal; none when the keytab is empty or cannot be walked.
  [[nodiscard]] base::Result<std::optional<Name>> keytab_first_name();

  // gss_krb5_set_allowable_enctypes: the enctypes an initiator may use (empty: krb5.conf's).
  [[nodiscard]] const std::vector<krb5_enctype>& allowed_enctypes() const { return allowed_; }
  void set_allowed_enctypes(std::vector<krb5_enctype> list) { allowed_ = std::move(list); }

  // GSS_KRB5_CRED_NO_CI_FLAGS_X: do not add CONF and INTEG to the requested flags.
  void set_no_ci_flags() { no_ci_flags_ = true; }
  [[nodiscard]] bool no_ci_flags() const { return no_ci_flags_; }

  // Copies the initiator tickets into `out` (gss_krb5_copy_ccache: `out` already
  // initialised; gss_store_cred_into: initialised here for the client when `init`).
  base::Status copy_tickets(krb5_ccache out, bool init);
  // gss_store_cred(_into): the initiator tickets into the store's ccache, else the thread's
  // (gss_krb5_ccache_name), else the default one; in a collection, into the client's own
  // cache there (made when missing, made primary when `default_cred`). An occupied
  // destination is replaced only when `overwrite` (GSS_S_DUPLICATE_ELEMENT otherwise).
  // As MIT's store_cred.c (cred_store.cc).
  base::Status store(const CredStore& store, bool overwrite, bool default_cred);

  // A credential made from delegated tickets in a MEMORY ccache made in `ctx`; the cache
  // is destroyed with the credential.
  static base::Result<std::shared_ptr<Cred>> from_delegation(k5::Context ctx, k5::CcachePtr cc,
                                                             Name client, krb5_timestamp end);

  // S4U2Self (MS-SFU §3.1.5.1, MIT's kg_impersonate_name): a ticket to this credential's
  // own principal for `user`, got with this credential's TGT, made into a proxy credential
  // (compose_proxy). cred_s4u.cc.
  base::Result<std::shared_ptr<Cred>> impersonate(const Name& user);
  // MIT's kg_compose_deleg_cred: an initiator credential for `evidence`'s client that
  // holds this credential's tickets, the evidence ticket (client -> this principal) and
  // the ccache config entry proxy_impersonator naming this principal; its contexts ask
  // for tickets by S4U2Proxy (MS-SFU §3.1.5.2). Also what an acceptor whose credential
  // can initiate hands out when nothing was delegated.
  base::Result<std::shared_ptr<Cred>> compose_proxy(const krb5_creds& evidence);
  // IAKERB (iakerb.cc): what an initiator relaying its KDC exchange needs. Valid tickets
  // now (none, or time to refresh: an AS exchange first, as MIT's iakerb_get_initial_state);
  // the means to get initial tickets; the client; the tickets' end once got.
  [[nodiscard]] bool has_current_tgt();
  [[nodiscard]] bool has_any_tgt() const { return expiry_ != 0; }
  [[nodiscard]] const base::SecretBytes* password() const {
    return password_ ? &*password_ : nullptr;
  }
  [[nodiscard]] krb5_keytab client_keytab() const { return client_keytab_.get(); }
  [[nodiscard]] krb5_const_principal client() const { return client_.get(); }
  void set_initial_expiry(krb5_timestamp end) { expiry_ = end; }  // under lock()

  // The impersonating service of a proxy credential (krb5_unparse_name text), as MIT's
  // cred->impersonator: set by compose_proxy, or read from a ccache's proxy_impersonator.
  [[nodiscard]] const std::optional<std::string>& impersonator() const { return impersonator_; }

 private:
  friend struct CredExport;  // gss_export_cred / gss_import_cred (cred_export.cc)
  explicit Cred(k5::Context ctx) : k5_(std::move(ctx)) {}
  base::Status acquire_acceptor(const Name* desired, const CredStore& store);
  // Initiator acquisition as MIT's acquire_cred.c (cred_initiator.cc).
  base::Status acquire_initiator(const Name* desired, const CredStore& store, bool resolve_now);
  base::Status open_initiator_ccache(const CredStore& store);
  void open_client_keytab(const CredStore& store);
  void set_ccache(k5::CcachePtr cc);
  base::Status scan_ccache(const Name* check);
  void scan_config(const krb5_creds& entry);
  [[nodiscard]] bool can_get_initial_creds() const;
  base::Status name_from_client_keytab();
  base::Status cache_for_name();
  base::Status select_for_target(const Name& target);
  base::Status use_default_ccache();
  base::Status resolve_default(const Name* target);
  base::Status maybe_get_initial(const CredStore* store);
  base::Status get_initial(const CredStore* store);
  krb5_error_code init_creds(krb5_creds& creds, krb5_get_init_creds_opt* opt);
  krb5_error_code verify_initial(krb5_creds& creds, const CredStore& store);
  bool time_to_refresh();
  void set_refresh_time(krb5_timestamp when);
  base::Status finish_initiator();

  k5::Context k5_;  // first: destroyed last
  std::mutex mu_;
  gss_cred_usage_t usage_ = GSS_C_BOTH;
  std::optional<Name> name_;
  std::optional<Name> acceptor_name_;
  std::optional<std::string> impersonator_;
  k5::CcachePtr ccache_;
  k5::KeytabPtr keytab_;
  k5::KeytabPtr client_keytab_{nullptr, {}};
  std::string ccache_name_, keytab_name_, rcache_name_;
  // The initiator's client while it is being chosen (the desired name, then the ccache's
  // or the KDC's canonical principal).
  k5::PrincipalPtr client_{nullptr, {}};
  // Held only while the credential is acquired (the tickets outlive it; MIT keeps it).
  std::optional<base::SecretBytes> password_;
  krb5_timestamp expiry_ = 0;
  krb5_timestamp refresh_time_ = 0;  // the ccache's refresh_time config entry
  bool deferred_ = false;            // default identity not yet chosen
  bool no_ci_flags_ = false;
  bool iakerb_ = false;  // CredStore::iakerb
  std::vector<krb5_enctype> allowed_;
};

// krb5_cc_get_full_name, or "(unknown ccache)".
[[nodiscard]] std::string ccache_full_name(const k5::Context& k5, krb5_ccache cc);

// Process- and thread-wide settings made through the krb5 extension calls.
// gss_krb5_ccache_name: this thread's default ccache name (empty: libkrb5's default).
// Returns the previous name.
std::string set_thread_ccache_name(std::string name);
[[nodiscard]] std::string thread_ccache_name();
// krb5_gss_register_acceptor_identity: the keytab acceptors use by default.
void set_acceptor_identity(std::string keytab);
[[nodiscard]] std::string acceptor_identity();

}  // namespace apx::core
