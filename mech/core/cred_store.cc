// gss_store_cred(_into) for an initiator credential, as MIT 1.20's
// lib/gssapi/krb5/store_cred.c: where the tickets go, when an occupied cache may be
// replaced, and when the stored cache becomes the collection's primary.
#include "base/trace.h"
#include "core/cred.h"

namespace apx::core {

using base::Result;
using base::Status;

namespace {

struct Destination {
  k5::CcachePtr cache;
  bool collection = false;
};

// The cache the tickets of `client` go to in `k5`'s default ccache (name or collection).
Result<Destination> pick_destination(const k5::Context& k5, krb5_principal client,
                                     bool overwrite) {
  krb5_context c = k5.get();
  krb5_ccache raw = nullptr;
  krb5_error_code code = krb5_cc_default(c, &raw);
  if (code != 0) return k5.error(GSS_S_FAILURE, code, "Cannot open the ccache to store into");
  Destination d{k5.own_ccache(raw), false};
  const char* type = krb5_cc_get_type(c, raw);
  if (krb5_cc_support_switch(c, type)) {
    // A collection: the client's own cache there, so storing bob keeps alice's.
    d.collection = true;
    code = krb5_cc_cache_match(c, client, &raw);
    if (code == 0) {
      d.cache = k5.own_ccache(raw);
      if (!overwrite) return Status(GSS_S_DUPLICATE_ELEMENT, 0);
      return d;
    }
    if (code == KRB5_CC_NOTFOUND) code = krb5_cc_new_unique(c, type, nullptr, &raw);
    if (code != 0) return k5.error(GSS_S_FAILURE, code, "Cannot make a ccache in the collection");
    d.cache = k5.own_ccache(raw);
    return d;
  }
  krb5_principal held = nullptr;
  code = krb5_cc_get_principal(c, d.cache.get(), &held);
  krb5_free_principal(c, held);
  krb5_clear_error_message(c);
  if (code == 0 && !overwrite) return Status(GSS_S_DUPLICATE_ELEMENT, 0);
  return d;
}

}  // namespace

Status Cred::store(const CredStore& store, bool overwrite, bool default_cred) {
  APX_TRY(resolve(nullptr));
  if (!ccache_ || !name_) return Status(GSS_S_DEFECTIVE_CREDENTIAL, 0);
  if (initiator_lifetime() == 0) return Status(GSS_S_CREDENTIALS_EXPIRED, 0);
  APX_TRY_ASSIGN(k5::Context k5, k5::Context::create());
  krb5_context c = k5.get();
  const std::string dest = store.ccache.empty() ? thread_ccache_name() : store.ccache;
  if (!dest.empty()) {
    const krb5_error_code code = krb5_cc_set_default_name(c, dest.c_str());
    if (code != 0) return k5.error(GSS_S_FAILURE, code, "Cannot use the ccache " + dest);
  }
  APX_TRY_ASSIGN(k5::PrincipalPtr client, name_->principal(k5));
  APX_TRY_ASSIGN(Destination d, pick_destination(k5, client.get(), overwrite));
  // Filled aside, then moved in at once: a reader never sees a half-written cache.
  krb5_ccache raw = nullptr;
  krb5_error_code code = krb5_cc_new_unique(c, "MEMORY", nullptr, &raw);
  if (code != 0) return k5.error(GSS_S_FAILURE, code, "Cannot make a MEMORY ccache");
  k5::CcachePtr mem = k5.own_made_ccache(raw);
  APX_TRY(copy_tickets(mem.get(), true));
  code = krb5_cc_move(c, mem.get(), d.cache.get());
  if (code != 0) return k5.error(GSS_S_FAILURE, code, "Cannot store the tickets");
  (void)mem.release();  // krb5_cc_move destroyed it
  if (d.collection && default_cred) {
    code = krb5_cc_switch(c, d.cache.get());
    if (code != 0) return k5.error(GSS_S_FAILURE, code, "Cannot make the stored ccache primary");
  }
  base::trace("store_cred: tickets of %s into %s", name_->display().c_str(),
              ccache_full_name(k5, d.cache.get()).c_str());
  return Status::complete();
}

}  // namespace apx::core
