// Exported credential calls, and the krb5 extension calls that reach a mechanism through
// gssspi_set_cred_option and gssspi_mech_invoke.
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>

#include <cstring>
#include <string>

#include "base/trace.h"
#include "core/oids.h"
#include "spi/abi.h"

using apx::base::Minor;
using apx::base::Status;
using apx::core::Cred;
using apx::core::CredStore;
using namespace apx::spi;

namespace {

// The mechanism the caller asked for, or krb5 when it named none.
const gss_OID_desc* pick_mech(gss_OID_set desired) {
  if (desired == GSS_C_NO_OID_SET) return &apx::core::kMechKrb5;
  for (size_t i = 0; i < desired->count; ++i)
    if (const gss_OID_desc* m = apx::core::served_mech(&desired->elements[i])) return m;
  return nullptr;
}

// A password as libkrb5 takes it: NUL-terminated, in memory wiped when dropped.
apx::base::SecretBytes password_bytes(std::string_view pw) {
  apx::base::SecretBytes out(pw.size() + 1);
  std::memcpy(out.data(), pw.data(), pw.size());
  out.data()[pw.size()] = 0;
  return out;
}

Status read_store(gss_const_key_value_set_t store, CredStore& out) {
  if (store == GSS_C_NO_CRED_STORE) return Status::complete();
  for (OM_uint32 i = 0; i < store->count; ++i) {
    const gss_key_value_element_desc& e = store->elements[i];
    if (e.key == nullptr || e.value == nullptr) continue;
    // MIT's store keys; others belong to other mechanisms and are ignored, as MIT does.
    if (std::strcmp(e.key, "ccache") == 0) out.ccache = e.value;
    else if (std::strcmp(e.key, "client_keytab") == 0) out.client_keytab = e.value;
    else if (std::strcmp(e.key, "keytab") == 0) out.keytab = e.value;
    else if (std::strcmp(e.key, "rcache") == 0) out.rcache = e.value;
    else if (std::strcmp(e.key, "password") == 0) out.password = password_bytes(e.value);
    else if (std::strcmp(e.key, "verify") == 0) out.verify = e.value;
  }
  return Status::complete();
}

OM_uint32 acquire(OM_uint32* minor, gss_name_t desired, gss_OID_set mechs,
                  gss_cred_usage_t usage, CredStore& cs, gss_cred_id_t* out,
                  gss_OID_set* actual, OM_uint32* time_rec) {
  if (out == nullptr) return report(minor, Status::call_inaccessible_write());
  *out = GSS_C_NO_CREDENTIAL;
  if (actual != nullptr) *actual = GSS_C_NO_OID_SET;
  if (time_rec != nullptr) *time_rec = 0;
  const gss_OID_desc* mech = pick_mech(mechs);
  if (mech == nullptr) return report(minor, Status::bad_mech(Minor::kCredMechUnsupported));
  cs.iakerb = mech == &apx::core::kMechIakerb;
  // MIT resolves a default initiator's ccache now only when asked for its lifetime.
  auto cred = Cred::acquire(as_name(desired), usage, cs, time_rec != nullptr);
  if (!cred) return report(minor, cred.error());
  if (actual != nullptr) {
    const gss_OID_desc* one[] = {mech};
    if (Status s = make_oid_set(one, actual); !s.ok()) return report(minor, s);
  }
  if (time_rec != nullptr) *time_rec = (*cred)->lifetime();
  *out = to_handle(new CredHandle{std::move(*cred)});
  return report(minor, Status::complete());
}

}  // namespace

APX_EXPORT OM_uint32 gss_acquire_cred(OM_uint32* minor, gss_name_t desired, OM_uint32 time_req,
                                      gss_OID_set mechs, gss_cred_usage_t usage,
                                      gss_cred_id_t* out, gss_OID_set* actual,
                                      OM_uint32* time_rec) {
  (void)time_req;
  return guarded(minor, [&] {
    CredStore cs;
    return acquire(minor, desired, mechs, usage, cs, out, actual, time_rec);
  });
}

APX_EXPORT OM_uint32 gss_acquire_cred_from(OM_uint32* minor, gss_name_t desired,
                                           OM_uint32 time_req, gss_OID_set mechs,
                                           gss_cred_usage_t usage,
                                           gss_const_key_value_set_t store, gss_cred_id_t* out,
                                           gss_OID_set* actual, OM_uint32* time_rec) {
  (void)time_req;
  return guarded(minor, [&] {
    CredStore cs;
    if (Status s = read_store(store, cs); !s.ok()) return report(minor, s);
    return acquire(minor, desired, mechs, usage, cs, out, actual, time_rec);
  });
}

