#include "token/rfc1964.h"

#include <algorithm>

#include "token/reader.h"
#include "token/writer.h"

namespace apx::token {

using base::Minor;
using base::Status;

namespace {

constexpr uint8_t kTagApplication0 = 0x60;
constexpr uint8_t kTagOid = 0x06;
constexpr uint16_t kFiller = 0xFFFF;

// RFC 2743 §3.1: a DER definite length, minimal, at most 4 octets.
bool read_length(Reader& r, size_t& out) {
  uint8_t first = 0;
  if (!r.u8(first)) return false;
  if (first < 0x80) {
    out = first;
    return true;
  }
  const size_t n = first & 0x7F;
  if (n == 0 || n > 4) return false;
  size_t len = 0;
  for (size_t i = 0; i < n; ++i) {
    uint8_t b = 0;
    if (!r.u8(b) || (i == 0 && b == 0)) return false;
    len = (len << 8) | b;
  }
  if (len < 0x80) return false;
  out = len;
  return true;
}

}  // namespace

size_t legacy_prefix_size(size_t oid_len, size_t inner) {
  const size_t contents = der_size(oid_len) + inner;
  return der_size(contents) - inner;
}

bool write_legacy_header(std::span<uint8_t> out, std::span<const uint8_t> oid, size_t inner,
                         uint16_t tok_id, uint16_t sgn_alg, uint16_t seal_alg) {
  if (out.size() != legacy_prefix_size(oid.size(), inner) + kLegacySignedHeaderSize)
    return false;
  Writer w(out);
  w.der_header(kTagApplication0, der_size(oid.size()) + inner);
  w.der_header(kTagOid, oid.size());
  w.bytes(oid);
  w.u16be(tok_id);
  w.u16le(sgn_alg);
  w.u16le(seal_alg);
  w.u16be(kFiller);
  return w.done();
}

base::Result<LegacyHeader> parse_legacy_header(std::span<const uint8_t> header,
                                               size_t token_size, std::span<const uint8_t> oid,
                                               uint16_t expected_tok_id, size_t cksum_size) {
  if (header.empty() || token_size == 0) return Status::defective_token(Minor::kTokenEmpty);
  Reader r(header);
  uint8_t tag = 0;
  size_t len = 0;
  if (!r.u8(tag) || tag != kTagApplication0) return Status::defective_token(Minor::kTokenFraming);
  if (!read_length(r, len)) return Status::defective_token(Minor::kTokenFraming);
  // The outer length must cover the rest of the token exactly.
  const size_t framing = header.size() - r.remaining();
  if (token_size < framing || token_size - framing != len)
    return Status::defective_token(Minor::kTokenTrailingBytes);
  std::span<const uint8_t> mech;
  if (!r.der_bytes(kTagOid, mech)) return Status::defective_token(Minor::kTokenTruncated);
  if (!std::equal(mech.begin(), mech.end(), oid.begin(), oid.end()))
    return Status::defective_token(Minor::kTokenWrongMech);
  LegacyHeader h;
  h.prefix = header.size() - r.remaining();
  uint16_t filler = 0;
  if (!r.bytes(kLegacySignedHeaderSize, h.signed_header))
    return Status::defective_token(Minor::kTokenTruncated);
  Reader s(h.signed_header);
  if (!s.u16be(h.tok_id) || !s.u16le(h.sgn_alg) || !s.u16le(h.seal_alg) || !s.u16be(filler))
    return Status::defective_token(Minor::kTokenTruncated);
  if (h.tok_id != expected_tok_id) return Status::defective_token(Minor::kTokenWrongTokId);
  // RFC 1964 §1.2.1: "Filler: Contains ff ff".
  if (filler != kFiller) return Status::defective_token(Minor::kMsgBadFiller);
  if (!r.bytes(8, h.snd_seq) || !r.bytes(cksum_size, h.cksum))
    return Status::defective_token(Minor::kTokenTruncated);
  return h;
}

}  // namespace apx::token
