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
  // "password" (or gss_acquire_cred_with_password's), with a terminating NUL: the
  // initiator's tickets are got with it at acquisition.
  base::SecretBytes password;
};

class Cred {
 public:
  static base::Result<std::shared_ptr<Cred>> acquire(const Name* desired, gss_cred_usage_t usage,
                                                     const CredStore& store);

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

  // A credential made from delegated tickets in a MEMORY ccache made in `ctx`; the cache
  // is destroyed with the credential.
  static base::Result<std::shared_ptr<Cred>> from_delegation(k5::Context ctx, k5::CcachePtr cc,
                                                             Name client, krb5_timestamp end);

 private:
  explicit Cred(k5::Context ctx) : k5_(std::move(ctx)) {}
  base::Status acquire_initiator(const Name* desired, const CredStore& store);
  base::Status acquire_acceptor(const Name* desired, const CredStore& store);
  base::Status check_ticket_expiry();
  void open_client_keytab(const CredStore& store);
  base::Status kinit_from_client_keytab(krb5_const_principal want);
  base::Status kinit_with_password(const Name* desired, const CredStore& store);

  k5::Context k5_;  // first: destroyed last
  std::mutex mu_;
  gss_cred_usage_t usage_ = GSS_C_BOTH;
  std::optional<Name> name_;
  std::optional<Name> acceptor_name_;
  k5::CcachePtr ccache_;
  k5::KeytabPtr keytab_;
  k5::KeytabPtr client_keytab_{nullptr, {}};
  std::string ccache_name_, keytab_name_, rcache_name_;
  krb5_timestamp expiry_ = 0;
  bool no_ci_flags_ = false;
  std::vector<krb5_enctype> allowed_;
};

// Process- and thread-wide settings made through the krb5 extension calls.
// gss_krb5_ccache_name: this thread's default ccache name (empty: libkrb5's default).
// Returns the previous name.
std::string set_thread_ccache_name(std::string name);
[[nodiscard]] std::string thread_ccache_name();
// krb5_gss_register_acceptor_identity: the keytab acceptors use by default.
void set_acceptor_identity(std::string keytab);
[[nodiscard]] std::string acceptor_identity();

}  // namespace apx::core
