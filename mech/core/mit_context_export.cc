// MIT krb5 1.20's exported security context (mit_context_export.h), field by field as
// kg_ctx_externalize (src/lib/gssapi/krb5/ser_sctx.c) and the libkrb5 serializers it
// calls write it. Integers are krb5_ser_pack_int32 / _int64 (big-endian, ser_ctx.c
// krb5_ser_pack_*), except the sequence state, which MIT copies from memory.
//
//   KG_CONTEXT                                   ser_sctx.c: "Our identifier"
//   initiate, established (1), have_acceptor_subkey, seed_init (0), gss_flags   int32 each
//   seed: 16 zero octets (RFC 1964 DES only; MIT never sets it)
//   signalg, cksum_size, sealalg                 kg_setup_keys (util_crypt.c): -1, 0, -1
//                                                for RFC 4121 enctypes
//   authtime, starttime, endtime, renew_till     the ticket's krb5_ticket_times
//   krb_flags                                    the ticket's flags
//   seq_send, seq_recv                           int64 each
//   mech_used: KV5M_GSS_OID ‖ len ‖ DER body ‖ KV5M_GSS_OID        kg_oid_externalize
//   here, there: KV5M_PRINCIPAL ‖ len ‖ krb5_unparse_name text ‖ KV5M_PRINCIPAL
//                                                ser_princ.c k5_externalize_principal
//   subkey: KV5M_KEYBLOCK ‖ enctype ‖ len ‖ octets ‖ KV5M_KEYBLOCK   ser_key.c
//   enc, seq: keyblocks as subkey; absent for RFC 4121 enctypes (kg_setup_keys sets them
//             for DES3 and RC4 only)
//   seqstate: KV5M_GSS_QUEUE ‖ struct g_seqnum_state_st ‖ KV5M_GSS_QUEUE
//             (util_seqstate.c g_seqstate_externalize: a memcpy of {int do_replay;
//             int do_sequence; uint64_t seqmask, base, next, recvmap;}, host order)
//   k5_context: KV5M_CONTEXT ‖ default_realm (len ‖ text) ‖ tgs_etypes (count ‖ int32…) ‖
//             clockskew ‖ kdc_default_options ‖ library_options ‖ profile_secure ‖
//             fcc_default_format ‖ os_context ‖ profile ‖ KV5M_CONTEXT    ser_ctx.c
//     os_context: KV5M_OS_CONTEXT ‖ time_offset ‖ usec_offset ‖ os_flags ‖ KV5M_OS_CONTEXT
//     profile: PROF_MAGIC_PROFILE ‖ count ‖ (len ‖ file name)… ‖ PROF_MAGIC_PROFILE
//              (prof_init.c profile_ser_externalize)
//   auth_context: KV5M_AUTH_CONTEXT ‖ flags ‖ remote_seq ‖ local_seq ‖ req_cksumtype ‖
//             safe_cksumtype ‖ cstate (len ‖ octets) ‖ [TOKEN_KEYBLOCK key]
//             [TOKEN_LSKBLOCK send_subkey] [TOKEN_RSKBLOCK recv_subkey] ‖
//             KV5M_AUTH_CONTEXT                   ser_actx.c k5_externalize_auth_context
//   proto (0: RFC 1964, 1: RFC 4121), cksumtype, [acceptor_subkey keyblock], acceptor_subkey_cksumtype,
//   cred_rcache (0), authdata count ‖ (KV5M_AUTHDATA ‖ type ‖ len ‖ octets ‖
//   KV5M_AUTHDATA)…                              ser_adata.c k5_externalize_authdata
//   KG_CONTEXT                                   trailer
//
// What apx leaves out, and why MIT accepts it (kg_ctx_internalize and the serializers
// treat each as optional, EINVAL meaning "absent"):
// - The auth context's addresses and authenticator: MIT's mechanism never reads them
//   after establishment (only delete_sec_context frees the auth context).
// - The initiator name's authorization-data context (PAC, authentication indicators):
//   MIT writes nothing when the name has none, as for an initiator's own name. apx
//   exposes no name attributes, so the imported context shows what apx's showed.
#include "core/mit_context_export.h"

#include <krb5/krb5.h>
#include <profile.h>

#include <bit>
#include <initializer_list>

#include "token/writer.h"

