// The acceptor's side of RFC 4121 §4.1: AP-REQ in, AP-REP (or KRB-ERROR) out.
#include <openssl/crypto.h>

#include <algorithm>

#include "base/trace.h"
#include "core/context.h"
#include "core/keytab_cache.h"
#include "core/oids.h"
#include "crypto/legacy_keys.h"
#include "token/ap_req.h"
#include "token/framing.h"
#include "token/gss_checksum.h"
#include "token/iakerb.h"

// MIT exports its replay-cache resolver without a public prototype; gss_acquire_cred_from's
// "rcache" store key is served through it, as MIT's own mechanism does.
extern "C" krb5_error_code k5_rc_resolve(krb5_context context, const char* name,
                                         krb5_rcache* rc_out);
// Exported by MIT's libkrb5 for its own GSS mechanism, without a public prototype: the
// enctypes an auth context permits (RFC 4537 and the ticket's session key).
extern "C" krb5_error_code krb5_auth_con_setpermetypes(krb5_context, krb5_auth_context,
                                                       const krb5_enctype*);

namespace apx::core {

using base::Minor;
using base::Result;
using base::Status;

namespace {

// The flags an initiator's 0x8003 checksum may grant (RFC 4121 §4.1.1.1); delegation is
// granted only when the delegated tickets were read.
constexpr OM_uint32 kInitiatorFlags = GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG |
                                      GSS_C_SEQUENCE_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG |
                                      GSS_C_DCE_STYLE | GSS_C_IDENTIFY_FLAG |
                                      GSS_C_EXTENDED_ERROR_FLAG;
// RFC 4120 §5.5.1: KRB_AP_REQ is [APPLICATION 14], a constructed tag.
constexpr uint8_t kTagRawApReq = 0x6e;
// MS-KILE §2.2.4: the AD-AP-OPTIONS bit by which an initiator requires channel bindings.
constexpr uint32_t kKerbApOptionsCbt = 0x4000;

bool all_zero(std::span<const uint8_t> b) {
  return std::all_of(b.begin(), b.end(), [](uint8_t x) { return x == 0; });
}

// Which major status a libkrb5 failure of krb5_rd_req stands for.
OM_uint32 rd_req_major(krb5_error_code code) {
  switch (code) {
    // A replayed AP-REQ is GSS_S_FAILURE alone, as in MIT (its t_err checks the exact
    // code); the minor code, KRB5KRB_AP_ERR_REPEAT, says why.
    case KRB5KRB_AP_ERR_TKT_EXPIRED:
      return GSS_S_CREDENTIALS_EXPIRED;
    case KRB5KRB_AP_ERR_BADVERSION:
    case KRB5KRB_AP_ERR_MSG_TYPE:
    case KRB5KRB_AP_ERR_BADDIRECTION:
      return GSS_S_DEFECTIVE_TOKEN;
    default:
      break;
  }
  // ASN.1 decoding errors: the token is malformed.
  if (code >= ERROR_TABLE_BASE_asn1 && code < ERROR_TABLE_BASE_asn1 + 256)
    return GSS_S_DEFECTIVE_TOKEN;
  return GSS_S_FAILURE;
}

}  // namespace

std::string Context::rd_req_context(krb5_error_code code, std::span<const uint8_t> ticket) const {
  const std::string keytab = cred_->keytab_name();
  if (code == KRB5KRB_AP_ERR_REPEAT)
    return "this AP-REQ was seen before (replay cache); the initiator must start a new "
           "context";
  if (code == KRB5KRB_AP_ERR_SKEW)
    return "The clocks of the initiator and this host differ by more than the allowed "
           "skew (krb5.conf clockskew): synchronise them";
  const bool key_problem = code == KRB5KRB_AP_ERR_BADKEYVER || code == KRB5_KT_KVNONOTFOUND ||
                           code == KRB5_KT_NOTFOUND || code == KRB5KRB_AP_ERR_NOKEY ||
                           code == KRB5KRB_AP_ERR_BAD_INTEGRITY;
  krb5_data d{};
  d.data = const_cast<char*>(reinterpret_cast<const char*>(ticket.data()));
  d.length = static_cast<unsigned int>(ticket.size());
  krb5_ticket* t = nullptr;
  if (!key_problem || ticket.empty() || krb5_decode_ticket(&d, &t) != 0)
    return "Cannot accept the AP-REQ with keytab " + keytab;
  auto owned = k5_.own<krb5_ticket, krb5_free_ticket>(t);
  char etype[64] = "?";
  (void)krb5_enctype_to_name(t->enc_part.enctype, 0, etype, sizeof etype);
  return "No usable key for " + k5_.unparse(t->server) + " kvno " +
         std::to_string(t->enc_part.kvno) + " (" + etype + ") in keytab " + keytab +
         ": the keytab is out of date or for another principal; re-extract it with kadmin's "
         "ktadd";
}

Result<std::unique_ptr<Context>> Context::new_acceptor(std::shared_ptr<Cred> cred) {
  if (!cred->can_accept()) return Status::no_cred(base::code(Minor::kCredNotAcceptor));
  APX_TRY_ASSIGN(k5::Context k5, k5::Context::create());
  std::unique_ptr<Context> ctx(new Context(std::move(k5), Role::kAcceptor));
  ctx->cred_ = std::move(cred);
  ctx->clockskew_ = ctx->k5_.clockskew();
  return ctx;
}

Step Context::accept_step(gss_channel_bindings_t cb, std::span<const uint8_t> input,
                          bool keep_delegated) {
  Step out;
  if (state_ == State::kWantDceReply) {
    out.status = read_dce_reply(input);
    if (!out.status.ok()) state_ = State::kFailed;
    return out;
  }
  keep_delegated_ = keep_delegated;
  if (state_ != State::kStart && state_ != State::kIakerb) {
    out.status = Status::failure(Minor::kCtxAlreadyComplete);
    return out;
  }
  const bool iakerb_token =
      token::iakerb_token_body(oid_bytes(kMechIakerb), state_ == State::kStart, input)
          .has_value();
  if (iakerb_token) {
    // IAKERB (iakerb.cc): relay the initiator's KDC request; the AP-REQ comes later.
    mech_ = &kMechIakerb;
    out.status = iakerb_relay(state_ == State::kStart, input, out.token);
    if (out.status.ok()) state_ = State::kIakerb;
  } else if (state_ == State::kIakerb && (input.empty() || input[0] == kTagRawApReq)) {
    // After IAKERB only a framed AP-REQ may come (MIT).
    out.status = Status::defective_token(Minor::kTokenFraming);
  } else if (!input.empty() && input[0] == kTagRawApReq) {
    // DCE style sends the AP-REQ raw (RFC 4120 §5.5.1 [APPLICATION 14]); the mechglue routes
    // such a token to the krb5 mechanism. Only a DCE-style checksum may come this way.
    mech_ = &kMechKrb5;
    raw_ap_req_ = true;
    out.status = accept_ap_req(cb, input, out.token);
  } else if (auto framed = token::parse_framed(input); !framed) {
    out.status = framed.error();
  } else if ((mech_ = token_mech(framed->oid)) == nullptr ||
             (state_ == State::kIakerb && mech_ != &kMechIakerb)) {
    out.status = Status::defective_token(Minor::kTokenWrongMech);
  } else if (framed->tok_id != token::kTokApReq) {
    out.status = Status::defective_token(Minor::kTokenWrongTokId);
  } else {
    out.status = accept_ap_req(cb, framed->body, out.token);
  }
  if (!out.status.ok()) state_ = State::kFailed;
  return out;
}

Status Context::accept_ap_req(gss_channel_bindings_t cb, std::span<const uint8_t> ap_req,
                              std::vector<uint8_t>& token) {
  APX_TRY_ASSIGN(const token::ApReqPeek peek, token::peek_ap_req(ap_req));
  const uint32_t options = peek.options;
  ap_options_ = static_cast<int32_t>(options);
  krb5_context c = k5_.get();
  krb5_auth_context raw_ac = nullptr;
  krb5_error_code code = krb5_auth_con_init(c, &raw_ac);
  if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot start the AP exchange");
  ac_ = k5_.own<_krb5_auth_context, krb5_auth_con_free>(raw_ac);
  (void)krb5_auth_con_setflags(c, raw_ac, KRB5_AUTH_CONTEXT_DO_SEQUENCE | KRB5_AUTH_CONTEXT_DO_TIME);

  // The replay cache: the credential's ("rcache" store key) or the default one, which
  // honours KRB5RCACHETYPE, KRB5RCACHENAME and KRB5RCACHEDIR.
  krb5_rcache rc = nullptr;
  const krb5_data piece{KV5M_DATA, 4, const_cast<char*>("host")};
  code = cred_->rcache_name().empty() ? krb5_get_server_rcache(c, &piece, &rc)
                                      : k5_rc_resolve(c, cred_->rcache_name().c_str(), &rc);
  if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot open the replay cache");
  (void)krb5_auth_con_setrcache(c, raw_ac, rc);  // closed with the auth context
  // gss_krb5_set_allowable_enctypes on an acceptor credential limits the ticket's session
  // key and the subkey chosen for the AP-REP, as in MIT.
  if (!cred_->allowed_enctypes().empty()) {
    std::vector<krb5_enctype> list(cred_->allowed_enctypes());
    list.push_back(ENCTYPE_NULL);
    code = krb5_auth_con_setpermetypes(c, raw_ac, list.data());
    if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot apply the allowed enctypes");
  }

  // libkrb5 matches the ticket's server against the acceptor's name, as for MIT's
  // mechanism, and its message says which keytab entry was or was not found.
  k5::PrincipalPtr server(nullptr, {c});
  if (const Name* want = cred_->acceptor_name(); want != nullptr) {
    APX_TRY_ASSIGN(server, want->acceptor_principal(k5_));
  }
  krb5_data in{};
  in.data = const_cast<char*>(reinterpret_cast<const char*>(ap_req.data()));
  in.length = static_cast<unsigned int>(ap_req.size());
  krb5_flags ap_options = 0;
  krb5_ticket* ticket = nullptr;
  {
    // The keytab file's entries as last read (keytab_cache.h); the credential's lock is
    // held only to look them up, not across krb5_rd_req.
    std::shared_ptr<const KeytabSnapshot> snap;
    {
      auto lock = cred_->lock();
      snap = keytab_snapshot(c, cred_->keytab());
    }
    if (snap != nullptr) {
      code = krb5_rd_req(c, &raw_ac, &in, server.get(), snap->keytab(), &ap_options, &ticket);
    } else {
      auto lock = cred_->lock();
      code = krb5_rd_req(c, &raw_ac, &in, server.get(), cred_->keytab(), &ap_options, &ticket);
    }
  }
  if (code != 0) {
    if (options & AP_OPTS_MUTUAL_REQUIRED) token = krb_error_token(code);
    base::trace("accept_sec_context: AP-REQ rejected (%d)", static_cast<int>(code));
    // libkrb5's own words come first ("Request is a replay", "Request ticket server ...
    // not found in keytab"), as MIT's gss_display_status shows them and as scripts match
    // them; apx's advice follows.
    return k5_.error_then(rd_req_major(code), code, rd_req_context(code, peek.ticket));
  }
  ticket_ = k5_.own<krb5_ticket, krb5_free_ticket>(ticket);
  // From here on, the options as krb5_rd_req reports them: the wire's, plus
  // AP_OPTS_USE_SUBKEY when the enctype negotiated by RFC 4537 differs from the ticket's
  // session key (so the acceptor's subkey upgrades it), as MIT's acceptor reads them.
  ap_options_ = static_cast<int32_t>(ap_options);
  Status s = finish_accept(cb, ap_options, token);
  if (s.ok() && keep_delegated_ && !delegated_ && cred_->usage() == GSS_C_BOTH) {
    s = make_proxy_cred(peek.ticket);
    if (!s.ok()) state_ = State::kFailed;
  }
  // MIT: an initiator that asked for mutual authentication (in the AP options or in the
  // checksum's flags) waits for an answer, so a failure after the ticket was read is
  // reported to it as a KRB-ERROR too.
  const bool waits = (options & AP_OPTS_MUTUAL_REQUIRED) || (flags_ & GSS_C_MUTUAL_FLAG);
  if (!s.ok() && waits && token.empty())
    token = krb_error_token(static_cast<krb5_error_code>(s.minor()));
  return s;
}

Status Context::finish_accept(gss_channel_bindings_t cb, krb5_flags ap_options,
                              std::vector<uint8_t>& token) {
  krb5_ticket* ticket = ticket_.get();
  APX_TRY_ASSIGN(Name client, Name::from_principal(k5_, ticket->enc_part2->client));
  initiator_name_ = std::move(client);
  // RFC 6680: the client's attributes are those libkrb5's authdata modules read and
  // verified while krb5_rd_req decrypted the ticket (PAC, auth indicators), as in MIT.
  APX_TRY_ASSIGN(k5::Authdata attrs, k5::Authdata::take_from(k5_, ac_.get()));
  initiator_name_->set_attributes(std::move(attrs));
  APX_TRY_ASSIGN(Name server_name, Name::from_principal(k5_, ticket->server));
  acceptor_name_ = std::move(server_name);
  endtime_ = ticket->enc_part2->times.endtime;
  authtime_ = ticket->enc_part2->times.authtime;
  starttime_ = ticket->enc_part2->times.starttime;
  renew_till_ = ticket->enc_part2->times.renew_till;
  ticket_flags_ = ticket->enc_part2->flags;

  APX_TRY(check_authenticator(cb, ap_options));
  if (!iakerb_conv_.empty() && !iakerb_verified_)
    return base::with_detail(Status::bad_mic(Minor::kCksumUnverified),
                             "IAKERB: the initiator's AP-REQ carries no finished checksum over "
                             "the tokens this acceptor relayed");
  // Only DCE-style initiators send raw AP-REQs, and only raw (MIT refuses either mix).
  const bool dce = (flags_ & GSS_C_DCE_STYLE) != 0;
  if (dce != raw_ap_req_)
    return Status::defective_token(dce ? Minor::kTokenDceFramed : Minor::kTokenFraming);
  if (dce) flags_ |= GSS_C_MUTUAL_FLAG;  // DCE style implies mutual authentication
  flags_ |= GSS_C_TRANS_FLAG;
  if (initiator_name_->anonymous()) flags_ |= GSS_C_ANON_FLAG;
  APX_TRY(finish_keys());
  if (flags_ & GSS_C_MUTUAL_FLAG) APX_TRY(build_ap_rep(token));
  krb5_keyblock* session = nullptr;
  if (krb5_copy_keyblock(k5_.get(), ticket->enc_part2->session, &session) != 0)
    return Status::no_memory();
  session_key_ = k5_.own<krb5_keyblock, krb5_free_keyblock>(session);
  if (dce) {
    // The context completes with the initiator's third leg (read_dce_reply).
    state_ = State::kWantDceReply;
    base::trace("accept_sec_context: DCE-style AP-REP sent for %s, waiting for the third leg",
                initiator_name_->display().c_str());
    return Status::continue_needed();
  }
  state_ = State::kEstablished;
  start_protection();
  base::trace("accept_sec_context: accepted %s for %s, enctype %d, flags 0x%x%s",
              initiator_name_->display().c_str(), acceptor_name_->display().c_str(),
              static_cast<int>(ticket->enc_part2->session->enctype), flags_,
              (flags_ & GSS_C_MUTUAL_FLAG) ? ", AP-REP sent" : "");
  return Status::complete();
}

Status Context::check_authenticator(gss_channel_bindings_t cb, krb5_flags ap_options) {
  krb5_context c = k5_.get();
  krb5_authenticator* auth = nullptr;
  krb5_error_code code = krb5_auth_con_getauthenticator(c, ac_.get(), &auth);
  if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot read the authenticator");
  auto owned = k5_.own<krb5_authenticator, krb5_free_authenticator>(auth);
  const krb5_checksum* ck = auth->checksum;
  bool cb_match = false;
  if (ck == nullptr) {
    // MS-KILE §3.4.5.1, as MIT: some SMB clients send no checksum; the acceptor then
    // assumes every flag clear and checks no bindings.
    flags_ = 0;
  } else if (ck->checksum_type != token::kCksumTypeGss) {
    // Samba sends an ordinary keyed checksum over empty data. Verifying it shows the
    // authenticator was not lifted from one whose checksum covers real data; MIT then
    // grants replay and sequence detection, and mutual as the AP options ask.
    APX_TRY(verify_plain_checksum(*ck));
    flags_ = GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG;
    if (ap_options & AP_OPTS_MUTUAL_REQUIRED) flags_ |= GSS_C_MUTUAL_FLAG;
  } else {
    APX_TRY(read_gss_checksum(cb, {ck->contents, ck->length}, cb_match));
  }
  return check_cbt(cb, auth->authorization_data, cb_match);
}

Status Context::verify_plain_checksum(const krb5_checksum& ck) {
  krb5_context c = k5_.get();
  krb5_keyblock* key = nullptr;
  krb5_error_code code = krb5_auth_con_getkey(c, ac_.get(), &key);
  if (code != 0 || key == nullptr)
    return k5_.error(GSS_S_FAILURE, code != 0 ? code : KRB5KDC_ERR_NULL_KEY,
                     "Cannot read the ticket's session key");
  auto owned = k5_.own<krb5_keyblock, krb5_free_keyblock>(key);
  const krb5_data empty{KV5M_DATA, 0, nullptr};
  krb5_boolean valid = FALSE;
  code = krb5_c_verify_checksum(c, key, KRB5_KEYUSAGE_AP_REQ_AUTH_CKSUM, &empty, &ck, &valid);
  if (code != 0 || !valid) {
    base::trace("accept_sec_context: authenticator checksum type %d does not verify",
                static_cast<int>(ck.checksum_type));
    return Status::bad_mic(Minor::kCksumUnverified);
  }
  return Status::complete();
}

Status Context::read_gss_checksum(gss_channel_bindings_t cb, std::span<const uint8_t> ck,
                                  bool& cb_match) {
  APX_TRY_ASSIGN(const token::GssChecksumHead head, token::parse_gss_checksum_head(ck));
  // MIT's rules (1.19+): bindings are checked only when the acceptor supplies them and the
  // initiator sent non-zero ones; a match earns GSS_C_CHANNEL_BOUND_FLAG.
  if (cb != GSS_C_NO_CHANNEL_BINDINGS) {
    APX_TRY_ASSIGN(const auto mine, channel_binding_hash(cb));
    cb_match = CRYPTO_memcmp(mine.data(), head.bnd.data(), mine.size()) == 0;
    if (!cb_match && !all_zero(head.bnd))
      return base::with_detail(Status::bad_bindings(Minor::kCksumBindingsMismatch),
                               base::minor_text(base::code(Minor::kCksumBindingsMismatch)));
  }
  flags_ = head.flags & kInitiatorFlags;
  if (cb_match) flags_ |= GSS_C_CHANNEL_BOUND_FLAG;
  APX_TRY_ASSIGN(const token::GssChecksumTail tail,
                 token::parse_gss_checksum_tail(head.flags, head.rest));
  if (tail.has_deleg) {
    APX_TRY(read_delegation(tail.deleg));
    flags_ |= GSS_C_DELEG_FLAG;
  }
  // draft-ietf-kitten-iakerb §3.1: the finished extension belongs to an IAKERB exchange
  // and must then be there (MIT: BAD_SIG without it); outside one MIT refuses it too.
  if (tail.iakerb_finished && iakerb_conv_.empty())
    return k5_.error(GSS_S_FAILURE, KRB5KRB_AP_ERR_MSG_TYPE,
                     "The authenticator carries an IAKERB finished extension outside IAKERB");
  if (tail.iakerb_finished) return verify_iakerb_finished(tail.finished);
  return Status::complete();
}

Status Context::check_cbt(gss_channel_bindings_t cb, krb5_authdata* const* authdata,
                          bool cb_match) {
  // MS-KILE §3.2.5.8 / MIT 1.19+: an initiator that asserts KERB_AP_OPTIONS_CBT in the
  // authenticator's AD-AP-OPTIONS requires bindings to match when the acceptor has them,
  // so an authenticator made outside a TLS channel cannot be relayed into one.
  krb5_context c = k5_.get();
  krb5_authdata** found = nullptr;
  const krb5_error_code code =
      krb5_find_authdata(c, nullptr, authdata, KRB5_AUTHDATA_AP_OPTIONS, &found);
  if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot read the authenticator's authorization data");
  if (found == nullptr) return Status::complete();
  auto owned = k5_.own<krb5_authdata*, krb5_free_authdata>(found);
  if (found[1] != nullptr || found[0]->length != 4)
    return k5_.error(GSS_S_FAILURE, KRB5KRB_AP_ERR_MSG_TYPE,
                     "The authenticator's AD-AP-OPTIONS is malformed");
  const uint8_t* p = found[0]->contents;
  const uint32_t options = static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
                           static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
  if ((options & kKerbApOptionsCbt) && cb != GSS_C_NO_CHANNEL_BINDINGS && !cb_match)
    return base::with_detail(Status::bad_bindings(Minor::kCksumCbtRequired),
                             base::minor_text(base::code(Minor::kCksumCbtRequired)));
  return Status::complete();
}

Status Context::read_delegation(std::span<const uint8_t> krb_cred) {
  krb5_context c = k5_.get();
  krb5_data in{};
  in.data = const_cast<char*>(reinterpret_cast<const char*>(krb_cred.data()));
  in.length = static_cast<unsigned int>(krb_cred.size());
  // The KRB-CRED carries no timestamp worth a replay check: MIT reads it with the
  // auth context's time and sequence checks off.
  krb5_int32 saved = 0;
  (void)krb5_auth_con_getflags(c, ac_.get(), &saved);
  (void)krb5_auth_con_setflags(c, ac_.get(), 0);
  krb5_creds** raw = nullptr;
  krb5_error_code code = krb5_rd_cred(c, ac_.get(), &in, &raw, nullptr);
  (void)krb5_auth_con_setflags(c, ac_.get(), saved);
  // Freed (keys wiped) on every path: the tickets live on only in the cache made below.
  std::unique_ptr<krb5_creds*, k5::Deleter<krb5_creds*, krb5_free_tgt_creds>> creds(raw, {c});
  if (code != 0 || raw == nullptr || raw[0] == nullptr) {
    base::trace("accept_sec_context: delegated credentials unreadable (%d)", static_cast<int>(code));
    return Status::failure(Minor::kCksumDelegation);
  }
  if (!keep_delegated_) {
    // MIT (rd_and_store_for_creds without out_cred): a caller that passed no
    // delegated_cred_handle gets the DELEG flag, and the tickets are dropped at once.
    base::trace("accept_sec_context: delegated credentials read, not kept (not asked for)");
    return Status::complete();
  }
  APX_TRY_ASSIGN(Name client, Name::from_principal(k5_, raw[0]->client));
  APX_TRY_ASSIGN(k5::Context dk5, k5::Context::create());
  krb5_ccache cc = nullptr;
  code = krb5_cc_new_unique(dk5.get(), "MEMORY", nullptr, &cc);
  if (code != 0) return Status::failure(Minor::kCksumDelegation);
  // Destroyed on failure below, or with the credential that takes it.
  k5::CcachePtr owned_cc = dk5.own_made_ccache(cc);
  code = krb5_cc_initialize(dk5.get(), cc, raw[0]->client);
  for (size_t i = 0; code == 0 && raw[i] != nullptr; ++i)
    code = krb5_cc_store_cred(dk5.get(), cc, raw[i]);
  if (code != 0) return Status::failure(Minor::kCksumDelegation);
  APX_TRY_ASSIGN(delegated_, Cred::from_delegation(std::move(dk5), std::move(owned_cc),
                                                   std::move(client), raw[0]->times.endtime));
  return Status::complete();
}

Status Context::make_proxy_cred(std::span<const uint8_t> ticket_der) {
  // MIT's create_constrained_deleg_creds: the ticket as it came (its DER is what the KDC
  // wants back as the S4U2Proxy additional ticket) with the session key it carried.
  const krb5_ticket* t = ticket_.get();
  krb5_creds evidence{};
  evidence.magic = KV5M_CREDS;
  evidence.client = t->enc_part2->client;
  evidence.server = t->server;
  evidence.keyblock = *t->enc_part2->session;
  evidence.ticket_flags = t->enc_part2->flags;
  evidence.times = t->enc_part2->times;
  evidence.ticket.data = const_cast<char*>(reinterpret_cast<const char*>(ticket_der.data()));
  evidence.ticket.length = static_cast<unsigned int>(ticket_der.size());
  APX_TRY_ASSIGN(delegated_, cred_->compose_proxy(evidence));
  flags_ |= GSS_C_DELEG_FLAG;
  return Status::complete();
}

Status Context::finish_keys() {
  krb5_context c = k5_.get();
  // RFC 4121 §2: the initiator's subkey, or the ticket's session key when there is none.
  // Read before krb5_mk_rep, which replaces the auth context's subkeys with its own.
  krb5_keyblock* key = nullptr;
  krb5_error_code code = krb5_auth_con_getrecvsubkey(c, ac_.get(), &key);
  if (code != 0 || key == nullptr) code = krb5_copy_keyblock(c, ticket_->enc_part2->session, &key);
  if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot read the context key");
  ctx_key_ = k5_.own<krb5_keyblock, krb5_free_keyblock>(key);
  krb5_int32 seq = 0;
  (void)krb5_auth_con_getremoteseqnumber(c, ac_.get(), &seq);
  recv_seq_ = static_cast<uint32_t>(seq);
  send_seq_ = recv_seq_;  // without an AP-REP, MIT starts both directions here
  return Status::complete();
}

Status Context::build_ap_rep(std::vector<uint8_t>& token) {
  krb5_context c = k5_.get();
  // RFC 4121 §2: the acceptor asserts its own subkey in the AP-REP. Not for a DES3 or RC4
  // context key (MIT accept_sec_context.c, RFC 4537): RFC 1964 tokens do not say which key
  // protects them, so MIT generates one only when DCE style asks for it, or when the
  // initiator asked for subkeys and the enctype negotiated for it is a newer one (which
  // moves the context to RFC 4121 tokens).
  const bool legacy = ctx_key_ && crypto::is_legacy_enctype(ctx_key_->enctype) &&
                      (flags_ & GSS_C_DCE_STYLE) == 0;
  const bool use_subkey = !legacy || (ap_options_ & AP_OPTS_USE_SUBKEY) != 0;
  krb5_int32 flags = 0;
  (void)krb5_auth_con_getflags(c, ac_.get(), &flags);
  if (use_subkey)
    (void)krb5_auth_con_setflags(c, ac_.get(), flags | KRB5_AUTH_CONTEXT_USE_SUBKEY);
  k5::Data rep(c);
  krb5_error_code code = krb5_mk_rep(c, ac_.get(), rep.get());
  if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot build the AP-REP");
  krb5_keyblock* subkey = nullptr;
  if (use_subkey) {
    code = krb5_auth_con_getsendsubkey(c, ac_.get(), &subkey);
    if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot read the acceptor subkey");
  }
  if (legacy && subkey != nullptr && crypto::is_legacy_enctype(subkey->enctype)) {
    // libkrb5 has no public call for the negotiated enctype: the AP-REP is made again
    // without a subkey of our own (it then echoes the initiator's, as MIT's does).
    krb5_free_keyblock(c, subkey);
    subkey = nullptr;
    (void)krb5_auth_con_setflags(c, ac_.get(), flags & ~KRB5_AUTH_CONTEXT_USE_SUBKEY);
    krb5_free_data_contents(c, rep.get());
    code = krb5_mk_rep(c, ac_.get(), rep.get());
    if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot build the AP-REP");
  }
  acceptor_subkey_ = k5_.own<krb5_keyblock, krb5_free_keyblock>(subkey);
  krb5_int32 seq = 0;
  (void)krb5_auth_con_getlocalseqnumber(c, ac_.get(), &seq);
  send_seq_ = static_cast<uint32_t>(seq);
  if (raw_ap_req_) {
    token.assign(rep.span().begin(), rep.span().end());  // DCE style: raw, as it came
  } else {
    token = token::build_framed(oid_bytes(*mech_), token::kTokApRep, rep.span());
  }
  return Status::complete();
}

Status Context::read_dce_reply(std::span<const uint8_t> token) {
  krb5_context c = k5_.get();
  krb5_data in{};
  in.data = const_cast<char*>(reinterpret_cast<const char*>(token.data()));
  in.length = static_cast<unsigned int>(token.size());
  krb5_ui_4 nonce = 0;
  const krb5_error_code code = krb5_rd_rep_dce(c, ac_.get(), &in, &nonce);
  if (code != 0)
    return k5_.error(GSS_S_FAILURE, code, "The initiator's DCE-style third leg does not verify");
  // MIT: DCE style carries no delegation.
  flags_ &= ~static_cast<OM_uint32>(GSS_C_DELEG_FLAG);
  delegated_.reset();
  state_ = State::kEstablished;
  start_protection();
  base::trace("accept_sec_context: accepted %s for %s (DCE style), flags 0x%x",
              initiator_name_->display().c_str(), acceptor_name_->display().c_str(), flags_);
  return Status::complete();
}

std::vector<uint8_t> Context::krb_error_token(krb5_error_code code) const {
  // MIT: error codes outside the protocol's range become KRB_ERR_GENERIC (60).
  krb5_error err{};
  int32_t proto = code - ERROR_TABLE_BASE_krb5;
  if (proto < 0 || proto > 128) proto = 60;  // KRB_ERR_GENERIC
  err.error = static_cast<krb5_ui_4>(proto);
  (void)krb5_us_timeofday(k5_.get(), &err.stime, &err.susec);
  krb5_principal server = nullptr;
  if (cred_->acceptor_name() != nullptr) {
    auto p = cred_->acceptor_name()->principal(k5_);
    if (p) server = p->release();
  }
  if (server == nullptr && krb5_parse_name(k5_.get(), "unknown", &server) != 0) return {};
  err.server = server;
  k5::Data out(k5_.get());
  code = krb5_mk_error(k5_.get(), &err, out.get());
  krb5_free_principal(k5_.get(), server);
  if (code != 0) return {};
  return token::build_framed(oid_bytes(*mech_), token::kTokKrbError, out.span());
}

}  // namespace apx::core
