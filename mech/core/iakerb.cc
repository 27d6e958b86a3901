// IAKERB (draft-ietf-kitten-iakerb; OID 1.3.6.1.5.2.5), as MIT 1.20's iakerb.c does it: an
// initiator that cannot reach a KDC sends its AS and TGS requests inside context tokens;
// the acceptor relays each to the realm's KDC and returns the reply. The initiator then
// sends an ordinary AP-REQ, framed with the IAKERB OID, whose authenticator checksum
// carries IAKERB-FINISHED: a checksum, keyed with the initiator's subkey, over every IAKERB
// token of the exchange, which the acceptor verifies against the tokens it relayed.
//
// libkrb5 does the Kerberos part: krb5_init_creds_step and krb5_tkt_creds_step make each
// request and read each reply on the initiator, krb5_sendto_kdc reaches the KDC on the
// acceptor.
#include <cerrno>

#include "base/trace.h"
#include "core/context.h"
#include "core/oids.h"
#include "token/iakerb.h"

// Exported by libkrb5 (symbol version krb5_3_MIT) for MIT's own IAKERB acceptor, declared
// only in its private k5-int.h.
extern "C" krb5_error_code krb5_sendto_kdc(krb5_context, const krb5_data*, const krb5_data*,
                                           krb5_data*, int*, int);

