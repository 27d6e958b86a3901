#include "core/context.h"

namespace apx::core {

OM_uint32 Context::flags() const {
  // MIT reports TRANS (contexts can be exported) always and PROT_READY once per-message
  // calls may be made.
  OM_uint32 f = flags_ | GSS_C_TRANS_FLAG;
  if (state_ == State::kEstablished) f |= GSS_C_PROT_READY_FLAG;
  return f;
}

OM_uint32 Context::lifetime() const {
  krb5_timestamp now = 0;
  (void)krb5_timeofday(k5_.get(), &now);
  const int64_t left = static_cast<int64_t>(static_cast<uint32_t>(endtime_)) -
                       static_cast<int64_t>(static_cast<uint32_t>(now));
  return left > 0 ? static_cast<OM_uint32>(left) : 0;
}

}  // namespace apx::core
