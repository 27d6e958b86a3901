// gss_export_sec_context in interposer mode: a Context as MIT 1.20's krb5 mechanism
// exports its own (mit_context_export.h), so that the mechglue's import, which goes to
// MIT's mechanism, continues the conversation.
#include <krb5/krb5.h>
#include <profile.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/context.h"
#include "core/mit_context_export.h"
#include "crypto/legacy_keys.h"
#include "crypto/profile.h"
#include "token/rfc1964.h"

namespace apx::core {

using base::Minor;
using base::Result;
using base::SecretBytes;
using base::Status;

namespace {

// The files libkrb5's profile holds for a context from krb5_init_context
// (init_os_ctx.c os_get_default_config_files: KRB5_CONFIG, else the built-in path;
// Debian's is /etc/krb5.conf:/usr/local/etc/krb5.conf), keeping those profile_init
// opens, as prof_init.c profile_init_flags skips missing and unreadable ones.
// krb5_get_default_config_files is not in the public headers.
std::vector<std::string> profile_files() {
  const char* env = secure_getenv("KRB5_CONFIG");
  const std::string path = env != nullptr ? env : "/etc/krb5.conf:/usr/local/etc/krb5.conf";
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string file = path.substr(start, end - start);
    if (!file.empty() && access(file.c_str(), R_OK) == 0) out.push_back(std::move(file));
    start = end + 1;
  }
  return out;
}

// init_ctx.c krb5_init_context_profile reads these libdefaults into the context.
int32_t libdefault(krb5_context c, const char* name, int32_t dflt) {
  profile_t profile = nullptr;
  if (krb5_get_profile(c, &profile) != 0) return dflt;
  int value = dflt;
  if (profile_get_integer(profile, "libdefaults", name, nullptr, dflt, &value) != 0)
    value = dflt;
  profile_release(profile);
  return value;
}

void fill_k5(krb5_context c, int32_t clockskew, MitExportedContext& m) {
  constexpr int32_t kKdcOptRenewableOk = 0x00000010;  // MIT's default kdc_default_options
  constexpr int32_t kLiboptSyncKdctime = 0x00000001;  // KRB5_LIBOPT_SYNC_KDCTIME
  constexpr int32_t kOsToffsetValid = 1;              // k5-int.h KRB5_OS_TOFFSET_VALID
  m.k5.clockskew = clockskew;
  m.k5.kdc_default_options = libdefault(c, "kdc_default_options", kKdcOptRenewableOk);
  m.k5.library_options = libdefault(c, "kdc_timesync", 1) != 0 ? kLiboptSyncKdctime : 0;
  m.k5.fcc_default_format = 0x0500 + libdefault(c, "ccache_type", 4);
  krb5_timestamp sec = 0;
  krb5_int32 usec = 0;
  if (krb5_get_time_offsets(c, &sec, &usec) == 0 && (sec != 0 || usec != 0)) {
    m.k5.time_offset = sec;
    m.k5.usec_offset = usec;
    m.k5.os_flags = kOsToffsetValid;
  }
  m.k5.profile_files = profile_files();
}

MitKey key_of(const krb5_keyblock* k) {
  if (k == nullptr) return {};
  return {k->enctype, {k->contents, k->length}};
}

// krb5int_c_mandatory_cksumtype: RFC 3961 §4's for each enctype.
int32_t cksumtype_of(int32_t enctype) {
  if (enctype == crypto::kEnctypeDes3CbcSha1) return CKSUMTYPE_HMAC_SHA1_DES3;
  if (enctype == crypto::kEnctypeArcfourHmac || enctype == crypto::kEnctypeArcfourHmacExp)
    return CKSUMTYPE_HMAC_MD5_ARCFOUR;
  const crypto::Profile* p = crypto::find_profile(enctype);
  return p != nullptr ? p->cksumtype : 0;
}

// kg_setup_keys for a DES3 or RC4 key: RFC 1964 §1.2.1 / RFC 4757 §7.1
// algorithm identifiers, the checksum size, and the key again as enc and seq.
void fill_legacy(const MitKey& key, MitExportedContext& m) {
  const bool des3 = key.enctype == crypto::kEnctypeDes3CbcSha1;
  m.signalg = des3 ? token::kSgnAlgHmacSha1Des3Kd : token::kSgnAlgHmacMd5;
  m.cksum_size = des3 ? 20 : 8;
  m.sealalg = des3 ? token::kSealAlgDes3Kd : token::kSealAlgRc4;
  m.enc = {des3 ? ENCTYPE_DES3_CBC_RAW : key.enctype, key.bytes};
  m.seq = m.enc;
}

}  // namespace

// The auth context's keys as libkrb5 left them (public getters), owned by `held` while
// the token is written. The addresses and the authenticator are not carried
// (mit_context_export.cc says why).
Status Context::fill_mit_auth_context(MitExportedContext& m,
                                      std::vector<k5::KeyblockPtr>& held) const {
  krb5_context c = k5_.get();
  m.auth_context.local_seq = static_cast<uint32_t>(send_seq_);
  m.auth_context.remote_seq = static_cast<uint32_t>(recv_seq_);
  // init_sec_context.c: CKSUMTYPE_KG_CB for the authenticator's 0x8003 checksum.
  constexpr int32_t kCksumKgCb = 0x8003;
  m.auth_context.req_cksumtype = role_ == Role::kInitiator ? kCksumKgCb : 0;
  m.auth_context.flags = KRB5_AUTH_CONTEXT_DO_SEQUENCE;
  if (!ac_) return Status::complete();
  krb5_int32 flags = 0;
  if (krb5_auth_con_getflags(c, ac_.get(), &flags) == 0) m.auth_context.flags = flags;
  using Getter = krb5_error_code (*)(krb5_context, krb5_auth_context, krb5_keyblock**);
  const std::pair<Getter, MitKey*> keys[] = {
      {krb5_auth_con_getkey, &m.auth_context.key},
      {krb5_auth_con_getsendsubkey, &m.auth_context.send_subkey},
      {krb5_auth_con_getrecvsubkey, &m.auth_context.recv_subkey}};
  for (const auto& [get, out] : keys) {
    krb5_keyblock* kb = nullptr;
    if (get(c, ac_.get(), &kb) != 0 || kb == nullptr) continue;
    held.push_back(k5_.own<krb5_keyblock, krb5_free_keyblock>(kb));
    *out = key_of(kb);
  }
  return Status::complete();
}

