// RFC 6680 naming extensions: a name's attributes, its composite export, and the mapping
// to libkrb5's own objects. Each call reads or changes the name's authdata context as
// MIT's mechanism does (naming_exts.c), so names, values, flags and errors match MIT's.
#include <gssapi/gssapi_ext.h>

#include <string>

#include "core/oids.h"
#include "spi/abi.h"

using apx::base::Minor;
using apx::base::Status;
using apx::core::Name;
using namespace apx::spi;

namespace {

// MIT's kg_map_name_error: an unknown attribute (ENOENT) or one a module refuses to
// change (EPERM) is GSS_S_UNAVAILABLE; anything else is a failure. The minor code is
// libkrb5's code either way.
Status name_error(const apx::k5::Context& k5, krb5_error_code code, const std::string& what) {
  if (code == 0) return Status::complete();
  const OM_uint32 major = (code == ENOENT || code == EPERM) ? GSS_S_UNAVAILABLE : GSS_S_FAILURE;
  return k5.error(major, code, what);
}

std::string text_of(gss_buffer_t b) {
  const auto bytes = bytes_of(b);
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Runs `body` with the name and a libkrb5 context made for this call, as MIT does.
template <class F>
OM_uint32 with_name(OM_uint32* minor, gss_name_t name, F&& body) {
  return guarded(minor, [&] {
    if (name == GSS_C_NO_NAME) return report(minor, Status::bad_name(Minor::kNameNotMechName));
    auto k5 = apx::k5::Context::create();
    if (!k5) return report(minor, k5.error());
    return report(minor, body(*as_name(name), *k5));
  });
}

}  // namespace

APX_EXPORT OM_uint32 gss_inquire_name(OM_uint32* minor, gss_name_t name, int* name_is_MN,
                                      gss_OID* MN_mech, gss_buffer_set_t* attrs) {
  // The mechglue answers name_is_MN and MN_mech itself and passes NULL for both.
  if (name_is_MN != nullptr) *name_is_MN = 1;
  if (MN_mech != nullptr) *MN_mech = GSS_C_NO_OID;
  if (attrs != nullptr) *attrs = GSS_C_NO_BUFFER_SET;
  return with_name(minor, name, [&](Name& n, const apx::k5::Context& k5) {
    std::vector<std::string> types;
    APX_TRY(name_error(k5, n.attributes().types(k5, types), "Cannot list the name's attributes"));
    if (attrs == nullptr) return Status::complete();
    for (const std::string& t : types) {
      Status s = add_to_buffer_set(attrs, std::string_view(t));
      if (!s.ok()) {
        free_buffer_set(attrs);
        return s;
      }
    }
    return Status::complete();
  });
}

APX_EXPORT OM_uint32 gss_get_name_attribute(OM_uint32* minor, gss_name_t name, gss_buffer_t attr,
                                            int* authenticated, int* complete,
                                            gss_buffer_t value, gss_buffer_t display_value,
                                            int* more) {
  if (authenticated != nullptr) *authenticated = 0;
  if (complete != nullptr) *complete = 0;
  clear_buffer(value);
  clear_buffer(display_value);
  return with_name(minor, name, [&](Name& n, const apx::k5::Context& k5) {
    if (attr == GSS_C_NO_BUFFER) return Status::call_inaccessible_read();
    // RFC 6680 §7.5: *more is -1 on the first call and carries the position after it.
    int first = -1;
    int* pos = more != nullptr ? more : &first;
    apx::k5::AttributeValue v;
    APX_TRY(name_error(k5, n.attributes().get(k5, bytes_of(attr), pos, v),
                       "No value of attribute '" + text_of(attr) + "'"));
    if (value != GSS_C_NO_BUFFER) APX_TRY(set_buffer(value, std::span<const uint8_t>(v.value)));
    if (authenticated != nullptr) *authenticated = v.authenticated ? 1 : 0;
    if (complete != nullptr) *complete = v.complete ? 1 : 0;
    if (display_value != GSS_C_NO_BUFFER) {
      Status s = set_buffer(display_value, std::span<const uint8_t>(v.display));
      if (!s.ok()) {
        free_buffer(value);
        return s;
      }
    }
    return Status::complete();
  });
}

APX_EXPORT OM_uint32 gss_set_name_attribute(OM_uint32* minor, gss_name_t name, int complete,
                                            gss_buffer_t attr, gss_buffer_t value) {
  return with_name(minor, name, [&](Name& n, const apx::k5::Context& k5) {
    if (attr == GSS_C_NO_BUFFER || value == GSS_C_NO_BUFFER)
      return Status::call_inaccessible_read();
    return name_error(k5, n.attributes().set(k5, complete != 0, bytes_of(attr), bytes_of(value)),
                      "Cannot set attribute '" + text_of(attr) + "'");
  });
}

APX_EXPORT OM_uint32 gss_delete_name_attribute(OM_uint32* minor, gss_name_t name,
                                               gss_buffer_t attr) {
  return with_name(minor, name, [&](Name& n, const apx::k5::Context& k5) {
    if (attr == GSS_C_NO_BUFFER) return Status::call_inaccessible_read();
    return name_error(k5, n.attributes().erase(k5, bytes_of(attr)),
                      "Cannot delete attribute '" + text_of(attr) + "'");
  });
}

APX_EXPORT OM_uint32 gss_export_name_composite(OM_uint32* minor, gss_name_t name,
                                               gss_buffer_t out) {
  clear_buffer(out);
  return with_name(minor, name, [&](Name& n, const apx::k5::Context& k5) {
    if (out == GSS_C_NO_BUFFER) return Status::call_inaccessible_write();
    if (n.any_host()) return Status(GSS_S_NAME_NOT_MN, apx::base::code(Minor::kNameNotMechName));
    // As gss_export_name: the krb5 OID, which MIT's mechanism requires on import.
    APX_TRY_ASSIGN(const std::vector<uint8_t> token,
                   n.export_composite(k5, apx::core::kMechKrb5));
    return set_buffer(out, std::span<const uint8_t>(token));
  });
}

// type_id names a libkrb5 authdata module: "mspac" hands back a krb5_pac (a copy the
// caller releases with gss_release_any_name_mapping), as in MIT.
APX_EXPORT OM_uint32 gss_map_name_to_any(OM_uint32* minor, gss_name_t name, int authenticated,
                                         gss_buffer_t type_id, gss_any_t* output) {
  if (output != nullptr) *output = nullptr;
  return with_name(minor, name, [&](Name& n, const apx::k5::Context& k5) {
    if (output == nullptr) return Status::call_inaccessible_write();
    if (type_id == GSS_C_NO_BUFFER) return Status::call_inaccessible_read();
    const std::string module = text_of(type_id);
    if (module.find('\0') != std::string::npos) return Status::unavailable(Minor::kOptionUnsupported);
    void* obj = nullptr;
    APX_TRY(name_error(k5, n.attributes().export_internal(k5, authenticated != 0,
                                                          module.c_str(), &obj),
                       "No '" + module + "' mapping of the name"));
    *output = static_cast<gss_any_t>(obj);
    return Status::complete();
  });
}

APX_EXPORT OM_uint32 gss_release_any_name_mapping(OM_uint32* minor, gss_name_t name,
                                                  gss_buffer_t type_id, gss_any_t* input) {
  return with_name(minor, name, [&](Name& n, const apx::k5::Context& k5) {
    if (type_id == GSS_C_NO_BUFFER || input == nullptr) return Status::call_inaccessible_read();
    const std::string module = text_of(type_id);
    if (module.find('\0') != std::string::npos) return Status::unavailable(Minor::kOptionUnsupported);
    APX_TRY(name_error(k5, n.attributes().free_internal(k5, module.c_str(), *input),
                       "Cannot release the '" + module + "' mapping"));
    *input = nullptr;
    return Status::complete();
  });
}

APX_GSSI(inquire_name, gss_inquire_name)
APX_GSSI(get_name_attribute, gss_get_name_attribute)
APX_GSSI(set_name_attribute, gss_set_name_attribute)
APX_GSSI(delete_name_attribute, gss_delete_name_attribute)
APX_GSSI(export_name_composite, gss_export_name_composite)
APX_GSSI(map_name_to_any, gss_map_name_to_any)
APX_GSSI(release_any_name_mapping, gss_release_any_name_mapping)
