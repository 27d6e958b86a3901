// The interprocess token of gss_export_sec_context: apx's own layout, versioned, read back
// with the same bounded Reader as any untrusted input.
//
//   "APX" 01 | role (1) | mech (1) | flags (4) | endtime (4) |
//   initiator name, acceptor name: length (2) ‖ principal text |
//   context key, acceptor subkey, session key: enctype (4) ‖ length (2) ‖ octets |
//   send seq (8) | window: base (8) ‖ next (8) ‖ map (8) ‖ replay (1) ‖ sequence (1)
// All integers big-endian.
#include "core/context.h"
#include "core/oids.h"
#include "token/reader.h"
#include "token/writer.h"

namespace apx::core {

using base::Minor;
using base::Result;
using base::Status;

namespace {

constexpr uint8_t kMagic[] = {'A', 'P', 'X', 0x01};
const gss_OID_desc* const kMechs[] = {&kMechKrb5, &kMechKrb5Ms, &kMechKrb5Old, &kMechApx};

struct Key {
  int32_t enctype = 0;
  std::span<const uint8_t> bytes;
};

size_t name_size(const std::optional<Name>& n) { return 2 + (n ? n->display().size() : 0); }

void put_name(token::Writer& w, const std::optional<Name>& n) {
  const std::string text = n ? n->display() : std::string();
  w.u16be(static_cast<uint16_t>(text.size()));
  w.bytes({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

void put_key(token::Writer& w, const Key& k) {
  w.u32be(static_cast<uint32_t>(k.enctype));
  w.u16be(static_cast<uint16_t>(k.bytes.size()));
  w.bytes(k.bytes);
}

bool get_name(token::Reader& r, std::optional<Name>& out) {
  uint16_t len = 0;
  std::span<const uint8_t> text;
  if (!r.u16be(len) || !r.bytes(len, text)) return false;
  if (len == 0) return true;
  auto n = Name::import(text, &kNtKrb5Principal);
  if (!n) return false;
  out = std::move(*n);
  return true;
}

bool get_key(token::Reader& r, Key& k) {
  uint32_t e = 0;
  uint16_t len = 0;
  if (!r.u32be(e) || !r.u16be(len) || !r.bytes(len, k.bytes)) return false;
  k.enctype = static_cast<int32_t>(e);
  return true;
}

}  // namespace

Result<std::vector<uint8_t>> Context::export_token() const {
  if (!protection_) return Status::no_context(Minor::kCtxIncomplete);
  const Protection& p = *protection_;
  const Key keys[] = {{p.context_enctype(), p.context_key()},
                      {p.acceptor_enctype(), p.acceptor_key()},
                      {session_key_ ? session_key_->enctype : 0,
                       session_key_ ? std::span<const uint8_t>(session_key_->contents,
                                                               session_key_->length)
                                    : std::span<const uint8_t>()}};
  size_t size = sizeof kMagic + 1 + 1 + 4 + 4 + name_size(initiator_name_) +
                name_size(acceptor_name_) + 8 + 8 + 8 + 8 + 1 + 1;
  for (const Key& k : keys) size += 4 + 2 + k.bytes.size();
  uint8_t mech = 0;
  while (mech < std::size(kMechs) && kMechs[mech] != mech_) ++mech;
  std::vector<uint8_t> out(size);
  token::Writer w(out);
  w.bytes(kMagic);
  w.u8(role_ == Role::kInitiator ? 0 : 1);
  w.u8(mech);
  w.u32be(flags_);
  w.u32be(static_cast<uint32_t>(endtime_));
  put_name(w, initiator_name_);
  put_name(w, acceptor_name_);
  for (const Key& k : keys) put_key(w, k);
  const SeqWindow& win = p.recv_window();
  w.u64be(p.send_seq());
  w.u64be(win.base());
  w.u64be(win.next_relative());
  w.u64be(win.received_map());
  w.u8(win.do_replay() ? 1 : 0);
  w.u8(win.do_sequence() ? 1 : 0);
  if (!w.done()) return Status::failure(Minor::kInternal);
  return out;
}

Result<std::unique_ptr<Context>> Context::import_token(std::span<const uint8_t> token) {
  token::Reader r(token);
  std::span<const uint8_t> magic;
  uint8_t role = 0, mech = 0, replay = 0, sequence = 0;
  uint32_t flags = 0, endtime = 0;
  if (!r.bytes(sizeof kMagic, magic) || !std::equal(magic.begin(), magic.end(), kMagic) ||
      !r.u8(role) || !r.u8(mech) || !r.u32be(flags) || !r.u32be(endtime) || role > 1 ||
      mech >= std::size(kMechs))
    return Status::defective_token(Minor::kTokenFraming);
  APX_TRY_ASSIGN(k5::Context k5, k5::Context::create());
  std::unique_ptr<Context> ctx(new Context(std::move(k5), role == 0 ? Role::kInitiator
                                                                    : Role::kAcceptor));
  Key keys[3];
  uint64_t send = 0, base = 0, next = 0, map = 0;
  if (!get_name(r, ctx->initiator_name_) || !get_name(r, ctx->acceptor_name_) ||
      !get_key(r, keys[0]) || !get_key(r, keys[1]) || !get_key(r, keys[2]) || !r.u64be(send) ||
      !r.u64be(base) || !r.u64be(next) || !r.u64be(map) || !r.u8(replay) || !r.u8(sequence) ||
      !r.at_end() || keys[0].bytes.empty())
    return Status::defective_token(Minor::kTokenTruncated);
  ctx->mech_ = kMechs[mech];
  ctx->flags_ = flags;
  ctx->endtime_ = static_cast<krb5_timestamp>(endtime);
  ctx->state_ = State::kEstablished;
  if (!keys[2].bytes.empty()) {
    krb5_keyblock* kb = nullptr;
    if (krb5_init_keyblock(ctx->k5_.get(), keys[2].enctype, keys[2].bytes.size(), &kb) != 0)
      return Status::no_memory();
    std::copy(keys[2].bytes.begin(), keys[2].bytes.end(), kb->contents);
    ctx->session_key_ = ctx->k5_.own<krb5_keyblock, krb5_free_keyblock>(kb);
  }
  ProtectionKeys pk{keys[0].bytes, keys[0].enctype, keys[1].bytes, keys[1].enctype};
  const SeqWindow window = SeqWindow::restore(base, next, map, replay != 0, sequence != 0, true);
  ctx->protection_ = std::make_unique<Protection>(role == 0, flags, pk, send, window);
  return ctx;
}

}  // namespace apx::core
