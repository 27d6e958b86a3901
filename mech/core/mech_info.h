// What apx tells about itself: mechanism attributes (RFC 5587), name types, SASL names,
// and status texts.
#pragma once

#include <gssapi/gssapi.h>

#include <string>
#include <vector>

namespace apx::core {

// RFC 5587 attributes of `mech`, as MIT's krb5 mechanism reports them: the Microsoft and
// old krb5 OIDs are marked deprecated and not-default, so SPNEGO does not offer them.
[[nodiscard]] std::vector<const gss_OID_desc*> mech_attrs(const gss_OID_desc& mech);
[[nodiscard]] std::vector<const gss_OID_desc*> name_types();

// gss_display_status text of a minor code: the explanation saved where it failed, apx's
// own text, or libkrb5's message. An explanation in parts is returned a part per call:
// `part` selects one, and `more` says whether another follows.
[[nodiscard]] std::string minor_status_text(OM_uint32 minor, uint32_t part = 0,
                                            bool* more = nullptr);
// gss_display_status text of one major code's routine or calling error, or supplementary
// bit (RFC 2744 §3.9.1).
[[nodiscard]] std::string major_status_text(OM_uint32 major);

}  // namespace apx::core
