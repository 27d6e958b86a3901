// Exported name calls.
#include <gssapi/gssapi_ext.h>

#include "base/trace.h"
#include "core/mech_info.h"
#include "core/oids.h"
#include "spi/abi.h"

using apx::base::Minor;
using apx::base::Status;
using apx::core::Name;
using namespace apx::spi;

namespace {

OM_uint32 import_common(OM_uint32* minor, gss_const_OID mech, gss_buffer_t input,
                        gss_OID type, gss_name_t* out) {
  if (out == nullptr) return report(minor, Status::call_inaccessible_write());
  *out = GSS_C_NO_NAME;
  if (input == GSS_C_NO_BUFFER) return report(minor, Status::call_inaccessible_read());
  if (mech != GSS_C_NO_OID && apx::core::served_mech(mech) == nullptr)
    return report(minor, Status::bad_mech(Minor::kMechUnsupported));
  auto name = Name::import(bytes_of(input), type);
  if (!name) return report(minor, name.error());
  *out = to_handle(new Name(std::move(*name)));
  return report(minor, Status::complete());
}

}  // namespace

APX_EXPORT OM_uint32 gss_import_name(OM_uint32* minor, gss_buffer_t input, gss_OID type,
                                     gss_name_t* out) {
  return guarded(minor, [&] { return import_common(minor, GSS_C_NO_OID, input, type, out); });
}

APX_EXPORT OM_uint32 gssspi_import_name_by_mech(OM_uint32* minor, gss_const_OID mech,
                                                gss_buffer_t input, gss_OID type,
                                                gss_name_t* out) {
  return guarded(minor, [&] { return import_common(minor, mech, input, type, out); });
}

APX_EXPORT OM_uint32 gss_release_name(OM_uint32* minor, gss_name_t* name) {
  return guarded(minor, [&] {
    if (name == nullptr) return report(minor, Status::call_inaccessible_write());
    delete as_name(*name);
    *name = GSS_C_NO_NAME;
    return report(minor, Status::complete());
  });
}

APX_EXPORT OM_uint32 gss_display_name(OM_uint32* minor, gss_name_t name, gss_buffer_t out,
                                      gss_OID* out_type) {
  return guarded(minor, [&] {
    clear_buffer(out);
    if (out_type != nullptr) *out_type = GSS_C_NO_OID;
    if (name == GSS_C_NO_NAME) return report(minor, Status::bad_name(Minor::kNameNotMechName));
    if (out == GSS_C_NO_BUFFER) return report(minor, Status::call_inaccessible_write());
    const Name* n = as_name(name);
    if (Status s = set_buffer(out, n->display()); !s.ok()) return report(minor, s);
    if (out_type != nullptr) *out_type = n->display_type();
    return report(minor, Status::complete());
  });
}

APX_EXPORT OM_uint32 gss_compare_name(OM_uint32* minor, gss_name_t a, gss_name_t b, int* equal) {
  return guarded(minor, [&] {
    if (equal == nullptr) return report(minor, Status::call_inaccessible_write());
    *equal = 0;
    if (a == GSS_C_NO_NAME || b == GSS_C_NO_NAME)
      return report(minor, Status::bad_name(Minor::kNameNotMechName));
    *equal = as_name(a)->equals(*as_name(b)) ? 1 : 0;
    return report(minor, Status::complete());
  });
}

APX_EXPORT OM_uint32 gss_duplicate_name(OM_uint32* minor, const gss_name_t in, gss_name_t* out) {
  return guarded(minor, [&] {
    if (out == nullptr) return report(minor, Status::call_inaccessible_write());
    *out = GSS_C_NO_NAME;
    if (in == GSS_C_NO_NAME) return report(minor, Status::bad_name(Minor::kNameNotMechName));
    *out = to_handle(new Name(*as_name(in)));
    return report(minor, Status::complete());
  });
}

APX_EXPORT OM_uint32 gss_export_name(OM_uint32* minor, const gss_name_t name, gss_buffer_t out) {
  return guarded(minor, [&] {
    clear_buffer(out);
    if (out == GSS_C_NO_BUFFER) return report(minor, Status::call_inaccessible_write());
    if (name == GSS_C_NO_NAME || as_name(name)->any_host())
      return report(minor, Status(GSS_S_NAME_NOT_MN, apx::base::code(Minor::kNameNotMechName)));
    // sshd compares the OID in the exported name with krb5's: always write krb5's.
    const auto token = as_name(name)->export_token(apx::core::kMechKrb5);
    return report(minor, set_buffer(out, token));
  });
}

APX_EXPORT OM_uint32 gss_inquire_names_for_mech(OM_uint32* minor, gss_OID mech,
                                                gss_OID_set* out) {
  return guarded(minor, [&] {
    if (out == nullptr) return report(minor, Status::call_inaccessible_write());
    *out = GSS_C_NO_OID_SET;
    if (apx::core::served_mech(mech) == nullptr)
      return report(minor, Status::bad_mech(Minor::kMechUnsupported));
    // `apx status` proves with this line that the mechglue routes a mechanism's calls to
    // apx (gss_inquire_saslname_for_mech would not: the mechglue sends it to the
    // built-in mechanism even where apx interposes, g_saslname.c).
    apx::base::trace("inquire_names_for_mech: served by apx");
    const auto types = apx::core::name_types();
    return report(minor, make_oid_set(types, out));
  });
}

APX_EXPORT OM_uint32 gss_localname(OM_uint32* minor, const gss_name_t name,
                                   gss_const_OID mech, gss_buffer_t out) {
  return guarded(minor, [&] {
    (void)mech;
    clear_buffer(out);
    if (name == GSS_C_NO_NAME) return report(minor, Status::bad_name(Minor::kNameNotMechName));
    auto k5 = apx::k5::Context::create();
    if (!k5) return report(minor, k5.error());
    auto p = as_name(name)->principal(*k5);
    if (!p) return report(minor, p.error());
    char buf[1024];
    // krb5.conf's auth_to_local rules map the principal to a local account.
    const krb5_error_code code =
        krb5_aname_to_localname(k5->get(), p->get(), sizeof buf - 1, buf);
    if (code != 0)
      return report(minor, k5->error(GSS_S_FAILURE, code,
                                     "No local account for " + as_name(name)->display() +
                                         " (check auth_to_local in krb5.conf)"));
    return report(minor, set_buffer(out, std::string_view(buf)));
  });
}
APX_GSSI(import_name, gss_import_name)
APX_GSSI(import_name_by_mech, gssspi_import_name_by_mech)
APX_GSSI(release_name, gss_release_name)
APX_GSSI(display_name, gss_display_name)
APX_GSSI(compare_name, gss_compare_name)
APX_GSSI(duplicate_name, gss_duplicate_name)
APX_GSSI(export_name, gss_export_name)
APX_GSSI(inquire_names_for_mech, gss_inquire_names_for_mech)
APX_GSSI(localname, gss_localname)