namespace apx::core {

using base::Minor;
using base::Result;
using base::SecretBytes;
using base::Status;

namespace {

// gssapi_err_krb5.et: table "k5g" (base 39756032), code 8 "Bad magic number for
// krb5_gss_ctx_id_t". The generated header is private to MIT's mechanism.
constexpr int32_t kKgContext = 39756040;
// ser_actx.c's tags before each optional member of the auth context (private there).
constexpr int32_t kTokenKeyblock = 950920;
constexpr int32_t kTokenLocalSubkey = 950921;
constexpr int32_t kTokenRemoteSubkey = 950922;
constexpr size_t kSeedSize = 16;
constexpr size_t kSeqStateSize = 2 * 4 + 4 * 8;  // struct g_seqnum_state_st, LP64 or ILP32

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

void i32(token::Writer& w, int32_t v) { w.u32be(static_cast<uint32_t>(v)); }

// length (int32) ‖ octets, as MIT writes every variable field.
void counted(token::Writer& w, std::span<const uint8_t> b) {
  i32(w, static_cast<int32_t>(b.size()));
  w.bytes(b);
}

size_t wrapped_size(size_t n) { return 4 + 4 + n + 4; }  // magic ‖ len ‖ octets ‖ magic
size_t key_size(const MitKey& k) { return k.bytes.empty() ? 0 : 4 + wrapped_size(k.bytes.size()); }

// ser_key.c: KV5M_KEYBLOCK ‖ enctype ‖ length ‖ contents ‖ KV5M_KEYBLOCK.
void put_key(token::Writer& w, const MitKey& k) {
  if (k.bytes.empty()) return;
  i32(w, KV5M_KEYBLOCK);
  i32(w, k.enctype);
  counted(w, k.bytes);
  i32(w, KV5M_KEYBLOCK);
}

void put_wrapped(token::Writer& w, int32_t magic, std::span<const uint8_t> b) {
  i32(w, magic);
  counted(w, b);
  i32(w, magic);
}

// util_seqstate.c copies its struct byte for byte: two ints, then four uint64_t, in the
// host's order (the token is for processes of one host, RFC 2743 §2.2.8).
void put_host_u32(token::Writer& w, uint32_t v) {
  if constexpr (std::endian::native == std::endian::little) {
    w.u32le(v);
  } else {
    w.u32be(v);
  }
}
void put_host_u64(token::Writer& w, uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) {
    w.u32le(static_cast<uint32_t>(v));
    w.u32le(static_cast<uint32_t>(v >> 32));
  } else {
    w.u64be(v);
  }
}

size_t k5_context_size(const MitExportedContext& c) {
  size_t n = 4 + 4 + 4 + 5 * 4 + 5 * 4 + 4;  // magic, realm, etypes, 5 ints, os, trailer
  n += 3 * 4;                                 // profile magic, count, trailer
  for (const std::string& f : c.k5.profile_files) n += 4 + f.size();
  return n;
}

// ser_ctx.c k5_externalize_context. MIT's default_realm is filled lazily: empty until
// someone asks, and the importer finds it again in the same profile.
void put_k5_context(token::Writer& w, const MitExportedContext& c) {
  i32(w, KV5M_CONTEXT);
  i32(w, 0);  // default_realm: not looked up
  i32(w, 0);  // tgs_etypes: none set by the application
  i32(w, c.k5.clockskew);
  i32(w, c.k5.kdc_default_options);
  i32(w, c.k5.library_options);
  i32(w, 0);  // profile_secure: apx's contexts come from krb5_init_context
  i32(w, c.k5.fcc_default_format);
  i32(w, KV5M_OS_CONTEXT);
  i32(w, c.k5.time_offset);
  i32(w, c.k5.usec_offset);
  i32(w, c.k5.os_flags);
  i32(w, KV5M_OS_CONTEXT);
  i32(w, static_cast<int32_t>(PROF_MAGIC_PROFILE));
  i32(w, static_cast<int32_t>(c.k5.profile_files.size()));
  for (const std::string& f : c.k5.profile_files) counted(w, bytes_of(f));
  i32(w, static_cast<int32_t>(PROF_MAGIC_PROFILE));
  i32(w, KV5M_CONTEXT);
}

size_t auth_context_size(const MitExportedContext& c) {
  const auto& a = c.auth_context;
  size_t n = 4 + 5 * 4 + 4 + 4;  // magic, five ints, cstate length, trailer
  for (const MitKey* k : {&a.key, &a.send_subkey, &a.recv_subkey})
    if (!k->bytes.empty()) n += 4 + key_size(*k);  // tag ‖ keyblock
  return n;
}

// ser_actx.c k5_externalize_auth_context: the optional members each behind their tag.
void put_auth_context(token::Writer& w, const MitExportedContext& c) {
  const auto& a = c.auth_context;
  i32(w, KV5M_AUTH_CONTEXT);
  i32(w, a.flags);
  i32(w, static_cast<int32_t>(a.remote_seq));
  i32(w, static_cast<int32_t>(a.local_seq));
  i32(w, a.req_cksumtype);
  i32(w, 0);  // safe_cksumtype: KRB-SAFE is not used by GSS
  i32(w, 0);  // cstate: no KRB-PRIV cipher state
  const std::pair<int32_t, const MitKey*> keys[] = {
      {kTokenKeyblock, &a.key}, {kTokenLocalSubkey, &a.send_subkey},
      {kTokenRemoteSubkey, &a.recv_subkey}};
  for (const auto& [tag, key] : keys) {
    if (key->bytes.empty()) continue;
    i32(w, tag);
    put_key(w, *key);
  }
  i32(w, KV5M_AUTH_CONTEXT);
}

size_t token_size(const MitExportedContext& c) {
  size_t n = 4 + 5 * 4 + kSeedSize + 3 * 4 + 5 * 4 + 2 * 8;  // through seq_recv
  n += wrapped_size(c.mech_used.size()) + wrapped_size(c.here.size()) +
       wrapped_size(c.there.size());
  n += key_size(c.subkey) + key_size(c.enc) + key_size(c.seq) + 4 + kSeqStateSize + 4;
  n += k5_context_size(c) + auth_context_size(c);
  n += 4 + 4 + key_size(c.acceptor_subkey) + 4 + 4 + 4;  // proto … authdata count
  for (const MitAuthdata& ad : c.authdata) n += wrapped_size(ad.contents.size()) + 4;
  return n + 4;
}

void put_fixed(token::Writer& w, const MitExportedContext& c) {
  i32(w, kKgContext);
  i32(w, c.initiate ? 1 : 0);
  i32(w, 1);  // established: only established contexts are exported
  i32(w, c.have_acceptor_subkey ? 1 : 0);
  i32(w, 0);  // seed_init
  i32(w, static_cast<int32_t>(c.gss_flags));
  w.zeros(kSeedSize);
  i32(w, c.signalg);
  i32(w, c.cksum_size);
  i32(w, c.sealalg);
  i32(w, c.authtime);
  i32(w, c.starttime);
  i32(w, c.endtime);
  i32(w, c.renew_till);
  i32(w, c.krb_flags);
  w.u64be(c.seq_send);
  w.u64be(c.seq_recv);
}

void put_seqstate(token::Writer& w, const MitExportedContext& c) {
  i32(w, KV5M_GSS_QUEUE);
  put_host_u32(w, c.seqstate.do_replay ? 1 : 0);
  put_host_u32(w, c.seqstate.do_sequence ? 1 : 0);
  put_host_u64(w, c.seqstate.seqmask);
  put_host_u64(w, c.seqstate.base);
  put_host_u64(w, c.seqstate.next);
  put_host_u64(w, c.seqstate.recvmap);
  i32(w, KV5M_GSS_QUEUE);
}

bool fits_int32(size_t n) { return n <= INT32_MAX; }

bool fields_fit(const MitExportedContext& c) {
  bool ok = fits_int32(c.here.size()) && fits_int32(c.there.size()) &&
            fits_int32(c.mech_used.size());
  for (const MitAuthdata& ad : c.authdata) ok = ok && fits_int32(ad.contents.size());
  for (const std::string& f : c.k5.profile_files) ok = ok && fits_int32(f.size());
  return ok;
}

}  // namespace