// Reached through gssspi_acquire_cred_with_password (standalone) and
// gssi_acquire_cred_with_password (interposer), the names MIT's mechglue resolves.
APX_EXPORT OM_uint32 gssspi_acquire_cred_with_password(
    OM_uint32* minor, const gss_name_t desired, const gss_buffer_t password,
    OM_uint32 time_req, const gss_OID_set mechs, gss_cred_usage_t usage, gss_cred_id_t* out,
    gss_OID_set* actual, OM_uint32* time_rec) {
  (void)time_req;
  return guarded(minor, [&] {
    if (password == GSS_C_NO_BUFFER || password->value == nullptr)
      return report(minor, Status::call_inaccessible_read());
    CredStore cs;
    cs.password = password_bytes(
        std::string_view(static_cast<const char*>(password->value), password->length));
    return acquire(minor, desired, mechs, usage, cs, out, actual, time_rec);
  });
}

APX_EXPORT OM_uint32 gss_release_cred(OM_uint32* minor, gss_cred_id_t* cred) {
  return guarded(minor, [&] {
    if (cred == nullptr) return report(minor, Status::call_inaccessible_write());
    delete as_cred(*cred);
    *cred = GSS_C_NO_CREDENTIAL;
    return report(minor, Status::complete());
  });
}

namespace {

// The credential a call inspects: the caller's, or the default initiator credential.
// A default initiator credential is resolved here without a target (MIT's inquire_cred).
apx::base::Result<std::shared_ptr<Cred>> cred_or_default(gss_cred_id_t handle) {
  if (handle == GSS_C_NO_CREDENTIAL) return Cred::acquire(nullptr, GSS_C_INITIATE, CredStore{});
  std::shared_ptr<Cred> cred = as_cred(handle)->cred;
  if (Status s = cred->resolve(nullptr); !s.ok()) return s;
  return cred;
}

}  // namespace

namespace {

// The name gss_inquire_cred reports: the credential's, else (an acceptor asked for no
// name) the keytab's first principal, as MIT's inq_cred.c.
Status cred_name(Cred& cred, gss_name_t* out) {
  std::optional<apx::core::Name> n = cred.name();
  if (!n && cred.can_accept()) {
    auto first = cred.keytab_first_name();
    if (!first) return first.error();
    n = std::move(*first);
  }
  if (n) *out = to_handle(new apx::core::Name(std::move(*n)));
  return Status::complete();
}

}  // namespace

APX_EXPORT OM_uint32 gss_inquire_cred(OM_uint32* minor, gss_cred_id_t handle, gss_name_t* name,
                                      OM_uint32* lifetime, gss_cred_usage_t* usage,
                                      gss_OID_set* mechs) {
  return guarded(minor, [&] {
    if (name != nullptr) *name = GSS_C_NO_NAME;
    if (mechs != nullptr) *mechs = GSS_C_NO_OID_SET;
    auto cred = cred_or_default(handle);
    if (!cred) return report(minor, cred.error());
    if (lifetime != nullptr) *lifetime = (*cred)->lifetime();
    if (usage != nullptr) *usage = (*cred)->usage();
    if (mechs != nullptr) {
      const gss_OID_desc* one[] = {&apx::core::kMechKrb5};
      if (Status s = make_oid_set(one, mechs); !s.ok()) return report(minor, s);
    }
    if (name != nullptr) {
      if (Status st = cred_name(**cred, name); !st.ok()) return report(minor, st);
    }
    if ((*cred)->can_initiate() && (*cred)->initiator_lifetime() == 0)
      return report(minor, apx::base::with_detail(Status(GSS_S_CREDENTIALS_EXPIRED,
                                                         KRB5KRB_AP_ERR_TKT_EXPIRED),
                                                  (*cred)->expiry_text()));
    return report(minor, Status::complete());
  });
}

APX_EXPORT OM_uint32 gss_inquire_cred_by_mech(OM_uint32* minor, gss_cred_id_t handle,
                                              gss_OID mech, gss_name_t* name,
                                              OM_uint32* init_lifetime,
                                              OM_uint32* accept_lifetime,
                                              gss_cred_usage_t* usage) {
  return guarded(minor, [&] {
    if (name != nullptr) *name = GSS_C_NO_NAME;
    if (apx::core::served_mech(mech) == nullptr)
      return report(minor, Status::bad_mech(Minor::kMechUnsupported));
    auto cred = cred_or_default(handle);
    if (!cred) return report(minor, cred.error());
    Cred& c = **cred;
    if (init_lifetime != nullptr) *init_lifetime = c.can_initiate() ? c.initiator_lifetime() : 0;
    if (accept_lifetime != nullptr) *accept_lifetime = c.can_accept() ? GSS_C_INDEFINITE : 0;
    if (usage != nullptr) *usage = c.usage();
    if (name != nullptr) {
      if (Status st = cred_name(**cred, name); !st.ok()) return report(minor, st);
    }
    return report(minor, Status::complete());
  });
}

