// gss_import_sec_context of a token in the layout MIT krb5 1.20's own mechanism exports
// (kg_ctx_externalize, src/lib/gssapi/krb5/ser_sctx.c; the fields are listed in
// mit_context_export.cc). Two writers make such tokens: apx itself as the interposer
// (export_mit_token), and MIT's mechanism in a process where apx is not loaded. With apx
// as the interposer the mechglue hands every krb5 import to apx, so apx reads both.
//
// apx reads the fixed fields itself; the structures MIT serialises with libkrb5's own
// code (principals, keyblocks, the krb5_context, the auth context, authorization data)
// are read back with libkrb5's internalizers, exported for MIT's mechanism, so every
// optional member MIT may have written (addresses, the authenticator, name attributes) is
// understood exactly as MIT understands it.
#include <krb5/krb5.h>
#include <profile.h>

#include <bit>
#include <cstdlib>
#include <cstring>

#include "core/context.h"
#include "core/oids.h"
#include "crypto/legacy_keys.h"
#include "crypto/profile.h"

// Exported by MIT's libkrb5 (libkrb5.exports) for its GSS mechanism, without public
// prototypes. Each reads one structure at *buffer and advances it; EINVAL when the next
// octets are not that structure (MIT's "absent").
extern "C" {
krb5_error_code k5_internalize_principal(krb5_principal* out, krb5_octet** buffer,
                                         size_t* remain);
krb5_error_code k5_internalize_keyblock(krb5_keyblock** out, krb5_octet** buffer,
                                        size_t* remain);
krb5_error_code k5_internalize_context(krb5_context* out, krb5_octet** buffer, size_t* remain);
krb5_error_code k5_internalize_auth_context(krb5_auth_context* out, krb5_octet** buffer,
                                            size_t* remain);
krb5_error_code k5_internalize_authdata(krb5_authdata** out, krb5_octet** buffer,
                                        size_t* remain);
struct _krb5_authdata_context;
krb5_error_code k5_internalize_authdata_context(krb5_context ctx,
                                                _krb5_authdata_context** out,
                                                krb5_octet** buffer, size_t* remain);
void krb5_authdata_context_free(krb5_context ctx, _krb5_authdata_context* adc);
}

namespace apx::core {

using base::Minor;
using base::Result;
using base::Status;

namespace {

constexpr int32_t kKgContext = 39756040;  // gssapi_err_krb5.et KG_CONTEXT
constexpr size_t kSeedSize = 16;
constexpr int32_t kMaxAuthdata = 4096;  // far above any real ticket's

// A cursor over the token in the form libkrb5's internalizers take.
struct Cursor {
  krb5_octet* p;
  size_t remain;
  bool ok = true;