Result<SecretBytes> encode_mit_context(const MitExportedContext& c) {
  // kg_ctx_internalize fails without the initiator's name; MIT always has both.
  if (c.here.empty() || c.there.empty() || c.subkey.bytes.empty())
    return Status::failure(Minor::kInternal);
  // MIT's lengths are signed 32-bit: a field beyond that is refused, not written wrong.
  if (!fields_fit(c)) return Status::failure(Minor::kMsgTooLarge);
  SecretBytes out(token_size(c));
  token::Writer w(out.span());
  put_fixed(w, c);
  put_wrapped(w, KV5M_GSS_OID, c.mech_used);
  put_wrapped(w, KV5M_PRINCIPAL, bytes_of(c.here));
  put_wrapped(w, KV5M_PRINCIPAL, bytes_of(c.there));
  put_key(w, c.subkey);
  put_key(w, c.enc);
  put_key(w, c.seq);
  put_seqstate(w, c);
  put_k5_context(w, c);
  put_auth_context(w, c);
  i32(w, c.proto);
  i32(w, c.cksumtype);
  put_key(w, c.acceptor_subkey);
  i32(w, c.acceptor_subkey_cksumtype);
  i32(w, 0);  // cred_rcache: no replay cache travels with the token
  i32(w, static_cast<int32_t>(c.authdata.size()));
  for (const MitAuthdata& ad : c.authdata) {
    i32(w, KV5M_AUTHDATA);
    i32(w, ad.type);
    counted(w, ad.contents);
    i32(w, KV5M_AUTHDATA);
  }
  i32(w, kKgContext);
  if (!w.done()) return Status::failure(Minor::kInternal);
  return out;
}

}  // namespace apx::core
