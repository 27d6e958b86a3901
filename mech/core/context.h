// apx::core::Context — one GSS security context, initiator or acceptor (RFC 4121 §4.1).
#pragma once

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/cred.h"
#include "core/name.h"
#include "core/protection.h"
#include "krb5/k5.h"

namespace apx::core {

struct MitExportedContext;

enum class Role { kInitiator, kAcceptor };

// What one establishment step hands back: the major status (COMPLETE or CONTINUE_NEEDED
// on success, an error otherwise) and the token for the peer, which may exist on failure
// too (a KRB-ERROR).
struct Step {
  base::Status status;
  std::vector<uint8_t> token;
};

class Context {
 public:
  // gss_init_sec_context, first and later calls.
  static base::Result<std::unique_ptr<Context>> new_initiator(std::shared_ptr<Cred> cred,
                                                              const Name& target,
                                                              const gss_OID_desc& mech,
                                                              OM_uint32 req_flags,
                                                              OM_uint32 time_req);
  static base::Result<std::unique_ptr<Context>> new_acceptor(std::shared_ptr<Cred> cred);

  // gss_export_sec_context / gss_import_sec_context. Under apx's own OID (standalone) the
  // token is apx's (exported_context.h) and the mechglue brings it back to apx. Under a
  // krb5 OID (interposer) the mechglue hands the import to MIT's built-in mechanism, so
  // the token is the one MIT's mechanism reads (mit_context_export.h). The token holds
  // keys: it is for passing a context between processes of one host, as RFC 2743 §2.2.8
  // intends, and is wiped when released.
  [[nodiscard]] base::Result<base::SecretBytes> export_token() const;
  static base::Result<std::unique_ptr<Context>> import_token(std::span<const uint8_t> token);
  // Is `token` in MIT's exported-context layout (kg_ctx_externalize)?
  [[nodiscard]] static bool is_mit_token(std::span<const uint8_t> token);

  // Initiator: produce the AP-REQ token (first call) or process the AP-REP / KRB-ERROR.
  Step init_step(gss_channel_bindings_t cb, std::span<const uint8_t> input);
  // Acceptor: process the AP-REQ, answer with an AP-REP when mutual was asked.
  // `keep_delegated`: the caller asked for delegated credentials (a non-null
  // delegated_cred_handle); otherwise a KRB-CRED is read, to be checked, and not kept.
  Step accept_step(gss_channel_bindings_t cb, std::span<const uint8_t> input,
                   bool keep_delegated);

  // IAKERB: the IAKERB-FINISHED for the conversation so far, keyed with `key` (the
  // initiator's subkey), for the authenticator checksum; empty outside IAKERB.
  [[nodiscard]] base::Result<std::vector<uint8_t>> iakerb_finished_for(
      krb5_context c, const krb5_keyblock& key) const;

  [[nodiscard]] Role role() const { return role_; }
  [[nodiscard]] bool established() const { return state_ == State::kEstablished; }
  [[nodiscard]] OM_uint32 flags() const;
  [[nodiscard]] const gss_OID_desc& mech() const { return *mech_; }
  // Seconds until the ticket expires (0 when it has).
  [[nodiscard]] OM_uint32 lifetime() const;
  [[nodiscard]] const std::optional<Name>& initiator_name() const { return initiator_name_; }
  [[nodiscard]] const std::optional<Name>& acceptor_name() const { return acceptor_name_; }
  // Credentials delegated by the initiator (acceptor side), handed out once.
  [[nodiscard]] std::shared_ptr<Cred> take_delegated() { return std::move(delegated_); }