namespace {

// MIT's request layout for gss_krb5_set_allowable_enctypes.
struct AllowableEnctypesRequest {
  OM_uint32 num_ktypes;
  krb5_enctype* ktypes;
};

Status set_allowable_enctypes(Cred& cred, const gss_buffer_t value) {
  if (value == GSS_C_NO_BUFFER || value->length != sizeof(AllowableEnctypesRequest) ||
      value->value == nullptr)
    return Status::call_inaccessible_read();
  const auto* req = static_cast<const AllowableEnctypesRequest*>(value->value);
  if (req->num_ktypes == 0 || req->ktypes == nullptr)
    return Status::failure(Minor::kEnctypeUnsupported);
  std::vector<krb5_enctype> list;
  for (OM_uint32 i = 0; i < req->num_ktypes; ++i) {
    // As MIT: only enctypes libkrb5 knows; apx refuses messages for the RFC 1964 ones later.
    if (krb5_c_valid_enctype(req->ktypes[i])) list.push_back(req->ktypes[i]);
  }
  if (list.empty()) return Status::failure(Minor::kEnctypeUnsupported);
  cred.set_allowed_enctypes(std::move(list));
  apx::base::trace("set_cred_option: %u allowable enctypes", req->num_ktypes);
  return Status::complete();
}

}  // namespace

APX_EXPORT OM_uint32 gssspi_set_cred_option(OM_uint32* minor, gss_cred_id_t* cred,
                                            const gss_OID object, const gss_buffer_t value) {
  (void)value;
  return guarded(minor, [&] {
    if (cred == nullptr || *cred == GSS_C_NO_CREDENTIAL)
      return report(minor, Status::no_cred(apx::base::code(Minor::kCredNotInitiator)));
    if (apx::core::oid_equal(object, apx::core::kOidCredNoCiFlags)) {
      as_cred(*cred)->cred->set_no_ci_flags();
      apx::base::trace("set_cred_option: no CONF/INTEG flags by default");
      return report(minor, Status::complete());
    }
    if (apx::core::oid_equal(object, apx::core::kOidCopyCcache)) {
      // gss_krb5_copy_ccache (OpenSSH stores delegated tickets this way): the value is the
      // caller's krb5_ccache, already initialised.
      if (value == GSS_C_NO_BUFFER || value->value == nullptr)
        return report(minor, Status::call_inaccessible_read());
      return report(minor, as_cred(*cred)->cred->copy_tickets(
                               static_cast<krb5_ccache>(value->value), false));
    }
    if (apx::core::oid_equal(object, apx::core::kOidSetAllowableEnctypes))
      return report(minor, set_allowable_enctypes(*as_cred(*cred)->cred, value));
    return report(minor, Status::unavailable(Minor::kOptionUnsupported));
  });
}

namespace {
// MIT's request layout for gss_krb5_ccache_name (GSS_KRB5_CCACHE_NAME_X).
struct CcacheNameRequest {
  const char* name;
  const char** out_name;
};
thread_local std::string t_previous_ccache_name;
}  // namespace

