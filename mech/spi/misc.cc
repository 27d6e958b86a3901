// Exported calls about the mechanism itself: status texts, attributes, OIDs, and the
// interposer entry point.
#include <gssapi/gssapi_ext.h>

#include <cstring>

#include "base/trace.h"
#include "core/mech_info.h"
#include "core/oids.h"
#include "spi/abi.h"

using apx::base::Minor;
using apx::base::Status;
using namespace apx::spi;

APX_EXPORT OM_uint32 gss_display_status(OM_uint32* minor, OM_uint32 status, int type,
                                        gss_OID mech, OM_uint32* message_context,
                                        gss_buffer_t out) {
  (void)mech;
  return guarded(minor, [&] {
    clear_buffer(out);
    const uint32_t part = message_context != nullptr ? *message_context : 0;
    if (message_context != nullptr) *message_context = 0;
    std::string text;
    if (type == GSS_C_MECH_CODE) {
      bool more = false;
      text = apx::core::minor_status_text(status, part, &more);
      if (more && message_context != nullptr) *message_context = part + 1;
    } else if (type == GSS_C_GSS_CODE)
      text = apx::core::major_status_text(status);
    else
      return report(minor, Status(GSS_S_BAD_STATUS, 0));
    return report(minor, set_buffer(out, std::string_view(text)));
  });
}

APX_EXPORT OM_uint32 gss_indicate_mechs(OM_uint32* minor, gss_OID_set* out) {
  return guarded(minor, [&] {
    if (out == nullptr) return report(minor, Status::call_inaccessible_write());
    const gss_OID_desc* one[] = {&apx::core::kMechApx};
    return report(minor, make_oid_set(one, out));
  });
}

APX_EXPORT OM_uint32 gss_internal_release_oid(OM_uint32* minor, gss_OID* oid) {
  // The mechglue asks each mechanism whether an OID it is about to free is one of the
  // mechanism's static ones: say so (and clear it) for ours, "not mine" otherwise.
  if (minor != nullptr) *minor = 0;
  if (oid == nullptr || *oid == GSS_C_NO_OID) return GSS_S_CONTINUE_NEEDED;
  if (apx::core::is_static_oid(*oid)) {
    *oid = GSS_C_NO_OID;
    return GSS_S_COMPLETE;
  }
  return GSS_S_CONTINUE_NEEDED;
}

// gssapi.h declares this outside its extern "C" block: define it under its C name.
APX_EXPORT OM_uint32 apx_inquire_attrs_for_mech(OM_uint32* minor, gss_const_OID mech,
                                                gss_OID_set* attrs, gss_OID_set* known)
    __asm__("gss_inquire_attrs_for_mech");
OM_uint32 apx_inquire_attrs_for_mech(OM_uint32* minor, gss_const_OID mech,
                                                gss_OID_set* attrs, gss_OID_set* known) {
  return guarded(minor, [&] {
    if (attrs != nullptr) *attrs = GSS_C_NO_OID_SET;
    if (known != nullptr) *known = GSS_C_NO_OID_SET;  // the mechglue fills in the list
    const gss_OID_desc* m = apx::core::served_mech(mech);
    if (m == nullptr) return report(minor, Status::bad_mech(Minor::kMechUnsupported));
    if (attrs == nullptr) return report(minor, Status::complete());
    return report(minor, make_oid_set(apx::core::mech_attrs(*m), attrs));
  });
}

// gssapi.h declares this outside its extern "C" block: define it under its C name.
APX_EXPORT OM_uint32 apx_inquire_saslname_for_mech(OM_uint32* minor, const gss_OID mech,
                                                   gss_buffer_t sasl_name,
                                                   gss_buffer_t mech_name,
                                                   gss_buffer_t mech_description)
    __asm__("gss_inquire_saslname_for_mech");
OM_uint32 apx_inquire_saslname_for_mech(OM_uint32* minor, const gss_OID mech,
                                                   gss_buffer_t sasl_name,
                                                   gss_buffer_t mech_name,
                                                   gss_buffer_t mech_description) {
  return guarded(minor, [&] {
    clear_buffer(sasl_name);
    clear_buffer(mech_name);
    clear_buffer(mech_description);
    if (apx::core::served_mech(mech) == nullptr)
      return report(minor, Status::bad_mech(Minor::kMechUnsupported));
    // RFC 5801 §10: the GS2 name of Kerberos V5 is GS2-KRB5.
    for (auto [buf, text] : {std::pair{sasl_name, "GS2-KRB5"}, std::pair{mech_name, "krb5"},
                             std::pair{mech_description, "Kerberos 5 GSS-API mechanism (apx)"}}) {
      if (Status s = set_buffer(buf, std::string_view(text)); !s.ok()) return report(minor, s);
    }
    return report(minor, Status::complete());
  });
}

// gssapi.h declares this outside its extern "C" block: define it under its C name.
APX_EXPORT OM_uint32 apx_inquire_mech_for_saslname(OM_uint32* minor, const gss_buffer_t sasl_name,
                                                   gss_OID* mech)
    __asm__("gss_inquire_mech_for_saslname");
OM_uint32 apx_inquire_mech_for_saslname(OM_uint32* minor, const gss_buffer_t sasl_name,
                                                   gss_OID* mech) {
  return guarded(minor, [&] {
    if (mech != nullptr) *mech = GSS_C_NO_OID;
    const auto name = bytes_of(sasl_name);
    if (std::string_view(reinterpret_cast<const char*>(name.data()), name.size()) != "GS2-KRB5")
      return report(minor, Status::bad_mech(Minor::kMechUnsupported));
    if (mech != nullptr) *mech = const_cast<gss_OID>(&apx::core::kMechKrb5);
    return report(minor, Status::complete());
  });
}

// The interposer entry point: the mechglue calls it with the OID of our mech.conf line and
// routes every OID we return to the gssi_* functions.
APX_EXPORT gss_OID_set gss_mech_interposer(gss_OID mech_type) {
  try {
    if (!apx::core::oid_equal(mech_type, apx::core::kInterposer)) return GSS_C_NO_OID_SET;
    const gss_OID_desc* taken[] = {&apx::core::kMechKrb5, &apx::core::kMechKrb5Ms,
                                   &apx::core::kMechKrb5Old, &apx::core::kMechIakerb};
    gss_OID_set out = GSS_C_NO_OID_SET;
    if (!make_oid_set(taken, &out).ok()) return GSS_C_NO_OID_SET;
    apx::base::trace("interposer: serving krb5, krb5 (Microsoft), old krb5 and IAKERB OIDs");
    return out;
  } catch (...) {
    return GSS_C_NO_OID_SET;
  }
}
APX_GSSI(display_status, gss_display_status)
APX_GSSI(indicate_mechs, gss_indicate_mechs)
APX_GSSI(internal_release_oid, gss_internal_release_oid)
APX_GSSI_ASM(inquire_attrs_for_mech, apx_inquire_attrs_for_mech, "gss_inquire_attrs_for_mech")
APX_GSSI_ASM(inquire_saslname_for_mech, apx_inquire_saslname_for_mech, "gss_inquire_saslname_for_mech")
APX_GSSI_ASM(inquire_mech_for_saslname, apx_inquire_mech_for_saslname, "gss_inquire_mech_for_saslname")
