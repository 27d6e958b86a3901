#include "token/framing.h"

#include "token/reader.h"
#include "token/writer.h"

namespace apx::token {

using base::Minor;
using base::Status;

namespace {
constexpr uint8_t kTagApplication0 = 0x60;  // [APPLICATION 0] constructed
constexpr uint8_t kTagOid = 0x06;
}  // namespace

base::Result<Framed> parse_framed(std::span<const uint8_t> token) {
  if (token.empty()) return Status::defective_token(Minor::kTokenEmpty);
  Reader outer(token);
  Reader inner;
  if (token[0] != kTagApplication0) return Status::defective_token(Minor::kTokenFraming);
  if (!outer.der(kTagApplication0, inner)) return Status::defective_token(Minor::kTokenTruncated);
  if (!outer.at_end()) return Status::defective_token(Minor::kTokenTrailingBytes);
  Framed f;
  if (!inner.der_bytes(kTagOid, f.oid) || f.oid.empty())
    return Status::defective_token(Minor::kTokenFraming);
  if (!inner.u16be(f.tok_id)) return Status::defective_token(Minor::kTokenTruncated);
  f.body = inner.rest();
  return f;
}

size_t framed_size(size_t oid_len, size_t body_len) {
  return der_size(der_size(oid_len) + 2 + body_len);
}

std::vector<uint8_t> build_framed(std::span<const uint8_t> oid, uint16_t tok_id,
                                  std::span<const uint8_t> body) {
  std::vector<uint8_t> out(framed_size(oid.size(), body.size()));
  Writer w(out);
  w.der_header(kTagApplication0, der_size(oid.size()) + 2 + body.size());
  w.der_header(kTagOid, oid.size());
  w.bytes(oid);
  w.u16be(tok_id);
  w.bytes(body);
  if (!w.done()) out.clear();  // unreachable: sizes computed above
  return out;
}

}  // namespace apx::token