  // Keys and sequence numbers (RFC 4121 §2, §4.2): for the per-message layer.
  [[nodiscard]] const krb5_keyblock* context_key() const { return ctx_key_.get(); }
  [[nodiscard]] const krb5_keyblock* acceptor_subkey() const { return acceptor_subkey_.get(); }
  [[nodiscard]] uint64_t initial_send_seq() const { return send_seq_; }
  [[nodiscard]] uint64_t initial_recv_seq() const { return recv_seq_; }
  [[nodiscard]] const k5::Context& k5() const { return k5_; }
  // The per-message side; nullptr until the context is established.
  [[nodiscard]] Protection* protection() { return protection_.get(); }
  // GSS_S_NO_CONTEXT before establishment, GSS_S_CONTEXT_EXPIRED after the ticket's end.
  [[nodiscard]] base::Status usable() const;
  // The session key of the ticket (GSS_C_INQ_SSPI_SESSION_KEY); nullptr before establishment.
  [[nodiscard]] const krb5_keyblock* session_key() const;
  [[nodiscard]] krb5_timestamp endtime() const { return endtime_; }
  // The ticket's flags and authentication time (gss_krb5_get_tkt_flags,
  // gsskrb5_extract_authtime_from_sec_context).
  [[nodiscard]] krb5_flags ticket_flags() const { return ticket_flags_; }
  [[nodiscard]] krb5_timestamp authtime() const { return authtime_; }
  // gsskrb5_extract_authz_data_from_sec_context: the contents of every top-level element
  // of type `type` in the ticket's and the authenticator's authorization data (acceptor).
  [[nodiscard]] base::Status authz_data(krb5_authdatatype type,
                                        std::vector<std::vector<uint8_t>>& out) const;

 private:
  // kWantApRep: an initiator waiting for the AP-REP; kWantDceReply: a DCE-style acceptor
  // waiting for the initiator's third leg.
  // kIakerb: IAKERB tokens are being exchanged (the initiator's KDC exchange relayed by
  // the acceptor), before the AP-REQ.
  enum class State { kStart, kIakerb, kWantApRep, kWantDceReply, kEstablished, kFailed };
  // The initiator's IAKERB phase (MIT's iakerb_state): initial tickets, the service
  // ticket, then the AP exchange.
  enum class IakerbPhase { kAs, kTgs, kApReq };
  Context(k5::Context k5, Role role) : k5_(std::move(k5)), role_(role) {}

  base::Status build_ap_req(gss_channel_bindings_t cb, std::vector<uint8_t>& token);
  // IAKERB (draft-ietf-kitten-iakerb, as MIT's iakerb.c): iakerb.cc.
  Step iakerb_init_step(gss_channel_bindings_t cb, std::span<const uint8_t> input);
  base::Status iakerb_first_phase();
  base::Status iakerb_as_step(std::span<const uint8_t> in, k5::Data& out, k5::Data& realm,
                              bool& more);
  base::Status iakerb_tgs_step(std::span<const uint8_t> in, k5::Data& out, k5::Data& realm,
                               bool& more);
  base::Status iakerb_relay(bool initial, std::span<const uint8_t> input,
                            std::vector<uint8_t>& token);
  base::Status verify_iakerb_finished(std::span<const uint8_t> finished);
  base::Status read_ap_rep(std::span<const uint8_t> body);
  base::Status offer_enctypes(krb5_auth_context ac);
  base::Status read_krb_error(std::span<const uint8_t> body);
  base::Status build_dce_reply(std::vector<uint8_t>& token);
  base::Status read_dce_reply(std::span<const uint8_t> token);
  // The end a gss_init_sec_context time_req asks the service ticket to reach; 0 for none.
  [[nodiscard]] krb5_timestamp requested_endtime() const;
  base::Status get_service_ticket(k5::CredsPtr& out);
  base::Status get_proxy_ticket(krb5_creds& in, k5::CredsPtr& out);
  // MIT: an acceptor whose credential can initiate hands out a proxy credential holding
  // the ticket it accepted (the evidence for S4U2Proxy) when nothing was delegated.
  base::Status make_proxy_cred(std::span<const uint8_t> ticket_der);
  base::Status accept_ap_req(gss_channel_bindings_t cb, std::span<const uint8_t> ap_req,
                             std::vector<uint8_t>& token);
  base::Status finish_accept(gss_channel_bindings_t cb, krb5_flags ap_options,
                             std::vector<uint8_t>& token);
  base::Status check_authenticator(gss_channel_bindings_t cb, krb5_flags ap_options);
  base::Status verify_plain_checksum(const krb5_checksum& ck);
  base::Status read_gss_checksum(gss_channel_bindings_t cb, std::span<const uint8_t> ck,
                                 bool& cb_match);
  base::Status check_cbt(gss_channel_bindings_t cb, krb5_authdata* const* authdata,
                         bool cb_match);
  base::Status read_delegation(std::span<const uint8_t> krb_cred);
  base::Status build_ap_rep(std::vector<uint8_t>& token);
  [[nodiscard]] std::vector<uint8_t> krb_error_token(krb5_error_code code) const;
  // What to tell a person about a krb5_rd_req failure: the ticket's server, kvno and
  // enctype and the keytab, when the key is the problem.
  [[nodiscard]] std::string rd_req_context(krb5_error_code code,
                                           std::span<const uint8_t> ticket) const;
  base::Status finish_keys();
  // export_token for the krb5 OIDs (context_export_mit.cc).
  using AuthdataHold = k5::Owned<krb5_authdata*, krb5_free_authdata>;
  [[nodiscard]] base::Result<base::SecretBytes> export_mit_token() const;
  // gss_import_sec_context of MIT's layout (context_import_mit.cc), made by apx as the
  // interposer or by MIT's own mechanism.
  static base::Result<std::unique_ptr<Context>> import_mit_token(std::span<const uint8_t> token);
  base::Status fill_mit_auth_context(MitExportedContext& m,
                                     std::vector<k5::KeyblockPtr>& held) const;
  base::Status fill_mit_authdata(MitExportedContext& m, AuthdataHold& held) const;
  base::Status merged_authdata(AuthdataHold& held) const;
  // Called once the context is established: keys and sequence numbers for messages.
  void start_protection();

