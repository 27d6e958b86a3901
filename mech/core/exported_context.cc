// The exported context token (exported_context.h):
//
//   "APX" 01 | role (1) | mech (1) | flags (4) | endtime (4) |
//   initiator name, acceptor name: length (2) ‖ principal text |
//   context key, acceptor subkey, session key: enctype (4) ‖ length (2) ‖ octets |
//   send seq (8) | window: base (8) ‖ next (8) ‖ map (8) ‖ replay (1) ‖ sequence (1)
// All integers big-endian.
#include "core/exported_context.h"

#include <algorithm>

#include "token/reader.h"
#include "token/writer.h"

namespace apx::core {

using base::Minor;
using base::Result;
using base::Status;

namespace {

constexpr uint8_t kMagic[] = {'A', 'P', 'X', 0x01};

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

void put_name(token::Writer& w, std::string_view text) {
  w.u16be(static_cast<uint16_t>(text.size()));
  w.bytes(bytes_of(text));
}

void put_key(token::Writer& w, const ExportedKey& k) {
  w.u32be(static_cast<uint32_t>(k.enctype));
  w.u16be(static_cast<uint16_t>(k.bytes.size()));
  w.bytes(k.bytes);
}

bool get_name(token::Reader& r, std::string_view& out) {
  uint16_t len = 0;
  std::span<const uint8_t> text;
  if (!r.u16be(len) || !r.bytes(len, text)) return false;
  out = {reinterpret_cast<const char*>(text.data()), text.size()};
  return true;
}

bool get_key(token::Reader& r, ExportedKey& k) {
  uint32_t e = 0;
  uint16_t len = 0;
  if (!r.u32be(e) || !r.u16be(len) || !r.bytes(len, k.bytes)) return false;
  k.enctype = static_cast<int32_t>(e);
  return true;
}

}  // namespace

Result<std::vector<uint8_t>> encode_exported_context(const ExportedContext& c) {
  const ExportedKey* const keys[] = {&c.context_key, &c.acceptor_subkey, &c.session_key};
  size_t size = sizeof kMagic + 1 + 1 + 4 + 4 + 2 + c.initiator_name.size() + 2 +
                c.acceptor_name.size() + 8 + 8 + 8 + 8 + 1 + 1;
  for (const ExportedKey* k : keys) size += 4 + 2 + k->bytes.size();
  std::vector<uint8_t> out(size);
  token::Writer w(out);
  w.bytes(kMagic);
  w.u8(c.initiator ? 0 : 1);
  w.u8(c.mech);
  w.u32be(c.flags);
  w.u32be(c.endtime);
  put_name(w, c.initiator_name);
  put_name(w, c.acceptor_name);
  for (const ExportedKey* k : keys) put_key(w, *k);
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
    return Status::defective_token(Minor::kTokenFraming);
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
