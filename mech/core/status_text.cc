#include <krb5/krb5.h>

#include "base/minor.h"
#include "base/status.h"
#include "core/mech_info.h"

namespace apx::core {

std::string minor_status_text(OM_uint32 minor, uint32_t part, bool* more) {
  if (more != nullptr) *more = false;
  if (minor == 0) return "Success";
  const std::string detail = base::detail_for(minor);
  if (!detail.empty()) {
    size_t begin = 0;
    for (uint32_t i = 0; i < part; ++i) {
      const size_t brk = detail.find(base::kDetailPartBreak, begin);
      if (brk == std::string::npos) return {};
      begin = brk + 1;
    }
    const size_t end = detail.find(base::kDetailPartBreak, begin);
    if (more != nullptr) *more = end != std::string::npos;
    return detail.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  }
  if (const char* t = base::minor_text(minor)) return t;
  const char* m = krb5_get_error_message(nullptr, static_cast<krb5_error_code>(minor));
  std::string out = m ? m : "Unknown error";
  krb5_free_error_message(nullptr, m);
  return out;
}

std::string major_status_text(OM_uint32 major) {
  // RFC 2744 §3.9.1 routine errors, in code order.
  static const char* const kRoutine[] = {
      "The routine completed successfully",
      "An unsupported mechanism was requested",
      "An invalid name was supplied",
      "A supplied name was of an unsupported type",
      "Incorrect channel bindings were supplied",
      "An invalid status code was supplied",
      "A token had an invalid Message Integrity Check (MIC)",
      "No credentials were supplied, or the credentials were unavailable or inaccessible",
      "No context has been established",
      "A token was invalid",
      "A credential was invalid",
      "The referenced credentials have expired",
      "The context has expired",
      "Unspecified GSS failure.  Minor code may provide more information",
      "The quality-of-protection requested could not be provided",
      "The operation is forbidden by local security policy",
      "The operation or option is not available",
      "The requested credential element already exists",
      "The provided name was not a mechanism name"};
  const OM_uint32 routine = GSS_ROUTINE_ERROR(major) >> GSS_C_ROUTINE_ERROR_OFFSET;
  if (routine != 0 || major == 0) {
    if (routine < std::size(kRoutine)) return kRoutine[routine];
    return "Unknown routine error";
  }
  if (GSS_CALLING_ERROR(major)) return "A parameter could not be read or written";
  if (major & GSS_S_CONTINUE_NEEDED) return "The routine must be called again to complete";
  if (major & GSS_S_DUPLICATE_TOKEN) return "The token was a duplicate of an earlier token";
  if (major & GSS_S_OLD_TOKEN) return "The token's validity period has expired";
  if (major & GSS_S_UNSEQ_TOKEN) return "A later token has already been processed";
  if (major & GSS_S_GAP_TOKEN) return "An expected per-message token was not received";
  return "Unknown status";
}

}  // namespace apx::core
