// gss_export_sec_context / gss_import_sec_context: a Context to and from the token of
// exported_context.h.
#include "core/context.h"
#include "core/exported_context.h"
#include "core/oids.h"
#include "crypto/legacy_keys.h"
#include "crypto/profile.h"

namespace apx::core {

using base::Minor;
using base::Result;
using base::Status;

namespace {

const gss_OID_desc* const kMechs[] = {&kMechKrb5, &kMechKrb5Ms, &kMechKrb5Old, &kMechApx};

std::string_view name_text(const std::optional<Name>& n) {
  return n ? std::string_view(n->display()) : std::string_view();
}

// A key of an enctype apx protects messages with must have that enctype's size: the token
// is read like any untrusted input.
bool key_fits(const ExportedKey& k) {
  const crypto::Profile* p = crypto::find_profile(k.enctype);
  return k.bytes.empty() || p == nullptr || k.bytes.size() == p->key_size;
}

bool get_name(std::string_view text, std::optional<Name>& out) {
  if (text.empty()) return true;
  auto n = Name::import({reinterpret_cast<const uint8_t*>(text.data()), text.size()},
                        &kNtKrb5Principal);
  if (!n) return false;
  out = std::move(*n);
  return true;
}

}  // namespace

Result<base::SecretBytes> Context::export_token() const {
  if (!protection_) return Status::no_context(Minor::kCtxIncomplete);
  // Interposer mode: MIT's layout, which MIT's mechanism imports where apx is not loaded
  // and apx imports where it is (context_import_mit.cc).
  if (mech_ != &kMechApx) return export_mit_token();
  const Protection& p = *protection_;
  ExportedContext c;
  c.initiator = role_ == Role::kInitiator;
  while (c.mech < std::size(kMechs) && kMechs[c.mech] != mech_) ++c.mech;
  c.flags = flags_;
  c.endtime = static_cast<uint32_t>(endtime_);
  c.initiator_name = name_text(initiator_name_);
  c.acceptor_name = name_text(acceptor_name_);
  c.context_key = {p.context_enctype(), p.context_key()};
  c.acceptor_subkey = {p.acceptor_enctype(), p.acceptor_key()};
  if (session_key_)
    c.session_key = {session_key_->enctype, {session_key_->contents, session_key_->length}};
  const SeqWindow& win = p.recv_window();
  c.send_seq = p.send_seq();
  c.window_base = win.base();
  c.window_next = win.next_relative();
  c.window_map = win.received_map();
  c.replay = win.do_replay();
  c.sequence = win.do_sequence();
  return encode_exported_context(c);
}

Result<std::unique_ptr<Context>> Context::import_token(std::span<const uint8_t> token) {
  if (is_mit_token(token)) return import_mit_token(token);
  APX_TRY_ASSIGN(const ExportedContext c, decode_exported_context(token));
  if (c.mech >= std::size(kMechs) || !key_fits(c.context_key) || !key_fits(c.acceptor_subkey))
    return Status::defective_token(Minor::kCtxExportFormat);
  APX_TRY_ASSIGN(k5::Context k5, k5::Context::create());
  std::unique_ptr<Context> ctx(
      new Context(std::move(k5), c.initiator ? Role::kInitiator : Role::kAcceptor));
  if (!get_name(c.initiator_name, ctx->initiator_name_) ||
      !get_name(c.acceptor_name, ctx->acceptor_name_))
    return Status::defective_token(Minor::kTokenTruncated);
  ctx->mech_ = kMechs[c.mech];
  ctx->flags_ = c.flags;
  ctx->endtime_ = static_cast<krb5_timestamp>(c.endtime);
  ctx->state_ = State::kEstablished;
  if (!c.session_key.bytes.empty()) {
    krb5_keyblock* kb = nullptr;
    if (krb5_init_keyblock(ctx->k5_.get(), c.session_key.enctype, c.session_key.bytes.size(),
                           &kb) != 0)
      return Status::no_memory();
    std::copy(c.session_key.bytes.begin(), c.session_key.bytes.end(), kb->contents);
    ctx->session_key_ = ctx->k5_.own<krb5_keyblock, krb5_free_keyblock>(kb);
  }
  const ProtectionKeys pk{c.context_key.bytes, c.context_key.enctype, c.acceptor_subkey.bytes,
                          c.acceptor_subkey.enctype, oid_bytes(*ctx->mech_)};
  // RFC 1964 contexts (DES3, RC4) count 32-bit sequence numbers.
  const bool wide = !crypto::is_legacy_enctype(
      c.acceptor_subkey.bytes.empty() ? c.context_key.enctype : c.acceptor_subkey.enctype);
  const SeqWindow window = SeqWindow::restore(c.window_base, c.window_next, c.window_map,
                                              c.replay, c.sequence, wide);
  ctx->protection_ = std::make_unique<Protection>(c.initiator, c.flags, pk, c.send_seq, window);
  return ctx;
}

}  // namespace apx::core