namespace apx::core {

using base::Minor;
using base::Result;
using base::Status;

namespace {

// MIT's IAKERB_MAX_HOPS: the AS loop's 16 round trips plus KRB5_REFERRAL_MAXHOPS.
constexpr unsigned kMaxHops = 16 + 10;
// RFC 4120 §7.5.9 KRB_ERR_RESPONSE_TOO_BIG; the draft's KDC-unreachable codes (MIT's
// KRB_AP_ERR_IAKERB_KDC_NOT_FOUND / _NO_RESPONSE).
constexpr krb5_ui_4 kErrResponseTooBig = 52;
constexpr krb5_ui_4 kErrIakerbKdcNotFound = 85;
constexpr krb5_ui_4 kErrIakerbKdcNoResponse = 86;

krb5_data as_data(std::span<const uint8_t> b) {
  return krb5_data{KV5M_DATA, static_cast<unsigned int>(b.size()),
                   const_cast<char*>(reinterpret_cast<const char*>(b.data()))};
}

void append(std::vector<uint8_t>& to, std::span<const uint8_t> b) {
  to.insert(to.end(), b.begin(), b.end());
}

}  // namespace

// MIT's iakerb_get_initial_state: a service ticket already in the cache goes straight to
// the AP exchange; valid tickets to a TGS request; none (or time to refresh) to an AS
// request with the credential's password or client keytab.
Status Context::iakerb_first_phase() {
  krb5_context c = k5_.get();
  if (!cred_->has_current_tgt()) {
    iakerb_phase_ = IakerbPhase::kAs;
    return Status::complete();
  }
  APX_TRY_ASSIGN(k5::PrincipalPtr server, target_->principal(k5_));
  krb5_creds in{};
  in.client = const_cast<krb5_principal>(cred_->client());
  in.server = server.get();
  in.times.endtime = requested_endtime();
  krb5_creds* found = nullptr;
  krb5_error_code code = 0;
  {
    auto lock = cred_->lock();
    code = krb5_get_credentials(c, KRB5_GC_CACHED, cred_->ccache(), &in, &found);
  }
  if (code == 0) {
    iakerb_ticket_ = k5_.own<krb5_creds, krb5_free_creds>(found);
    iakerb_phase_ = IakerbPhase::kApReq;
  } else if (code == KRB5_CC_NOTFOUND || code == KRB5_CC_NOT_KTYPE) {
    krb5_clear_error_message(c);
    iakerb_phase_ = IakerbPhase::kTgs;
  } else {
    return k5_.error(GSS_S_FAILURE, code, "Cannot read the credential cache for IAKERB");
  }
  return Status::complete();
}

Status Context::iakerb_as_step(std::span<const uint8_t> in, k5::Data& out, k5::Data& realm,
                               bool& more) {
  krb5_context c = k5_.get();
  krb5_error_code code = 0;
  if (!iakerb_icc_) {
    const base::SecretBytes* password = cred_->password();
    if (password == nullptr && cred_->client_keytab() == nullptr)
      return k5_.error(GSS_S_FAILURE, KRB5_KT_NOTFOUND,
                       "IAKERB has no tickets to start from and no password or client keytab "
                       "to get them with: run kinit, or acquire the credential with a password");
    krb5_get_init_creds_opt* opt = nullptr;
    code = krb5_get_init_creds_opt_alloc(c, &opt);
    if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot start the AS exchange");
    iakerb_opts_ = k5_.own<krb5_get_init_creds_opt, krb5_get_init_creds_opt_free>(opt);
    if (time_req_ != 0 && time_req_ != GSS_C_INDEFINITE)
      krb5_get_init_creds_opt_set_tkt_life(opt, static_cast<krb5_deltat>(time_req_));
    code = krb5_get_init_creds_opt_set_out_ccache(c, opt, cred_->ccache());
    krb5_init_creds_context icc = nullptr;
    if (code == 0)
      code = krb5_init_creds_init(c, const_cast<krb5_principal>(cred_->client()), nullptr,
                                  nullptr, 0, opt, &icc);
    if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot start the AS exchange");
    iakerb_icc_ = k5_.own<_krb5_init_creds_context, krb5_init_creds_free>(icc);
    code = password != nullptr
               ? krb5_init_creds_set_password(c, icc,
                                              reinterpret_cast<const char*>(password->data()))
               : krb5_init_creds_set_keytab(c, icc, cred_->client_keytab());
    if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot start the AS exchange");
  }
  krb5_data in_data = as_data(in);
  unsigned int flags = 0;
  {
    auto lock = cred_->lock();  // the tickets go into the credential's ccache
    code = krb5_init_creds_step(c, iakerb_icc_.get(), &in_data, out.get(), realm.get(), &flags);
  }
  if (code != 0) {
    // MIT: a refresh that fails keeps going with the tickets there are.
    if (cred_->has_any_tgt()) {
      krb5_clear_error_message(c);
      iakerb_icc_.reset();
      iakerb_phase_ = IakerbPhase::kTgs;
      more = false;
      return Status::complete();
    }
    return k5_.error(GSS_S_FAILURE, code,
                     "Cannot get initial tickets for " + k5_.unparse(cred_->client()) +
                         " through the acceptor (IAKERB)");
  }
  more = (flags & KRB5_INIT_CREDS_STEP_FLAG_CONTINUE) != 0;
  if (!more) {
    krb5_ticket_times times{};
    (void)krb5_init_creds_get_times(c, iakerb_icc_.get(), &times);
    {
      auto lock = cred_->lock();  // other contexts of the credential read it
      cred_->set_initial_expiry(times.endtime);
    }
    iakerb_icc_.reset();
    iakerb_phase_ = IakerbPhase::kTgs;
    base::trace("init_sec_context: IAKERB initial tickets for %s",
                k5_.unparse(cred_->client()).c_str());
  }
  return Status::complete();
}

Status Context::iakerb_tgs_step(std::span<const uint8_t> in, k5::Data& out, k5::Data& realm,
                                bool& more) {
  krb5_context c = k5_.get();
  krb5_error_code code = 0;
  if (!iakerb_tcc_) {
    APX_TRY_ASSIGN(k5::PrincipalPtr server, target_->principal(k5_));
    krb5_creds want{};
    want.client = const_cast<krb5_principal>(cred_->client());
    want.server = server.get();
    want.times.endtime = requested_endtime();
    krb5_tkt_creds_context tcc = nullptr;
    {
      auto lock = cred_->lock();
      code = krb5_tkt_creds_init(c, cred_->ccache(), &want, 0, &tcc);
    }
    if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot start the TGS exchange");
    iakerb_tcc_ = k5_.own<_krb5_tkt_creds_context, krb5_tkt_creds_free>(tcc);
  }
  krb5_data in_data = as_data(in);
  unsigned int flags = 0;
  {
    auto lock = cred_->lock();  // the ticket goes into the credential's ccache
    code = krb5_tkt_creds_step(c, iakerb_tcc_.get(), &in_data, out.get(), realm.get(), &flags);
  }
  if (code != 0)
    return k5_.error(GSS_S_FAILURE, code,
                     "Cannot get a ticket for " + target_->display() +
                         " through the acceptor (IAKERB)");
  more = (flags & KRB5_TKT_CREDS_STEP_FLAG_CONTINUE) != 0;
  if (!more) {
    krb5_creds got{};
    code = krb5_tkt_creds_get_creds(c, iakerb_tcc_.get(), &got);
    if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot read the IAKERB service ticket");
    krb5_creds* copy = nullptr;
    code = krb5_copy_creds(c, &got, &copy);
    krb5_free_cred_contents(c, &got);
    if (code != 0) return Status::no_memory();
    iakerb_ticket_ = k5_.own<krb5_creds, krb5_free_creds>(copy);
    iakerb_tcc_.reset();
    iakerb_phase_ = IakerbPhase::kApReq;
    base::trace("init_sec_context: IAKERB service ticket for %s",
                k5_.unparse(copy->server).c_str());
  }
  return Status::complete();
}

Step Context::iakerb_init_step(gss_channel_bindings_t cb, std::span<const uint8_t> input) {
  Step out;
  const bool first = state_ == State::kStart;
  const auto oid = oid_bytes(kMechIakerb);
  std::span<const uint8_t> in;
  if (first) {
    if (!input.empty()) {
      out.status = Status::defective_token(Minor::kTokenUnexpected);
      return out;
    }
    if (out.status = iakerb_first_phase(); !out.status.ok()) return out;
    state_ = State::kIakerb;
  } else {
    const auto body = token::iakerb_token_body(oid, false, input);
    if (!body) {
      out.status = Status::defective_token(Minor::kTokenWrongTokId);
      return out;
    }
    auto msg = token::parse_iakerb_body(*body);
    if (!msg) {
      out.status = msg.error();
      return out;
    }
    // The acceptor's cookie, if any, goes back in the next request (draft §3).
    iakerb_has_cookie_ = msg->cookie.has_value();
    if (msg->cookie) iakerb_cookie_.assign(msg->cookie->begin(), msg->cookie->end());
    in = msg->kdc_message;
    append(iakerb_conv_, input);
  }
  k5::Data kdc_req(k5_.get()), realm(k5_.get());
  bool more = false;
  if (iakerb_phase_ == IakerbPhase::kAs) {
    out.status = iakerb_as_step(in, kdc_req, realm, more);
    if (!out.status.ok()) return out;
    in = {};
  }
  if (!more && iakerb_phase_ == IakerbPhase::kTgs) {
    out.status = iakerb_tgs_step(in, kdc_req, realm, more);
    if (!out.status.ok()) return out;
  }
  if (more) {
    if (++iakerb_hops_ > kMaxHops) {
      out.status = k5_.error(GSS_S_FAILURE, KRB5_KDC_UNREACH,
                             "IAKERB: the KDC exchange did not finish in " +
                                 std::to_string(kMaxHops) + " round trips");
      return out;
    }
    std::optional<std::span<const uint8_t>> cookie;
    if (iakerb_has_cookie_) cookie = std::span<const uint8_t>(iakerb_cookie_);
    out.token = token::build_iakerb_token(
        oid, first, token::build_iakerb_body(realm.span(), cookie, kdc_req.span()));
    if (out.token.empty()) {
      out.status = Status::failure(Minor::kTokenFraming);
      return out;
    }
    append(iakerb_conv_, out.token);
    base::trace("init_sec_context: IAKERB %s request for realm %.*s, %zu bytes",
                iakerb_phase_ == IakerbPhase::kAs ? "AS" : "TGS",
                static_cast<int>(realm.span().size()),
                reinterpret_cast<const char*>(realm.span().data()), out.token.size());
    out.status = Status::continue_needed();
    return out;
  }
  // The service ticket is here: the AP exchange, under the IAKERB OID.
  out.status = build_ap_req(cb, out.token);
  if (out.status.ok())
    out.status = state_ == State::kEstablished ? Status::complete() : Status::continue_needed();
  return out;
}

// MIT's iakerb_acceptor_step: one KDC request relayed, its reply (or a KRB-ERROR saying the
// KDC could not be reached) returned.
Status Context::iakerb_relay(bool initial, std::span<const uint8_t> input,
                             std::vector<uint8_t>& token) {
  krb5_context c = k5_.get();
  const auto oid = oid_bytes(kMechIakerb);
  if (iakerb_hops_ >= kMaxHops)
    return k5_.error(GSS_S_FAILURE, KRB5_KDC_UNREACH,
                     "IAKERB: the initiator's KDC exchange went on for more than " +
                         std::to_string(kMaxHops) + " round trips");
  const auto body = token::iakerb_token_body(oid, initial, input);
  if (!body) return Status::defective_token(Minor::kTokenWrongTokId);
  APX_TRY_ASSIGN(const token::IakerbMessage msg, token::parse_iakerb_body(*body));
  if (msg.realm.empty()) return Status::defective_token(Minor::kTokenFraming);
  // Only requests are relayed to a KDC.
  if (msg.type != token::KdcMessage::kAsReq && msg.type != token::KdcMessage::kTgsReq)
    return Status::defective_token(Minor::kTokenWrongTokId);
  append(iakerb_conv_, input);
  const krb5_data request = as_data(msg.kdc_message);
  const krb5_data realm = as_data(msg.realm);
  k5::Data reply(c);
  krb5_error_code code = 0;
  for (int tcp_only = 0; tcp_only <= 1; ++tcp_only) {
    int use_primary = 0;
    krb5_free_data_contents(c, reply.get());
    *reply.get() = krb5_data{};
    code = krb5_sendto_kdc(c, &request, &realm, reply.get(), &use_primary, tcp_only);
    // RFC 4120 §5.9.1: KRB-ERROR is [APPLICATION 30].
    if (code != 0 || reply.span().empty() || reply.span()[0] != 0x7e) break;
    krb5_error* err = nullptr;
    if (krb5_rd_error(c, reply.get(), &err) != 0) break;
    const bool too_big = err->error == kErrResponseTooBig;
    krb5_free_error(c, err);
    if (!too_big) break;
  }
  const std::string where(reinterpret_cast<const char*>(msg.realm.data()), msg.realm.size());
  if (code == KRB5_KDC_UNREACH || code == KRB5_REALM_UNKNOWN) {
    // The initiator learns why from a KRB-ERROR in the reply, as from MIT.
    base::trace("accept_sec_context: IAKERB: no KDC of %s %s", where.c_str(),
                code == KRB5_KDC_UNREACH ? "answered" : "is known");
    // RFC 4120 §5.9.1 requires the server name and time: the realm's TGS, now (MIT's own
    // acceptor leaves them out, and libkrb5 then cannot encode the error).
    krb5_error err{};
    err.magic = KV5M_ERROR;
    err.error = code == KRB5_KDC_UNREACH ? kErrIakerbKdcNoResponse : kErrIakerbKdcNotFound;
    (void)krb5_us_timeofday(c, &err.stime, &err.susec);
    krb5_principal tgs = nullptr;
    code = krb5_build_principal_ext(c, &tgs, realm.length, realm.data, KRB5_TGS_NAME_SIZE,
                                    KRB5_TGS_NAME, realm.length, realm.data, 0);
    krb5_free_data_contents(c, reply.get());
    *reply.get() = krb5_data{};
    if (code == 0) {
      err.server = tgs;
      code = krb5_mk_error(c, &err, reply.get());
      krb5_free_principal(c, tgs);
    }
  }
  if (code != 0)
    return k5_.error(GSS_S_FAILURE, code, "IAKERB: cannot relay the initiator's request to "
                                          "the KDC of " + where);
  token = token::build_iakerb_token(oid, false,
                                    token::build_iakerb_body(msg.realm, std::nullopt,
                                                             reply.span()));
  if (token.empty()) return Status::failure(Minor::kTokenFraming);
  append(iakerb_conv_, token);
  ++iakerb_hops_;
  base::trace("accept_sec_context: IAKERB: relayed the initiator's %s request for %s, %zu-byte reply",
              msg.type == token::KdcMessage::kAsReq ? "AS" : "TGS", where.c_str(),
              reply.span().size());
  return Status::continue_needed();
}

Result<std::vector<uint8_t>> Context::iakerb_finished_for(krb5_context c,
                                                          const krb5_keyblock& key) const {
  if (iakerb_conv_.empty()) return std::vector<uint8_t>{};
  const krb5_data conv = as_data(iakerb_conv_);
  krb5_checksum ck{};
  // Checksum type 0: the key's mandatory one (MIT's krb5_k_make_checksum(..., 0, ...)).
  const krb5_error_code code =
      krb5_c_make_checksum(c, 0, &key, KRB5_KEYUSAGE_IAKERB_FINISHED, &conv, &ck);
  if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot make the IAKERB checksum");
  std::vector<uint8_t> out = token::build_iakerb_finished(
      ck.checksum_type, std::span<const uint8_t>(ck.contents, ck.length));
  krb5_free_checksum_contents(c, &ck);
  if (out.empty()) return Status::failure(Minor::kCksumExtension);
  return out;
}

// MIT's iakerb_verify_finished, with the initiator's subkey as received.
Status Context::verify_iakerb_finished(std::span<const uint8_t> finished) {
  krb5_context c = k5_.get();
  APX_TRY_ASSIGN(const token::IakerbFinished f, token::parse_iakerb_finished(finished));
  krb5_keyblock* key = nullptr;
  krb5_error_code code = krb5_auth_con_getrecvsubkey(c, ac_.get(), &key);
  if (code != 0 || key == nullptr)
    return k5_.error(GSS_S_FAILURE, code != 0 ? code : KRB5KDC_ERR_NULL_KEY,
                     "IAKERB: the AP-REQ has no subkey to check the finished checksum with");
  auto owned = k5_.own<krb5_keyblock, krb5_free_keyblock>(key);
  const krb5_data conv = as_data(iakerb_conv_);
  krb5_checksum ck{};
  ck.magic = KV5M_CHECKSUM;
  ck.checksum_type = f.cksumtype;
  ck.length = static_cast<unsigned int>(f.checksum.size());
  ck.contents = const_cast<krb5_octet*>(f.checksum.data());
  krb5_boolean valid = FALSE;
  code = krb5_c_verify_checksum(c, key, KRB5_KEYUSAGE_IAKERB_FINISHED, &conv, &ck, &valid);
  if (code == 0 && !valid) code = KRB5KRB_AP_ERR_BAD_INTEGRITY;
  if (code != 0)
    return k5_.error(GSS_S_FAILURE, code,
                     "IAKERB: the initiator's finished checksum does not cover the tokens "
                     "this acceptor relayed (a token was changed on the way)");
  iakerb_verified_ = true;
  base::trace("accept_sec_context: IAKERB finished checksum verified over %zu bytes",
              iakerb_conv_.size());
  return Status::complete();
}

}  // namespace apx::core