  bool i32(int32_t& out) {
    if (!ok || remain < 4) return ok = false;
    out = static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                               (uint32_t{p[2]} << 8) | uint32_t{p[3]});
    p += 4;
    remain -= 4;
    return true;
  }
  bool i64(uint64_t& out) {
    int32_t hi = 0, lo = 0;
    if (!i32(hi) || !i32(lo)) return false;
    out = (uint64_t{static_cast<uint32_t>(hi)} << 32) | static_cast<uint32_t>(lo);
    return true;
  }
  bool peek_is(int32_t magic) const {
    Cursor c = *this;
    int32_t v = 0;
    return c.i32(v) && v == magic;
  }
  bool skip(size_t n) {
    if (!ok || remain < n) return ok = false;
    p += n;
    remain -= n;
    return true;
  }
  // A libkrb5 internalizer; `optional`: EINVAL means absent, as kg_ctx_internalize reads.
  template <typename F>
  bool call(F&& f, bool optional) {
    if (!ok) return false;
    const krb5_error_code code = f(&p, &remain);
    if (code == 0 || (optional && code == EINVAL)) return true;
    return ok = false;
  }
};

// MIT 1.20's profile_ser_internalize (prof_init.c) copies each profile file name without
// checking that its length fits in what is left, so the krb5_context part is walked here
// first, every length checked, before libkrb5 reads it (ser_ctx.c's layout: default realm,
// TGS enctypes, five integers, then an optional OS context and an optional profile).
bool k5_context_fits(Cursor c) {
  int32_t magic = 0, n = 0, v = 0;
  auto counted = [&c](size_t unit) {
    int32_t len = 0;
    if (!c.i32(len) || len < 0 || static_cast<size_t>(len) > c.remain / unit) return false;
    return c.skip(static_cast<size_t>(len) * unit);
  };
  if (!c.i32(magic) || magic != KV5M_CONTEXT || !counted(1) || !counted(4)) return false;
  for (int i = 0; i < 5; ++i)
    if (!c.i32(v)) return false;
  if (c.peek_is(KV5M_OS_CONTEXT) && !c.skip(5 * 4)) return false;
  if (!c.peek_is(static_cast<int32_t>(PROF_MAGIC_PROFILE))) return true;
  if (!c.i32(magic) || !c.i32(n) || n < 0) return false;
  for (int32_t i = 0; i < n; ++i)
    if (!counted(1)) return false;
  return true;
}

// util_seqstate.c's struct, copied from memory in the exporting host's order.
struct SeqState {
  uint32_t do_replay = 0, do_sequence = 0;
  uint64_t seqmask = 0, base = 0, next = 0, recvmap = 0;
};

bool read_seqstate(Cursor& c, SeqState& s) {
  if (!c.peek_is(KV5M_GSS_QUEUE)) return true;  // absent: no replay or sequence checks
  int32_t magic = 0;
  constexpr size_t kSize = 2 * 4 + 4 * 8;
  if (!c.i32(magic) || c.remain < kSize) return c.ok = false;
  auto host32 = [&](uint32_t& v) {
    std::memcpy(&v, c.p, 4);
    c.p += 4;
    c.remain -= 4;
  };
  auto host64 = [&](uint64_t& v) {
    std::memcpy(&v, c.p, 8);
    c.p += 8;
    c.remain -= 8;
  };
  host32(s.do_replay);
  host32(s.do_sequence);
  host64(s.seqmask);
  host64(s.base);
  host64(s.next);
  host64(s.recvmap);
  return c.i32(magic) && magic == KV5M_GSS_QUEUE;
}

// The mechanism OID kg_oid_internalize reads: magic ‖ length ‖ DER body ‖ magic.
const gss_OID_desc* read_mech(Cursor& c) {
  if (!c.peek_is(KV5M_GSS_OID)) return &kMechKrb5;  // absent: MIT assumes krb5
  int32_t magic = 0, len = 0;
  if (!c.i32(magic) || !c.i32(len) || len < 0 || static_cast<size_t>(len) > c.remain) {
    c.ok = false;
    return nullptr;
  }
  const std::span<const uint8_t> body(c.p, static_cast<size_t>(len));
  c.skip(static_cast<size_t>(len));
  if (!c.i32(magic) || magic != KV5M_GSS_OID) return nullptr;
  // MIT's IAKERB mechanism exports its inner krb5 context with the IAKERB OID as mech_used.
  for (const gss_OID_desc* m : {&kMechKrb5, &kMechKrb5Ms, &kMechKrb5Old, &kMechIakerb}) {
    if (m->length == body.size() && std::memcmp(m->elements, body.data(), body.size()) == 0)
      return m;
  }
  return nullptr;
}

// A key apx can protect messages with, of the size its enctype needs.
bool usable_key(const krb5_keyblock* k) {
  if (k == nullptr) return false;
  if (crypto::is_legacy_enctype(k->enctype)) return k->length > 0;
  const crypto::Profile* p = crypto::find_profile(k->enctype);
  return p != nullptr && k->length == p->key_size;
}

}  // namespace

bool Context::is_mit_token(std::span<const uint8_t> token) {
  return token.size() >= 4 && token[0] == 0x02 && token[1] == 0x5e && token[2] == 0xa1 &&
         token[3] == 0x08;
}

