#include "core/context.h"

namespace apx::core {

OM_uint32 Context::flags() const {
  // As MIT 1.20 reports them: TRANS always; PROT_READY only from an established acceptor
  // that answered with an AP-REP (MIT's initiator never reports it).
  OM_uint32 f = flags_ | GSS_C_TRANS_FLAG;
  if (state_ == State::kEstablished && role_ == Role::kAcceptor && (flags_ & GSS_C_MUTUAL_FLAG))
    f |= GSS_C_PROT_READY_FLAG;
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
