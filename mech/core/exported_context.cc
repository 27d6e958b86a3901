// The exported context token (exported_context.h):
//
//   "APX" 02 | role (1) | mech (1) | flags (4) | endtime (4) |
//   initiator name, acceptor name: length (4) ‖ principal text |
//   context key, acceptor subkey, session key: enctype (4) ‖ length (4) ‖ octets |
//   send seq (8) | window: base (8) ‖ next (8) ‖ map (8) ‖ replay (1) ‖ sequence (1)
// All integers big-endian.
//
// Version 1 wrote the lengths in 16 bits: a principal name of 64 KiB or more (a KDC may
// issue one; libkrb5 accepts it) was cut, and the rest of its octets were read back as the
// fields that follow, keys included. Every length is now 32 bits, and a field that does not
// fit is refused at export rather than written wrong. Version 1 tokens are refused.
#include "core/exported_context.h"

#include <algorithm>
#include <cstdint>

#include "token/reader.h"
#include "token/writer.h"

namespace apx::core {

using base::Minor;
using base::Result;
using base::SecretBytes;
using base::Status;

namespace {

constexpr uint8_t kMagic[] = {'A', 'P', 'X', 0x02};

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

constexpr size_t kMaxField = UINT32_MAX;  // a 4-octet length

// length (4) ‖ octets; the caller checked the size fits.
void put_field(token::Writer& w, std::span<const uint8_t> b) {
  w.u32be(static_cast<uint32_t>(b.size()));
  w.bytes(b);
}

bool get_field(token::Reader& r, std::span<const uint8_t>& out) {
  uint32_t len = 0;
  return r.u32be(len) && r.bytes(len, out);
}

bool get_name(token::Reader& r, std::string_view& out) {
  std::span<const uint8_t> text;
  if (!get_field(r, text)) return false;
  out = {reinterpret_cast<const char*>(text.data()), text.size()};
  return true;
}

bool get_key(token::Reader& r, ExportedKey& k) {
  uint32_t e = 0;
  if (!r.u32be(e) || !get_field(r, k.bytes)) return false;
  k.enctype = static_cast<int32_t>(e);
  return true;
}

}  // namespace

Result<SecretBytes> encode_exported_context(const ExportedContext& c) {
  const ExportedKey* const keys[] = {&c.context_key, &c.acceptor_subkey, &c.session_key};
  const std::span<const uint8_t> names[] = {bytes_of(c.initiator_name),
                                            bytes_of(c.acceptor_name)};
  size_t size = sizeof kMagic + 1 + 1 + 4 + 4 + 8 + 8 + 8 + 8 + 1 + 1;
  for (std::span<const uint8_t> n : names) {
    if (n.size() > kMaxField) return Status::failure(Minor::kMsgTooLarge);
    size += 4 + n.size();
  }
  for (const ExportedKey* k : keys) {
    if (k->bytes.size() > kMaxField) return Status::failure(Minor::kMsgTooLarge);
    size += 4 + 4 + k->bytes.size();
  }
  SecretBytes out(size);
  token::Writer w(out.span());
  w.bytes(kMagic);
  w.u8(c.initiator ? 0 : 1);
  w.u8(c.mech);
  w.u32be(c.flags);
  w.u32be(c.endtime);
  for (std::span<const uint8_t> n : names) put_field(w, n);
  for (const ExportedKey* k : keys) {
    w.u32be(static_cast<uint32_t>(k->enctype));
    put_field(w, k->bytes);
  }
  w.u64be(c.send_seq);
  w.u64be(c.window_base);
  w.u64be(c.window_next);
  w.u64be(c.window_map);
  w.u8(c.replay ? 1 : 0);
  w.u8(c.sequence ? 1 : 0);
  if (!w.done()) return Status::failure(Minor::kInternal);
  return out;
}

Result<ExportedContext> decode_exported_context(std::span<const uint8_t> token) {
  token::Reader r(token);
  ExportedContext c;
  std::span<const uint8_t> magic;
  uint8_t role = 0, replay = 0, sequence = 0;
  if (!r.bytes(sizeof kMagic, magic) || !std::equal(magic.begin(), magic.end(), kMagic) ||
      !r.u8(role) || !r.u8(c.mech) || !r.u32be(c.flags) || !r.u32be(c.endtime) || role > 1)
    return Status::defective_token(Minor::kCtxExportFormat);
  if (!get_name(r, c.initiator_name) || !get_name(r, c.acceptor_name) ||
      !get_key(r, c.context_key) || !get_key(r, c.acceptor_subkey) ||
      !get_key(r, c.session_key) || !r.u64be(c.send_seq) || !r.u64be(c.window_base) ||
      !r.u64be(c.window_next) || !r.u64be(c.window_map) || !r.u8(replay) ||
      !r.u8(sequence) || !r.at_end() || c.context_key.bytes.empty())
    return Status::defective_token(Minor::kTokenTruncated);
  c.initiator = role == 0;
  c.replay = replay != 0;
  c.sequence = sequence != 0;
  return c;
}

}  // namespace apx::core
