// The interprocess token MIT krb5 1.20's own mechanism imports (kg_ctx_internalize,
// src/lib/gssapi/krb5/ser_sctx.c), written by apx when it is the interposer.
//
// Why: in interposer mode the mechglue prefixes the token with the union context's OID,
// and the import goes to apx or to MIT's built-in mechanism depending on that OID (the
// interposer's special OID, or the krb5 OID after a first round: g_imp_sec_context.c,
// gssint_select_mech_type), and to MIT's alone in a process without apx. So the token is
// the one MIT's krb5_gss_import_sec_context reads, and apx reads it too
// (context_import_mit.cc).
//
// The codec knows bytes only; context_export_mit.cc fills the fields from a Context.
// Every span and view is borrowed from the caller.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/secret_bytes.h"

namespace apx::core {

// A krb5_keyblock as ser_key.c writes it; empty bytes: no such key (MIT writes nothing).
struct MitKey {
  int32_t enctype = 0;
  std::span<const uint8_t> bytes;
};

// One krb5_authdata as ser_adata.c writes it.
struct MitAuthdata {
  int32_t type = 0;
  std::span<const uint8_t> contents;
};

// The fields of MIT's krb5_gss_ctx_id_rec (gssapiP_krb5.h) that kg_ctx_externalize
// writes, in its order, and those of the krb5_context and krb5_auth_context it embeds.
struct MitExportedContext {
  // krb5_gss_ctx_id_rec: fixed part.
  bool initiate = false;
  bool have_acceptor_subkey = false;
  uint32_t gss_flags = 0;
  int32_t authtime = 0, starttime = 0, endtime = 0, renew_till = 0;
  int32_t krb_flags = 0;  // the ticket's flags
  uint64_t seq_send = 0;  // the next number this side sends
  uint64_t seq_recv = 0;  // the peer's initial number
  // Dynamic part.
  std::span<const uint8_t> mech_used;  // DER body of the mechanism OID
  std::string_view here, there;        // krb5_unparse_name text of both principals
  MitKey subkey;                       // the context key (RFC 4121 §2)
  // RFC 1964 / RFC 4757 contexts (kg_setup_keys, util_crypt.c): the token algorithms and
  // the context key again as the encryption and sequence keys (DES3 as des3-cbc-raw).
  // RFC 4121 contexts leave them unset and say proto 1.
  int32_t signalg = -1, cksum_size = 0, sealalg = -1;
  MitKey enc, seq;
  int32_t proto = 1;
  struct {
    bool do_replay = false, do_sequence = false;
    uint64_t seqmask = UINT64_MAX, base = 0, next = 0, recvmap = 0;
  } seqstate;  // util_seqstate.c's struct g_seqnum_state_st
  struct {
    int32_t clockskew = 300, kdc_default_options = 0x10, library_options = 1;
    int32_t fcc_default_format = 0x0504;
    int32_t time_offset = 0, usec_offset = 0, os_flags = 0;
    std::vector<std::string> profile_files;
  } k5;  // the krb5_context the imported context will use
  struct {
    int32_t flags = 0;
    uint32_t remote_seq = 0, local_seq = 0;
    int32_t req_cksumtype = 0;
    MitKey key, send_subkey, recv_subkey;
  } auth_context;
  int32_t cksumtype = 0;  // the context key's mandatory checksum type (RFC 3961 §4)
  MitKey acceptor_subkey;
  int32_t acceptor_subkey_cksumtype = 0;
  std::vector<MitAuthdata> authdata;  // the ticket's and authenticator's (acceptor)
};

// The token without the mechglue's OID prefix (the mechglue adds it). It holds keys: it
// is wiped when released.
[[nodiscard]] base::Result<base::SecretBytes> encode_mit_context(const MitExportedContext& c);

}  // namespace apx::core
