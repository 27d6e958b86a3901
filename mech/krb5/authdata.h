// libkrb5's authorization-data context: the attributes of a name (RFC 6680) as MIT's own
// mechanism computes them.
//
// krb5_rd_req leaves in the auth context a krb5_authdata_context that libkrb5's built-in
// authdata modules filled and verified: "mspac" (the MS-PAC, urn:mspac:*, authenticated only
// when its server signature verifies with the key that decrypted the ticket), "authind"
// (auth-indicators from a CAMMAC verified with the service key) and "s4u2proxy". Using it
// gives apx MIT's attribute names, values, flags and export format exactly. The calls are
// exported by libkrb5.so.3 (symbol version krb5_3_MIT) but declared only in MIT's private
// k5-int.h; no public call reads a ticket's attributes, so apx declares them below.
#pragma once

#include <krb5/krb5.h>

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "krb5/k5.h"

extern "C" {
typedef struct _krb5_authdata_context* krb5_authdata_context;
krb5_error_code krb5_authdata_context_init(krb5_context, krb5_authdata_context*);
void krb5_authdata_context_free(krb5_context, krb5_authdata_context);
krb5_error_code krb5_authdata_context_copy(krb5_context, krb5_authdata_context,
                                           krb5_authdata_context*);
krb5_error_code krb5_authdata_get_attribute_types(krb5_context, krb5_authdata_context,
                                                  krb5_data** attrs);
krb5_error_code krb5_authdata_get_attribute(krb5_context, krb5_authdata_context,
                                            const krb5_data* attribute,
                                            krb5_boolean* authenticated,
                                            krb5_boolean* complete, krb5_data* value,
                                            krb5_data* display_value, int* more);
krb5_error_code krb5_authdata_set_attribute(krb5_context, krb5_authdata_context,
                                            krb5_boolean complete,
                                            const krb5_data* attribute,
                                            const krb5_data* value);
krb5_error_code krb5_authdata_delete_attribute(krb5_context, krb5_authdata_context,
                                               const krb5_data* attribute);
krb5_error_code krb5_authdata_import_attributes(krb5_context, krb5_authdata_context,
                                                krb5_flags usage,
                                                const krb5_data* attributes);
krb5_error_code krb5_authdata_export_attributes(krb5_context, krb5_authdata_context,
                                                krb5_flags usage, krb5_data** attributes);
krb5_error_code krb5_authdata_export_internal(krb5_context, krb5_authdata_context,
                                              krb5_boolean restrict_authenticated,
                                              const char* module, void** ptr);
krb5_error_code krb5_authdata_free_internal(krb5_context, krb5_authdata_context,
                                            const char* module, void* ptr);
krb5_error_code krb5_auth_con_get_authdata_context(krb5_context, krb5_auth_context,
                                                   krb5_authdata_context*);
krb5_error_code krb5_auth_con_set_authdata_context(krb5_context, krb5_auth_context,
                                                   krb5_authdata_context);
void krb5int_free_data_list(krb5_context, krb5_data*);
}

namespace apx::k5 {

// MIT's authdata_plugin.h AD_USAGE_MASK: every usage (AS, TGS, AP, KDC-issued).
inline constexpr krb5_flags kAdUsageMask = 0x2F;

// One attribute's value as krb5_authdata_get_attribute returns it (RFC 6680 §7.5).
struct AttributeValue {
  bool authenticated = false;
  bool complete = false;
  std::vector<uint8_t> value;
  std::vector<uint8_t> display;
};

// The attributes of one name. Copies are deep (gss_duplicate_name gives an independent
// name, as in MIT). Each call takes the holder's lock, as MIT's mechanism locks its name:
// an application may read one name from several threads. libkrb5's context for an
// attribute call is made per call, as MIT does; the authdata context owns its plugin
// handles itself.
class Authdata {
 public:
  // An empty set (names imported without attributes get one on first use, as in MIT).
  Authdata() = default;
  // Takes the context krb5_rd_req left in `ac` (the auth context no longer holds it).
  static base::Result<Authdata> take_from(const Context& k5, krb5_auth_context ac);
  // A composite name's attribute blob (krb5_authdata_export_attributes output).
  static base::Result<Authdata> import(const Context& k5, std::span<const uint8_t> blob);

  Authdata(const Authdata& other);
  Authdata& operator=(const Authdata& other);
  Authdata(Authdata&& other) noexcept;
  Authdata& operator=(Authdata&& other) noexcept;
  ~Authdata();

  [[nodiscard]] bool empty() const { return ad_ == nullptr; }

  // libkrb5 error codes: ENOENT for an unknown attribute or no more values.
  [[nodiscard]] krb5_error_code types(const Context& k5, std::vector<std::string>& out);
  [[nodiscard]] krb5_error_code get(const Context& k5, std::span<const uint8_t> attr,
                                    int* more, AttributeValue& out);
  [[nodiscard]] krb5_error_code set(const Context& k5, bool complete,
                                    std::span<const uint8_t> attr,
                                    std::span<const uint8_t> value);
  [[nodiscard]] krb5_error_code erase(const Context& k5, std::span<const uint8_t> attr);
  // The blob a composite exported name carries (empty when there is no context).
  [[nodiscard]] krb5_error_code export_blob(const Context& k5, std::vector<uint8_t>& out);
  // gss_map_name_to_any: the module's own object (a krb5_pac for "mspac").
  [[nodiscard]] krb5_error_code export_internal(const Context& k5, bool authenticated,
                                                const char* module, void** out);
  [[nodiscard]] krb5_error_code free_internal(const Context& k5, const char* module,
                                              void* ptr);

 private:
  explicit Authdata(krb5_authdata_context ad) : ad_(ad) {}
  krb5_error_code ensure(const Context& k5);  // caller holds the lock

  krb5_authdata_context ad_ = nullptr;
  std::unique_ptr<std::mutex> lock_ = std::make_unique<std::mutex>();
};

}  // namespace apx::k5