APX_EXPORT OM_uint32 gssspi_mech_invoke(OM_uint32* minor, const gss_OID mech,
                                        const gss_OID object, gss_buffer_t value) {
  return guarded(minor, [&] {
    if (apx::core::served_mech(mech) == nullptr)
      return report(minor, Status::bad_mech(Minor::kMechUnsupported));
    if (apx::core::oid_equal(object, apx::core::kOidCcacheName)) {
      if (value == GSS_C_NO_BUFFER || value->length != sizeof(CcacheNameRequest))
        return report(minor, Status::call_inaccessible_read());
      const auto* req = static_cast<const CcacheNameRequest*>(value->value);
      t_previous_ccache_name =
          apx::core::set_thread_ccache_name(req->name ? std::string(req->name) : std::string());
      if (req->out_name != nullptr)
        *req->out_name = t_previous_ccache_name.empty() ? nullptr : t_previous_ccache_name.c_str();
      apx::base::trace("ccache_name: %s", req->name ? req->name : "(default)");
      return report(minor, Status::complete());
    }
    if (apx::core::oid_equal(object, apx::core::kOidRegisterAcceptorIdentity)) {
      if (value == GSS_C_NO_BUFFER) return report(minor, Status::call_inaccessible_read());
      std::string keytab;
      if (value->value != nullptr)
        keytab.assign(static_cast<const char*>(value->value),
                      strnlen(static_cast<const char*>(value->value), value->length));
      apx::core::set_acceptor_identity(keytab);
      apx::base::trace("register_acceptor_identity: %s", keytab.c_str());
      return report(minor, Status::complete());
    }
    if (apx::core::oid_equal(object, apx::core::kOidFreeLucidContext)) {
      // gss_krb5_free_lucid_sec_context: the value is the lucid context apx made.
      if (value == GSS_C_NO_BUFFER) return report(minor, Status::call_inaccessible_read());
      free_lucid(value->value);
      return report(minor, Status::complete());
    }
    if (apx::core::oid_equal(object, apx::core::kOidUseKdcContext)) {
      // krb5_gss_use_kdc_context (kadmind, kdb5_util): tells MIT's mechanism to share the
      // KDC's krb5 context. apx makes its own per object: nothing to do.
      return report(minor, Status::complete());
    }
    return report(minor, Status::unavailable(Minor::kOptionUnsupported));
  });
}
namespace {

OM_uint32 store_cred(OM_uint32* minor, gss_cred_id_t handle, gss_cred_usage_t usage,
                     const gss_OID mech, OM_uint32 overwrite, OM_uint32 default_cred,
                     gss_const_key_value_set_t store, gss_OID_set* elements_stored,
                     gss_cred_usage_t* usage_stored) {
  if (elements_stored != nullptr) *elements_stored = GSS_C_NO_OID_SET;
  if (usage_stored != nullptr) *usage_stored = GSS_C_INITIATE;
  if (handle == GSS_C_NO_CREDENTIAL) return report(minor, Status::no_cred(0));
  if (mech != GSS_C_NO_OID && apx::core::served_mech(mech) == nullptr)
    return report(minor, Status::bad_mech(Minor::kMechUnsupported));
  if (usage == GSS_C_ACCEPT) return report(minor, Status::failure(Minor::kCredNotInitiator));
  if (usage != GSS_C_INITIATE && usage != GSS_C_BOTH)
    return report(minor, Status::failure(Minor::kCredUsageInvalid));
  Cred& cred = *as_cred(handle)->cred;
  if (!cred.can_initiate()) return report(minor, Status::failure(Minor::kCredNotInitiator));
  CredStore cs;
  if (Status s = read_store(store, cs); !s.ok()) return report(minor, s);
  if (Status s = cred.store(cs, overwrite != 0, default_cred != 0); !s.ok())
    return report(minor, s);
  if (elements_stored != nullptr) {
    const gss_OID_desc* one[] = {&apx::core::kMechKrb5};
    if (Status s = make_oid_set(one, elements_stored); !s.ok()) return report(minor, s);
  }
  return report(minor, Status::complete());
}

}  // namespace

APX_EXPORT OM_uint32 gss_store_cred(OM_uint32* minor, gss_cred_id_t handle,
                                    gss_cred_usage_t usage, const gss_OID mech,
                                    OM_uint32 overwrite, OM_uint32 default_cred,
                                    gss_OID_set* elements_stored,
                                    gss_cred_usage_t* usage_stored) {
  return guarded(minor, [&] {
    return store_cred(minor, handle, usage, mech, overwrite, default_cred, GSS_C_NO_CRED_STORE,
                      elements_stored, usage_stored);
  });
}

APX_EXPORT OM_uint32 gss_store_cred_into(OM_uint32* minor, gss_cred_id_t handle,
                                         gss_cred_usage_t usage, gss_OID mech,
                                         OM_uint32 overwrite, OM_uint32 default_cred,
                                         gss_const_key_value_set_t store,
                                         gss_OID_set* elements_stored,
                                         gss_cred_usage_t* usage_stored) {
  return guarded(minor, [&] {
    return store_cred(minor, handle, usage, mech, overwrite, default_cred, store,
                      elements_stored, usage_stored);
  });
}

APX_GSSI(store_cred, gss_store_cred)
APX_GSSI(store_cred_into, gss_store_cred_into)
APX_GSSI(acquire_cred, gss_acquire_cred)
APX_GSSI(acquire_cred_from, gss_acquire_cred_from)
APX_GSSI(acquire_cred_with_password, gssspi_acquire_cred_with_password)
APX_GSSI(release_cred, gss_release_cred)
APX_GSSI(inquire_cred, gss_inquire_cred)
APX_GSSI(inquire_cred_by_mech, gss_inquire_cred_by_mech)
APX_GSSI(set_cred_option, gssspi_set_cred_option)
APX_GSSI(mech_invoke, gssspi_mech_invoke)
