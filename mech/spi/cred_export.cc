// gss_export_cred / gss_import_cred (RFC 5588's companions in MIT's gssapi_ext.h). The
// mechglue wraps each mechanism's token with its public OID (g_export_cred.c) and hands
// the token back to the mechanism that serves that OID (g_imp_cred.c): in interposer mode
// apx exports and imports the krb5 mechanism's "K5C1" tokens, readable by MIT's own.
#include <gssapi/gssapi_ext.h>

#include "core/cred_export.h"
#include "core/oids.h"
#include "spi/abi.h"

using apx::base::Minor;
using apx::base::Status;
using namespace apx::spi;

namespace {

OM_uint32 import_cred(OM_uint32* minor, gss_const_OID mech, gss_buffer_t token,
                      gss_cred_id_t* out) {
  if (out == nullptr) return report(minor, Status::call_inaccessible_write());
  *out = GSS_C_NO_CREDENTIAL;
  if (token == GSS_C_NO_BUFFER || token->value == nullptr || token->length == 0)
    return report(minor, Status::defective_token(Minor::kTokenEmpty));
  if (mech != GSS_C_NO_OID && apx::core::served_mech(mech) == nullptr)
    return report(minor, Status::bad_mech(Minor::kMechUnsupported));
  auto cred = apx::core::import_cred(bytes_of(token));
  if (!cred) return report(minor, cred.error());
  *out = to_handle(new CredHandle{std::move(*cred)});
  return report(minor, Status::complete());
}

}  // namespace

APX_EXPORT OM_uint32 gss_export_cred(OM_uint32* minor, gss_cred_id_t handle, gss_buffer_t token) {
  return guarded(minor, [&] {
    if (token == GSS_C_NO_BUFFER) return report(minor, Status::call_inaccessible_write());
    clear_buffer(token);
    if (handle == GSS_C_NO_CREDENTIAL) return report(minor, Status::no_cred(0));
    auto bytes = apx::core::export_cred(*as_cred(handle)->cred);
    if (!bytes) return report(minor, bytes.error());
    return report(minor, set_buffer(token, bytes->span()));
  });
}

APX_EXPORT OM_uint32 gss_import_cred(OM_uint32* minor, gss_buffer_t token, gss_cred_id_t* out) {
  return guarded(minor, [&] { return import_cred(minor, GSS_C_NO_OID, token, out); });
}

APX_EXPORT OM_uint32 gssspi_import_cred_by_mech(OM_uint32* minor, gss_OID mech,
                                                gss_buffer_t token, gss_cred_id_t* out) {
  return guarded(minor, [&] { return import_cred(minor, mech, token, out); });
}

APX_GSSI(export_cred, gss_export_cred)
APX_GSSI(import_cred, gss_import_cred)
APX_GSSI(import_cred_by_mech, gssspi_import_cred_by_mech)