Result<std::unique_ptr<Context>> Context::import_mit_token(std::span<const uint8_t> token) {
  static_assert(kKgContext == 0x025ea108);
  APX_TRY_ASSIGN(k5::Context k5, k5::Context::create());
  krb5_context kc = k5.get();
  Cursor c{const_cast<krb5_octet*>(token.data()), token.size()};
  int32_t magic = 0, initiate = 0, established = 0, have_asubkey = 0, seed_init = 0, flags = 0;
  int32_t signalg = 0, cksum_size = 0, sealalg = 0;
  int32_t times[4] = {}, krb_flags = 0;
  uint64_t seq_send = 0, seq_recv = 0;
  bool fixed = c.i32(magic) && magic == kKgContext && c.i32(initiate) && c.i32(established) &&
               c.i32(have_asubkey) && c.i32(seed_init) && c.i32(flags) && c.skip(kSeedSize) &&
               c.i32(signalg) && c.i32(cksum_size) && c.i32(sealalg);
  for (int32_t& t : times) fixed = fixed && c.i32(t);
  fixed = fixed && c.i32(krb_flags) && c.i64(seq_send) && c.i64(seq_recv);
  if (!fixed || established == 0) return Status::defective_token(Minor::kCtxExportFormat);
  const gss_OID_desc* mech = read_mech(c);
  if (mech == nullptr) return Status::defective_token(Minor::kCtxExportFormat);

  krb5_principal here = nullptr, there = nullptr;
  krb5_keyblock *subkey = nullptr, *enc = nullptr, *seq = nullptr, *asubkey = nullptr;
  krb5_context inner = nullptr;
  krb5_auth_context ac = nullptr;
  _krb5_authdata_context* adc = nullptr;
  krb5_authdata** authdata = nullptr;  // calloc'd, null-terminated: krb5_free_authdata's
  // Everything libkrb5 allocated is released on every path.
  struct Release {
    krb5_context kc;
    krb5_principal* here;
    krb5_principal* there;
    krb5_keyblock** keys[4];
    krb5_context* inner;
    krb5_auth_context* ac;
    _krb5_authdata_context** adc;
    krb5_authdata*** authdata;
    ~Release() {
      krb5_free_principal(kc, *here);
      krb5_free_principal(kc, *there);
      for (krb5_keyblock** k : keys) krb5_free_keyblock(kc, *k);
      if (*ac != nullptr) krb5_auth_con_free(kc, *ac);
      if (*adc != nullptr) krb5_authdata_context_free(kc, *adc);
      krb5_free_authdata(kc, *authdata);
      if (*inner != nullptr) krb5_free_context(*inner);
    }
  } release{kc, &here, &there, {&subkey, &enc, &seq, &asubkey}, &inner, &ac, &adc, &authdata};

  auto key = [](krb5_keyblock** out) {
    return [out](krb5_octet** b, size_t* r) { return k5_internalize_keyblock(out, b, r); };
  };
  c.call([&](krb5_octet** b, size_t* r) { return k5_internalize_principal(&here, b, r); }, true);
  c.call([&](krb5_octet** b, size_t* r) { return k5_internalize_principal(&there, b, r); }, true);
  c.call(key(&subkey), true);
  c.call(key(&enc), true);
  c.call(key(&seq), true);
  SeqState ss;
  read_seqstate(c, ss);
  if (!k5_context_fits(c)) return Status::defective_token(Minor::kCtxExportFormat);
  c.call([&](krb5_octet** b, size_t* r) { return k5_internalize_context(&inner, b, r); }, false);
  c.call([&](krb5_octet** b, size_t* r) { return k5_internalize_auth_context(&ac, b, r); },
         false);
  int32_t proto = 0, cksumtype = 0, acksumtype = 0, cred_rcache = 0, nadata = 0;
  c.i32(proto) && c.i32(cksumtype);
  c.call(key(&asubkey), true);
  c.i32(acksumtype) && c.i32(cred_rcache) && c.i32(nadata);
  if (!c.ok || nadata < 0 || nadata > kMaxAuthdata)
    return Status::defective_token(Minor::kCtxExportFormat);
  authdata = static_cast<krb5_authdata**>(calloc(static_cast<size_t>(nadata) + 1,
                                                  sizeof(krb5_authdata*)));
  if (authdata == nullptr) return Status::no_memory();
  for (int32_t i = 0; c.ok && i < nadata; ++i) {
    c.call([&](krb5_octet** b, size_t* r) { return k5_internalize_authdata(&authdata[i], b, r); },
           false);
  }
  c.call([&](krb5_octet** b, size_t* r) {
    return k5_internalize_authdata_context(kc, &adc, b, r);
  }, true);
  if (!c.i32(magic) || magic != kKgContext || c.remain != 0 || here == nullptr ||
      there == nullptr)
    return Status::defective_token(Minor::kCtxExportFormat);
  if (!usable_key(subkey) || (have_asubkey != 0 && !usable_key(asubkey)))
    return Status::unavailable(Minor::kEnctypeUnsupported);

  const bool init = initiate != 0;
  std::unique_ptr<Context> ctx(new Context(std::move(k5), init ? Role::kInitiator : Role::kAcceptor));
  APX_TRY_ASSIGN(Name here_name, Name::from_principal(ctx->k5_, here));
  APX_TRY_ASSIGN(Name there_name, Name::from_principal(ctx->k5_, there));
  ctx->initiator_name_ = init ? here_name : there_name;
  ctx->acceptor_name_ = init ? there_name : here_name;
  ctx->mech_ = mech;
  ctx->flags_ = static_cast<OM_uint32>(flags);
  ctx->authtime_ = times[0];
  ctx->starttime_ = times[1];
  ctx->endtime_ = times[2];
  ctx->renew_till_ = times[3];
  ctx->ticket_flags_ = krb_flags;
  ctx->state_ = State::kEstablished;
  ctx->send_seq_ = seq_send;
  ctx->recv_seq_ = seq_recv;
  // The auth context carries the ticket's session key and, for a later export, the
  // sequence numbers; apx keeps it as its own would be after establishment.
  krb5_keyblock* session = nullptr;
  if (krb5_auth_con_getkey(ctx->k5_.get(), ac, &session) == 0 && session != nullptr)
    ctx->session_key_ = ctx->k5_.own<krb5_keyblock, krb5_free_keyblock>(session);
  ctx->ac_ = ctx->k5_.own<_krb5_auth_context, krb5_auth_con_free>(ac);
  ac = nullptr;

  const bool asub = have_asubkey != 0;
  const ProtectionKeys pk{{subkey->contents, subkey->length}, subkey->enctype,
                          asub ? std::span<const uint8_t>(asubkey->contents, asubkey->length)
                               : std::span<const uint8_t>(),
                          asub ? asubkey->enctype : 0, oid_bytes(*mech)};
  const bool wide = ss.seqmask == UINT64_MAX;
  const SeqWindow window = SeqWindow::restore(ss.base, ss.next, ss.recvmap, ss.do_replay != 0,
                                              ss.do_sequence != 0, wide);
  ctx->protection_ =
      std::make_unique<Protection>(init, ctx->flags_, pk, seq_send, window);
  return ctx;
}

}  // namespace apx::core
