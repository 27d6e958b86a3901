#include "core/context.h"

#include "base/trace.h"
#include "core/oids.h"

namespace apx::core {

OM_uint32 Context::flags() const {
  // As MIT 1.20 reports them: TRANS always; PROT_READY only from an established acceptor
  // that answered with an AP-REP (MIT's initiator never reports it, nor a DCE-style
  // acceptor, so that the acceptor subkey is used).
  // IAKERB until established (MIT's iakerb_gss_inquire_context): nothing while KDC
  // messages are relayed, then the krb5 flags without TRANS (a partial IAKERB context
  // cannot be exported).
  if (mech_ == &kMechIakerb && state_ != State::kEstablished)
    return state_ == State::kStart || state_ == State::kIakerb ? 0 : flags_;
  OM_uint32 f = flags_ | GSS_C_TRANS_FLAG;
  if (state_ == State::kEstablished && role_ == Role::kAcceptor && (flags_ & GSS_C_MUTUAL_FLAG) &&
      !(flags_ & GSS_C_DCE_STYLE))
    f |= GSS_C_PROT_READY_FLAG;
  return f;
}

OM_uint32 Context::lifetime() const {
  krb5_timestamp now = 0;
  (void)krb5_timeofday(k5_.get(), &now);
  // MIT: the acceptor grants the allowed clock skew as a grace period after the ticket's
  // end, as krb5_rd_req does for the ticket itself.
  const int64_t grace = role_ == Role::kAcceptor ? clockskew_ : 0;
  const int64_t left = static_cast<int64_t>(static_cast<uint32_t>(endtime_)) + grace -
                       static_cast<int64_t>(static_cast<uint32_t>(now));
  return left > 0 ? static_cast<OM_uint32>(left) : 0;
}


void Context::start_protection() {
  const auto bytes = [](const krb5_keyblock* k) {
    return k ? std::span<const uint8_t>(k->contents, k->length) : std::span<const uint8_t>();
  };
  ProtectionKeys keys;
  keys.context_key = bytes(ctx_key_.get());
  keys.context_enctype = ctx_key_ ? ctx_key_->enctype : 0;
  keys.acceptor_subkey = bytes(acceptor_subkey_.get());
  keys.acceptor_enctype = acceptor_subkey_ ? acceptor_subkey_->enctype : 0;
  keys.mech_oid = oid_bytes(*mech_);
  protection_ = std::make_unique<Protection>(role_ == Role::kInitiator, flags_, keys, send_seq_,
                                             recv_seq_);
}

base::Status Context::usable() const {
  if (state_ != State::kEstablished || !protection_)
    return base::Status::no_context(base::Minor::kCtxIncomplete);
  if (lifetime() == 0) return base::Status(GSS_S_CONTEXT_EXPIRED, base::code(base::Minor::kContextExpired));
  return base::Status::complete();
}

const krb5_keyblock* Context::session_key() const { return session_key_.get(); }

}  // namespace apx::core
