// The initiator's side of RFC 4121 §4.1: AP-REQ out, AP-REP (or KRB-ERROR) in.
#include <cerrno>
#include <new>

#include "base/trace.h"
#include "core/context.h"
#include "core/oids.h"
#include "core/ticket_cache.h"
#include "crypto/legacy_keys.h"
#include "token/framing.h"
#include "token/gss_checksum.h"

// Exported by MIT's libkrb5 for its own GSS mechanism, without a public prototype: the
// enctypes offered for the acceptor's subkey (RFC 4537).
extern "C" krb5_error_code krb5_auth_con_setpermetypes(krb5_context, krb5_auth_context,
                                                       const krb5_enctype*);

namespace apx::core {

using base::Minor;
using base::Result;
using base::Status;

namespace {

// Flags an initiator may ask for and send in the checksum (RFC 4121 §4.1.1.1, plus the
// DCE-style, identify and extended-error flags of RFC 4757 and MIT).
constexpr OM_uint32 kSendableFlags = GSS_C_DELEG_FLAG | GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG |
                                     GSS_C_SEQUENCE_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG |
                                     GSS_C_DCE_STYLE | GSS_C_IDENTIFY_FLAG |
                                     GSS_C_EXTENDED_ERROR_FLAG;

struct ChecksumInput {
  std::array<uint8_t, 16> bnd{};
  uint32_t flags = 0;
  // For delegation (RFC 4121 §4.1.1.1 Deleg): the TGT is forwarded from this ccache.
  krb5_ccache ccache = nullptr;
  krb5_principal client = nullptr;
  krb5_principal server = nullptr;
  // The checksum handed to libkrb5, owned here: krb5_mk_req_extended copies it into the
  // authenticator but never frees a 0x8003 checksum (mk_req_ext.c frees only the
  // checksums it made itself; MIT's mechanism keeps and frees its own buffer likewise).
  std::vector<uint8_t> body;
  krb5_data out{};
  // IAKERB: the context, whose conversation the finished checksum covers (nullptr outside).
  const Context* iakerb = nullptr;
  Status finished_status;
};

// A forwarded TGT as a KRB-CRED encrypted in the auth context's key, as MIT sends it.
// Delegation is best effort: on failure the DELEG flag is cleared and establishment goes on.
std::vector<uint8_t> forward_tgt(krb5_context c, krb5_auth_context ac, ChecksumInput& in) {
  krb5_data cred{};
  const krb5_error_code code =
      krb5_fwd_tgt_creds(c, ac, nullptr, in.client, in.server, in.ccache, 1, &cred);
  std::vector<uint8_t> out;
  if (code == 0 && cred.length <= 0xffff) out.assign(cred.data, cred.data + cred.length);
  krb5_free_data_contents(c, &cred);
  base::trace("init_sec_context: delegation %s", out.empty() ? "not possible" : "attached");
  return out;
}

// libkrb5 calls this from krb5_mk_req_extended, once the initiator subkey exists, for the
// contents of the 0x8003 authenticator checksum.
krb5_error_code KRB5_CALLCONV make_checksum(krb5_context c, krb5_auth_context ac, void* arg,
                                            krb5_data** out) try {
  auto* in = static_cast<ChecksumInput*>(arg);
  std::vector<uint8_t> deleg;
  if (in->flags & GSS_C_DELEG_FLAG) {
    deleg = forward_tgt(c, ac, *in);
    if (deleg.empty()) in->flags &= ~static_cast<uint32_t>(GSS_C_DELEG_FLAG);
  }
  std::vector<uint8_t> finished;
  if (in->iakerb != nullptr) {
    // draft-ietf-kitten-iakerb §3.1: keyed with the initiator's subkey, made just now.
    krb5_keyblock* key = nullptr;
    krb5_error_code code = krb5_auth_con_getsendsubkey(c, ac, &key);
    if (code != 0 || key == nullptr) return code != 0 ? code : KRB5KDC_ERR_NULL_KEY;
    auto made = in->iakerb->iakerb_finished_for(c, *key);
    krb5_free_keyblock(c, key);
    if (!made) {
      in->finished_status = made.error();
      return KRB5KRB_ERR_GENERIC;
    }
    finished = std::move(*made);
  }
  in->body = token::build_gss_checksum(in->bnd, in->flags, deleg, finished);
  if (in->body.empty()) return KRB5KRB_ERR_GENERIC;
  in->out.magic = KV5M_DATA;
  in->out.data = reinterpret_cast<char*>(in->body.data());
  in->out.length = static_cast<unsigned int>(in->body.size());
  *out = &in->out;
  return 0;
} catch (const std::bad_alloc&) {
  return ENOMEM;  // no exception may cross libkrb5's C frames
}

// What a kept service ticket was asked for: client, server and the enctypes allowed.
std::string ticket_key(const k5::Context& k5, krb5_const_principal client,
                       krb5_const_principal server, const std::vector<krb5_enctype>& enctypes) {
  std::string key = k5.unparse(client) + '\n' + k5.unparse(server);
  for (const krb5_enctype e : enctypes) key += ' ' + std::to_string(e);
  return key;
}

}  // namespace

Result<std::unique_ptr<Context>> Context::new_initiator(std::shared_ptr<Cred> cred,
                                                        const Name& target,
                                                        const gss_OID_desc& mech,
                                                        OM_uint32 req_flags, OM_uint32 time_req) {
  if (!cred->can_initiate()) return Status::no_cred(base::code(Minor::kCredNotInitiator));
  // A default credential picks its ccache by the target (MIT's kg_cred_resolve).
  APX_TRY(cred->resolve(&target));
  APX_TRY_ASSIGN(k5::Context k5, k5::Context::create());
  std::unique_ptr<Context> ctx(new Context(std::move(k5), Role::kInitiator));
  ctx->cred_ = std::move(cred);
  ctx->target_ = target;
  ctx->mech_ = &mech;
  ctx->initiator_name_ = ctx->cred_->name();
  ctx->req_flags_ = req_flags;
  ctx->time_req_ = time_req;
  return ctx;
}

Step Context::init_step(gss_channel_bindings_t cb, std::span<const uint8_t> input) {
  Step out;
  if (mech_ == &kMechIakerb && (state_ == State::kStart || state_ == State::kIakerb)) {
    out = iakerb_init_step(cb, input);
  } else if (state_ == State::kStart) {
    if (!input.empty()) {
      out.status = Status::defective_token(Minor::kTokenUnexpected);
    } else {
      out.status = build_ap_req(cb, out.token);
      if (out.status.ok()) {
        out.status = state_ == State::kEstablished ? Status::complete() : Status::continue_needed();
      }
    }
  } else if (state_ == State::kWantApRep && (flags_ & GSS_C_DCE_STYLE)) {
    // DCE style (MS-KILE §3.4.5.1.1, as MIT and Windows do it): the AP-REP comes raw, and
    // the initiator answers with a third leg, an AP-REP of its own (krb5_mk_rep_dce).
    out.status = read_ap_rep(input);
    if (out.status.ok()) out.status = build_dce_reply(out.token);
  } else if (state_ == State::kWantApRep) {
    auto framed = token::parse_framed(input);
    if (!framed) {
      out.status = framed.error();
    } else if (token_mech(framed->oid) != mech_) {
      out.status = Status::defective_token(Minor::kTokenWrongMech);
    } else if (framed->tok_id == token::kTokApRep) {
      out.status = read_ap_rep(framed->body);
    } else if (framed->tok_id == token::kTokKrbError) {
      out.status = read_krb_error(framed->body);
    } else {
      out.status = Status::defective_token(Minor::kTokenWrongTokId);
    }
  } else {
    out.status = Status::failure(Minor::kCtxAlreadyComplete);
  }
  if (!out.status.ok()) state_ = State::kFailed;
  return out;
}

krb5_timestamp Context::requested_endtime() const {
  if (time_req_ == 0 || time_req_ == GSS_C_INDEFINITE) return 0;
  krb5_timestamp now = 0;
  (void)krb5_timeofday(k5_.get(), &now);
  return static_cast<krb5_timestamp>(static_cast<uint32_t>(now) + time_req_);
}

Status Context::get_service_ticket(k5::CredsPtr& out) {
  krb5_context c = k5_.get();
  APX_TRY_ASSIGN(k5::PrincipalPtr server, target_->principal(k5_));
  // The client principal as the credential read it from its cache.
  if (!cred_->name()) return Status::no_cred(base::code(Minor::kCredNotInitiator));
  APX_TRY_ASSIGN(k5::PrincipalPtr owned_client, cred_->name()->principal(k5_));
  krb5_principal client = owned_client.get();
  krb5_error_code code = 0;
  if (!cred_->allowed_enctypes().empty()) {
    // gss_krb5_set_allowable_enctypes also limits the service ticket's session key.
    std::vector<krb5_enctype> list(cred_->allowed_enctypes());
    list.push_back(ENCTYPE_NULL);
    code = krb5_set_default_tgs_enctypes(c, list.data());
    if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot apply the allowed enctypes");
  }
  krb5_creds in{};
  in.client = client;
  in.server = server.get();
  // MIT: a time_req asks for a ticket that lasts at least that long (a cached one that
  // ends earlier is not used; a new one is asked for with that end time).
  in.times.endtime = requested_endtime();
  if (cred_->impersonator()) return get_proxy_ticket(in, out);
  // The ticket got last time from this unchanged ccache (ticket_cache.h); a time_req
  // always asks libkrb5.
  std::string key;
  if (in.times.endtime == 0) key = ticket_key(k5_, client, server.get(), cred_->allowed_enctypes());
  krb5_creds* result = key.empty() ? nullptr : cached_ticket(c, cred_->ccache(), key);
  if (result != nullptr) {
    out = k5_.own<krb5_creds, krb5_free_creds>(result);
    return Status::complete();
  }
  code = krb5_get_credentials(c, 0, cred_->ccache(), &in, &result);
  if (code == 0 && !key.empty()) remember_ticket(c, cred_->ccache(), key, *result);
  if (code == KRB5KRB_AP_ERR_TKT_EXPIRED) return k5_.error(GSS_S_FAILURE, code, cred_->expiry_text());
  // libkrb5's own words first ("KDC policy rejects request"), as MIT's mechanism shows
  // them and as scripts match them; which ticket apx was getting follows.
  if (code != 0)
    return base::with_detail(Status(GSS_S_FAILURE, static_cast<OM_uint32>(code)),
                             k5_.message(code) + " (getting a ticket for " +
                                 target_->display() + " as " + k5_.unparse(client) + ")");
  out = k5_.own<krb5_creds, krb5_free_creds>(result);
  return Status::complete();
}

// A proxy credential's ticket, as MIT's init_sec_context.c get_credentials: to the
// impersonating service itself, the evidence ticket from the cache; to any other, an
// S4U2Proxy request ([MS-SFU] §3.1.5.2, RFC 4120 §3.3.3 additional ticket) made by the
// impersonator with the evidence ticket.
Status Context::get_proxy_ticket(krb5_creds& in, k5::CredsPtr& out) {
  krb5_context c = k5_.get();
  krb5_principal raw_imp = nullptr;
  krb5_error_code code = krb5_parse_name(c, cred_->impersonator()->c_str(), &raw_imp);
  if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot read the proxy credential's impersonator");
  auto impersonator = k5_.own<krb5_principal_data, krb5_free_principal>(raw_imp);
  krb5_principal user = in.client;
  // A host-based target starts in the client realm: the KDC's referrals find its realm.
  krb5_principal_data server_data = *in.server;
  if (server_data.type == KRB5_NT_SRV_HST) server_data.realm = krb5_data{KV5M_DATA, 0, nullptr};
  const bool to_self = krb5_principal_compare(c, raw_imp, in.server) != 0;
  in.server = &server_data;
  krb5_flags flags = KRB5_GC_CACHED;
  krb5_creds evidence{};
  if (!to_self) {
    krb5_creds match{};
    match.magic = KV5M_CREDS;
    match.server = raw_imp;
    match.client = user;
    code = krb5_cc_retrieve_cred(c, cred_->ccache(), KRB5_TC_MATCH_AUTHDATA, &match, &evidence);
    if (code != 0)
      return k5_.error(GSS_S_FAILURE, code,
                       "No evidence ticket for " + k5_.unparse(user) + " to " +
                           *cred_->impersonator() + " in the proxy credential");
    in.client = raw_imp;
    in.second_ticket = evidence.ticket;
    flags = KRB5_GC_CANONICALIZE | KRB5_GC_CONSTRAINED_DELEGATION;
  }
  krb5_creds* result = nullptr;
  code = krb5_get_credentials(c, flags, cred_->ccache(), &in, &result);
  krb5_free_cred_contents(c, &evidence);
  if (code != 0)
    return k5_.error(GSS_S_FAILURE, code,
                     "Cannot get a ticket for " + target_->display() + " on behalf of " +
                         k5_.unparse(user) + " as " + *cred_->impersonator() + " (S4U2Proxy)");
  out = k5_.own<krb5_creds, krb5_free_creds>(result);
  // A KDC without constrained delegation answers with a ticket for the impersonator.
  if (!to_self && !krb5_principal_compare(c, user, result->client))
    return k5_.error(GSS_S_FAILURE, KRB5_KDCREP_MODIFIED,
                     "The KDC's S4U2Proxy ticket is for " + k5_.unparse(result->client) +
                         ", not for " + k5_.unparse(user));
  base::trace("init_sec_context: %s ticket for %s to %s",
              to_self ? "evidence" : "S4U2Proxy", k5_.unparse(result->client).c_str(),
              k5_.unparse(result->server).c_str());
  return Status::complete();
}

Status Context::build_ap_req(gss_channel_bindings_t cb, std::vector<uint8_t>& token) {
  krb5_context c = k5_.get();
  // The credential's ccache is read for the ticket and, when delegating, for the TGT;
  // other contexts of the credential need not wait for the rest.
  auto lock = cred_->lock();
  k5::CredsPtr creds(nullptr, {c});
  if (iakerb_ticket_) {
    creds = std::move(iakerb_ticket_);  // got through the acceptor (iakerb.cc)
  } else {
    APX_TRY(get_service_ticket(creds));
  }
  if ((req_flags_ & GSS_C_DELEG_FLAG) == 0) lock.unlock();
  APX_TRY_ASSIGN(Name acceptor, Name::from_principal(k5_, creds->server));
  acceptor_name_ = std::move(acceptor);
  endtime_ = creds->times.endtime;
  authtime_ = creds->times.authtime;
  starttime_ = creds->times.starttime;
  renew_till_ = creds->times.renew_till;
  ticket_flags_ = creds->ticket_flags;

  // RFC 4121 §4.1.1.1 and MIT: confidentiality and integrity are always offered unless
  // the credential asks not to (GSS_KRB5_CRED_NO_CI_FLAGS_X); DCE style implies mutual.
  flags_ = req_flags_ & kSendableFlags;
  if (flags_ & GSS_C_DCE_STYLE) flags_ |= GSS_C_MUTUAL_FLAG;
  if (!cred_->no_ci_flags()) flags_ |= GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG;

  ChecksumInput ck;
  APX_TRY_ASSIGN(ck.bnd, channel_binding_hash(cb));
  ck.flags = flags_;
  ck.ccache = cred_->ccache();
  ck.client = creds->client;
  ck.server = creds->server;
  if (!iakerb_conv_.empty()) ck.iakerb = this;

  krb5_auth_context raw_ac = nullptr;
  krb5_error_code code = krb5_auth_con_init(c, &raw_ac);
  if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot start the AP exchange");
  ac_ = k5_.own<_krb5_auth_context, krb5_auth_con_free>(raw_ac);
  // Sequence numbers in the authenticator (RFC 4121 §4.2.6 starts from them).
  (void)krb5_auth_con_setflags(c, raw_ac, KRB5_AUTH_CONTEXT_DO_SEQUENCE);
  (void)krb5_auth_con_set_req_cksumtype(c, raw_ac, token::kCksumTypeGss);
  (void)krb5_auth_con_set_checksum_func(c, raw_ac, make_checksum, &ck);
  // RFC 4537, as MIT does: offer the enctypes we accept for the acceptor's subkey (the
  // credential's gss_krb5_set_allowable_enctypes list, else krb5.conf's permitted ones).
  APX_TRY(offer_enctypes(raw_ac));

  ap_options_ = AP_OPTS_USE_SUBKEY;
  // With mutual authentication the acceptor asserts a subkey; MIT asks it to pick the
  // subkey's enctype from the list offered above (RFC 4537).
  if (flags_ & GSS_C_MUTUAL_FLAG) ap_options_ |= AP_OPTS_MUTUAL_REQUIRED | AP_OPTS_ETYPE_NEGOTIATION;
  k5::Data ap_req(c);
  code = krb5_mk_req_extended(c, &raw_ac, ap_options_, nullptr, creds.get(), ap_req.get());
  (void)krb5_auth_con_set_checksum_func(c, raw_ac, nullptr, nullptr);
  flags_ = ck.flags;  // without DELEG if the TGT could not be forwarded
  if (!ck.finished_status.ok()) return ck.finished_status;
  if (code != 0)
    return k5_.error(GSS_S_FAILURE, code, "Cannot build the AP-REQ for " + target_->display());

  krb5_keyblock* subkey = nullptr;
  code = krb5_auth_con_getsendsubkey(c, raw_ac, &subkey);
  if (code != 0 || subkey == nullptr) code = krb5_copy_keyblock(c, &creds->keyblock, &subkey);
  if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot read the initiator subkey");
  ctx_key_ = k5_.own<krb5_keyblock, krb5_free_keyblock>(subkey);
  krb5_int32 seq = 0;
  (void)krb5_auth_con_getlocalseqnumber(c, raw_ac, &seq);
  send_seq_ = static_cast<uint32_t>(seq);
  recv_seq_ = send_seq_;  // without an AP-REP both directions start here (MIT)

  // DCE style sends the AP-REQ without the RFC 2743 framing (MIT, Windows).
  if (flags_ & GSS_C_DCE_STYLE) {
    token.assign(ap_req.span().begin(), ap_req.span().end());
  } else {
    token = token::build_framed(oid_bytes(*mech_), token::kTokApReq, ap_req.span());
  }
  base::trace("init_sec_context: AP-REQ for %s as %s, enctype %d, flags 0x%x, %zu bytes",
              acceptor_name_->display().c_str(),
              initiator_name_ ? initiator_name_->display().c_str() : "?",
              static_cast<int>(creds->keyblock.enctype), flags_, token.size());
  krb5_keyblock* session = nullptr;
  if (krb5_copy_keyblock(c, &creds->keyblock, &session) != 0) return Status::no_memory();
  session_key_ = k5_.own<krb5_keyblock, krb5_free_keyblock>(session);
  state_ = (flags_ & GSS_C_MUTUAL_FLAG) ? State::kWantApRep : State::kEstablished;
  if (state_ == State::kEstablished) start_protection();
  return Status::complete();
}

Status Context::offer_enctypes(krb5_auth_context ac) {
  krb5_context c = k5_.get();
  const std::vector<krb5_enctype>& allowed = cred_->allowed_enctypes();
  if (!allowed.empty()) {
    std::vector<krb5_enctype> list(allowed);
    list.push_back(ENCTYPE_NULL);
    const krb5_error_code code = krb5_auth_con_setpermetypes(c, ac, list.data());
    if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot offer the allowed enctypes");
    return Status::complete();
  }
  krb5_enctype* permitted = nullptr;
  krb5_error_code code = krb5_get_permitted_enctypes(c, &permitted);
  if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot read permitted_enctypes");
  code = krb5_auth_con_setpermetypes(c, ac, permitted);
  krb5_free_enctypes(c, permitted);
  if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot offer the permitted enctypes");
  return Status::complete();
}

Status Context::read_ap_rep(std::span<const uint8_t> body) {
  krb5_context c = k5_.get();
  krb5_data in{};
  in.data = const_cast<char*>(reinterpret_cast<const char*>(body.data()));
  in.length = static_cast<unsigned int>(body.size());
  krb5_ap_rep_enc_part* rep = nullptr;
  const krb5_error_code code = krb5_rd_rep(c, ac_.get(), &in, &rep);
  if (code != 0)
    return k5_.error(GSS_S_FAILURE, code, "The acceptor's AP-REP does not verify");
  auto owned = k5_.own<krb5_ap_rep_enc_part, krb5_free_ap_rep_enc_part>(rep);
  recv_seq_ = static_cast<uint32_t>(rep->seq_number);
  // MIT init_sec_context.c: with a DES3 or RC4 context key (not DCE style) an acceptor
  // subkey of the same enctype is the initiator's own echoed back, and is not adopted.
  const bool echoed = rep->subkey != nullptr && ctx_key_ &&
                      crypto::is_legacy_enctype(ctx_key_->enctype) &&
                      (flags_ & GSS_C_DCE_STYLE) == 0 && rep->subkey->enctype == ctx_key_->enctype;
  if (rep->subkey != nullptr && !echoed) {
    // RFC 4121 §2: the acceptor asserted a subkey; per-message tokens use it.
    krb5_keyblock* k = nullptr;
    if (krb5_copy_keyblock(c, rep->subkey, &k) != 0) return Status::no_memory();
    acceptor_subkey_ = k5_.own<krb5_keyblock, krb5_free_keyblock>(k);
  }
  state_ = State::kEstablished;
  start_protection();
  base::trace("init_sec_context: AP-REP verified, acceptor subkey %s",
              acceptor_subkey_ ? "asserted" : "absent");
  return Status::complete();
}

Status Context::build_dce_reply(std::vector<uint8_t>& token) {
  krb5_context c = k5_.get();
  k5::Data rep(c);
  const krb5_error_code code = krb5_mk_rep_dce(c, ac_.get(), rep.get());
  if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot build the DCE-style third leg");
  token.assign(rep.span().begin(), rep.span().end());
  base::trace("init_sec_context: DCE-style third leg, %zu bytes", token.size());
  return Status::complete();
}

Status Context::read_krb_error(std::span<const uint8_t> body) {
  krb5_context c = k5_.get();
  krb5_data in{};
  in.data = const_cast<char*>(reinterpret_cast<const char*>(body.data()));
  in.length = static_cast<unsigned int>(body.size());
  krb5_error* err = nullptr;
  krb5_error_code code = krb5_rd_error(c, &in, &err);
  if (code != 0) return Status::defective_token(Minor::kTokenTruncated);
  auto owned = k5_.own<krb5_error, krb5_free_error>(err);
  // MIT: the KRB-ERROR's code becomes the minor status, with GSS_S_FAILURE.
  code = err->error != 0 ? static_cast<krb5_error_code>(err->error) + ERROR_TABLE_BASE_krb5
                         : KRB5KRB_ERR_GENERIC;
  base::trace("init_sec_context: acceptor answered KRB-ERROR %d", static_cast<int>(err->error));
  return k5_.error_then(GSS_S_FAILURE, code,
                        "the acceptor refused this context's AP-REQ and answered with a "
                        "KRB-ERROR");
}

}  // namespace apx::core