// accept_sec_context.c: MIT's acceptor keeps the ticket's authorization data merged with
// the authenticator's (krb5_merge_authdata); its initiator keeps none.
Status Context::merged_authdata(AuthdataHold& held) const {
  held.reset();
  if (role_ != Role::kAcceptor || !ticket_ || ticket_->enc_part2 == nullptr)
    return Status::complete();
  krb5_context c = k5_.get();
  krb5_authenticator* auth = nullptr;
  if (ac_) (void)krb5_auth_con_getauthenticator(c, ac_.get(), &auth);
  const auto auth_owned = k5_.own<krb5_authenticator, krb5_free_authenticator>(auth);
  // MIT's acceptor keeps the ticket's authorization data followed by the authenticator's.
  krb5_authdata** merged = nullptr;
  const krb5_error_code code =
      krb5_merge_authdata(c, ticket_->enc_part2->authorization_data,
                          auth != nullptr ? auth->authorization_data : nullptr, &merged);
  if (code != 0) return k5_.error(GSS_S_FAILURE, code, "Cannot copy the authorization data");
  held = k5_.own<krb5_authdata*, krb5_free_authdata>(merged);
  return Status::complete();
}

Status Context::authz_data(krb5_authdatatype type,
                           std::vector<std::vector<uint8_t>>& out) const {
  out.clear();
  AuthdataHold held(nullptr, {k5_.get()});
  APX_TRY(merged_authdata(held));
  // MIT (inq_context.c) matches the top-level elements only: a PAC is found inside its
  // AD-IF-RELEVANT container by asking for type 1 and decoding the container.
  for (krb5_authdata** ad = held.get(); ad != nullptr && *ad != nullptr; ++ad)
    if ((*ad)->ad_type == type) out.emplace_back((*ad)->contents, (*ad)->contents + (*ad)->length);
  return Status::complete();
}

Status Context::fill_mit_authdata(MitExportedContext& m, AuthdataHold& held) const {
  APX_TRY(merged_authdata(held));
  for (krb5_authdata** ad = held.get(); ad != nullptr && *ad != nullptr; ++ad)
    m.authdata.push_back({(*ad)->ad_type, {(*ad)->contents, (*ad)->length}});
  return Status::complete();
}

Result<SecretBytes> Context::export_mit_token() const {
  const Protection& p = *protection_;
  if (!crypto::is_legacy_enctype(p.context_enctype()) &&
      crypto::find_profile(p.context_enctype()) == nullptr)
    return Status::unavailable(Minor::kEnctypeUnsupported);
  if (!initiator_name_ || !acceptor_name_) return Status::no_context(Minor::kCtxIncomplete);
  MitExportedContext m;
  const bool init = role_ == Role::kInitiator;
  m.initiate = init;
  m.have_acceptor_subkey = p.have_acceptor_subkey();
  m.gss_flags = flags();
  m.authtime = authtime_;
  m.starttime = starttime_;
  m.endtime = endtime_;
  m.renew_till = renew_till_;
  m.krb_flags = ticket_flags_;
  m.seq_send = p.send_seq();
  m.seq_recv = recv_seq_;
  m.mech_used = {static_cast<const uint8_t*>(mech_->elements), mech_->length};
  m.here = (init ? initiator_name_ : acceptor_name_)->display();
  m.there = (init ? acceptor_name_ : initiator_name_)->display();
  m.subkey = {p.context_enctype(), p.context_key()};
  // kg_setup_keys runs for the context key and again for an acceptor subkey: the key
  // messages are protected with decides the RFC 1964 fields (a DES3 subkey negotiated
  // beside an AES session key makes an RFC 1964 context).
  if (p.legacy()) fill_legacy({p.protection_enctype(), p.protection_key()}, m);
  m.proto = p.legacy() ? 0 : 1;
  m.cksumtype = cksumtype_of(p.context_enctype());
  if (p.have_acceptor_subkey()) {
    m.acceptor_subkey = {p.acceptor_enctype(), p.acceptor_key()};
    m.acceptor_subkey_cksumtype = cksumtype_of(p.acceptor_enctype());
  }
  const SeqWindow& win = p.recv_window();
  m.seqstate = {win.do_replay(), win.do_sequence(), win.wide() ? UINT64_MAX : UINT32_MAX,
                win.base(), win.next_relative(), win.received_map()};
  fill_k5(k5_.get(), clockskew_ != 0 ? clockskew_ : k5_.clockskew(), m);
  std::vector<k5::KeyblockPtr> held_keys;
  AuthdataHold held_authdata(nullptr, {k5_.get()});
  APX_TRY(fill_mit_auth_context(m, held_keys));
  APX_TRY(fill_mit_authdata(m, held_authdata));
  return encode_mit_context(m);
}

}  // namespace apx::core