  k5::Context k5_;  // first: everything below may hold it
  Role role_;
  State state_ = State::kStart;
  const gss_OID_desc* mech_ = nullptr;
  std::shared_ptr<Cred> cred_;
  std::optional<Name> target_;
  std::optional<Name> initiator_name_;
  std::optional<Name> acceptor_name_;
  k5::AuthContextPtr ac_{nullptr, {}};
  k5::KeyblockPtr ctx_key_{nullptr, {}};
  k5::KeyblockPtr acceptor_subkey_{nullptr, {}};
  k5::TicketPtr ticket_{nullptr, {}};
  std::shared_ptr<Cred> delegated_;
  bool keep_delegated_ = false;
  std::unique_ptr<Protection> protection_;
  k5::KeyblockPtr session_key_{nullptr, {}};
  OM_uint32 req_flags_ = 0;
  OM_uint32 time_req_ = 0;
  OM_uint32 flags_ = 0;
  krb5_timestamp endtime_ = 0;
  int32_t clockskew_ = 0;  // acceptor: krb5.conf's clockskew, read once
  krb5_timestamp authtime_ = 0;
  krb5_timestamp starttime_ = 0;   // the ticket's, carried by MIT's exported context
  krb5_timestamp renew_till_ = 0;
  krb5_flags ticket_flags_ = 0;
  uint64_t send_seq_ = 0;
  uint64_t recv_seq_ = 0;
  int32_t ap_options_ = 0;
  bool raw_ap_req_ = false;  // acceptor: the AP-REQ came without RFC 2743 framing (DCE style)
  // IAKERB: every IAKERB token of the exchange, both directions, as sent (the finished
  // checksum covers them); round trips so far; the initiator's phase and libkrb5 steps;
  // the echoed cookie; the service ticket the relayed exchange got.
  std::vector<uint8_t> iakerb_conv_;
  unsigned iakerb_hops_ = 0;
  IakerbPhase iakerb_phase_ = IakerbPhase::kAs;
  std::vector<uint8_t> iakerb_cookie_;
  bool iakerb_has_cookie_ = false;
  bool iakerb_verified_ = false;  // acceptor: the finished checksum verified
  k5::Owned<krb5_get_init_creds_opt, krb5_get_init_creds_opt_free> iakerb_opts_{nullptr, {}};
  k5::Owned<_krb5_init_creds_context, krb5_init_creds_free> iakerb_icc_{nullptr, {}};
  k5::Owned<_krb5_tkt_creds_context, krb5_tkt_creds_free> iakerb_tcc_{nullptr, {}};
  k5::CredsPtr iakerb_ticket_{nullptr, {}};
};

// RFC 4121 §4.1.1.2: the MD5 hash of the channel bindings, or all zeros for none.
[[nodiscard]] base::Result<std::array<uint8_t, 16>> channel_binding_hash(
    gss_channel_bindings_t cb);

}  // namespace apx::core
