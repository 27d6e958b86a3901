// Exported S4U calls: gss_acquire_cred_impersonate_name (S4U2Self; the mechglue builds
// gss_add_cred_impersonate_name on it) and gss_inquire_cred_by_oid for
// GSS_KRB5_GET_CRED_IMPERSONATOR. Argument checks as MIT's s4u_gss_glue.c and inq_cred.c.
#include <gssapi/gssapi_ext.h>

#include "base/trace.h"
#include "core/oids.h"
#include "spi/abi.h"

using apx::base::Minor;
using apx::base::Status;
using apx::core::Cred;
using namespace apx::spi;

// The mechglue passes no desired_mechs and no actual_mechs.
APX_EXPORT OM_uint32 gss_acquire_cred_impersonate_name(
    OM_uint32* minor, const gss_cred_id_t impersonator, const gss_name_t desired,
    OM_uint32 time_req, const gss_OID_set mechs, gss_cred_usage_t usage, gss_cred_id_t* out,
    gss_OID_set* actual, OM_uint32* time_rec) {
  (void)time_req;
  (void)mechs;
  return guarded(minor, [&] {
    if (actual != nullptr) *actual = GSS_C_NO_OID_SET;
    if (impersonator == GSS_C_NO_CREDENTIAL || desired == GSS_C_NO_NAME)
      return report(minor, Status::call_inaccessible_read());
    if (out == nullptr) return report(minor, Status::call_inaccessible_write());
    *out = GSS_C_NO_CREDENTIAL;
    if (time_rec != nullptr) *time_rec = 0;
    // MIT: the impersonated credential is for initiating only.
    if (usage != GSS_C_INITIATE) return report(minor, Status::failure(Minor::kCredUsageInvalid));
    Cred& imp = *as_cred(impersonator)->cred;
    if (!imp.can_initiate()) return report(minor, Status::no_cred(0));
    auto cred = imp.impersonate(*as_name(desired));
    if (!cred) return report(minor, cred.error());
    if (time_rec != nullptr) *time_rec = (*cred)->lifetime();
    *out = to_handle(new CredHandle{std::move(*cred)});
    return report(minor, Status::complete());
  });
}

APX_EXPORT OM_uint32 gss_inquire_cred_by_oid(OM_uint32* minor, const gss_cred_id_t handle,
                                             const gss_OID object, gss_buffer_set_t* data) {
  return guarded(minor, [&] {
    if (data == nullptr) return report(minor, Status::call_inaccessible_write());
    *data = GSS_C_NO_BUFFER_SET;
    if (handle == GSS_C_NO_CREDENTIAL) return report(minor, Status::no_cred(0));
    if (!apx::core::oid_equal(object, apx::core::kOidGetCredImpersonator))
      return report(minor, Status::unavailable(Minor::kOptionUnsupported));
    // MIT: an empty set (not none) when the credential impersonates no one.
    auto* set = static_cast<gss_buffer_set_t>(std::calloc(1, sizeof(gss_buffer_set_desc)));
    if (set == GSS_C_NO_BUFFER_SET) return report(minor, Status::no_memory());
    const auto& imp = as_cred(handle)->cred->impersonator();
    if (imp) {
      const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(imp->data()),
                                           imp->size());
      if (Status s = add_to_buffer_set(&set, bytes); !s.ok()) {
        std::free(set->elements);  // add_to_buffer_set left no element behind
        std::free(set);
        return report(minor, s);
      }
    }
    *data = set;
    return report(minor, Status::complete());
  });
}

APX_GSSI(acquire_cred_impersonate_name, gss_acquire_cred_impersonate_name)
APX_GSSI(inquire_cred_by_oid, gss_inquire_cred_by_oid)
