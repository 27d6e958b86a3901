#include "token/iakerb.h"

#include <algorithm>

#include "token/framing.h"
#include "token/reader.h"
#include "token/writer.h"

namespace apx::token {

using base::Minor;
using base::Status;

namespace {

// X.690 tags: SEQUENCE, UTF8String, OCTET STRING, and context-specific constructed [n].
constexpr uint8_t kTagSequence = 0x30;
constexpr uint8_t kTagUtf8String = 0x0c;
constexpr uint8_t kTagOctetString = 0x04;
constexpr uint8_t context(uint8_t n) { return static_cast<uint8_t>(0xa0 + n); }

bool known_message(uint8_t tag) {
  switch (static_cast<KdcMessage>(tag)) {
    case KdcMessage::kAsReq:
    case KdcMessage::kAsRep:
    case KdcMessage::kTgsReq:
    case KdcMessage::kTgsRep:
    case KdcMessage::kKrbError:
      return true;
  }
  return false;
}

// After [1] and [2]: later fields of the extensible SEQUENCE, each a context-tagged TLV
// with a tag above [2], in order, skipped.
bool skip_extensions(Reader& seq) {
  uint8_t last = context(2);
  while (!seq.at_end()) {
    const std::span<const uint8_t> rest = seq.rest();
    const uint8_t tag = rest[0];
    if (tag <= last || tag > context(30)) return false;
    std::span<const uint8_t> ignored;
    if (!seq.der_bytes(tag, ignored)) return false;
    last = tag;
  }
  return true;
}

}  // namespace

base::Result<IakerbMessage> parse_iakerb_body(std::span<const uint8_t> body) {
  Reader r(body), seq, f1, f2;
  IakerbMessage out;
  // draft-ietf-kitten-iakerb §3: target-realm [1] UTF8String; MIT writes an OCTET STRING.
  if (!r.der(kTagSequence, seq) || !seq.der(context(1), f1) || f1.remaining() == 0)
    return Status::defective_token(Minor::kTokenFraming);
  const uint8_t realm_tag = f1.rest()[0] == kTagUtf8String ? kTagUtf8String : kTagOctetString;
  if (!f1.der_bytes(realm_tag, out.realm) || !f1.at_end())
    return Status::defective_token(Minor::kTokenFraming);
  // cookie [2] OCTET STRING OPTIONAL.
  if (!seq.at_end() && seq.rest()[0] == context(2)) {
    std::span<const uint8_t> cookie;
    if (!seq.der(context(2), f2) || !f2.der_bytes(kTagOctetString, cookie) || !f2.at_end())
      return Status::defective_token(Minor::kTokenFraming);
    out.cookie = cookie;
  }
  if (!skip_extensions(seq)) return Status::defective_token(Minor::kTokenFraming);
  // The KDC message: exactly one DER value of a type IAKERB relays.
  out.kdc_message = r.rest();
  if (out.kdc_message.empty() || !known_message(out.kdc_message[0]))
    return Status::defective_token(Minor::kTokenFraming);
  Reader msg(out.kdc_message), inner;
  if (!msg.der(out.kdc_message[0], inner) || !msg.at_end())
    return Status::defective_token(Minor::kTokenTruncated);
  out.type = static_cast<KdcMessage>(out.kdc_message[0]);
  return out;
}

std::vector<uint8_t> build_iakerb_body(std::span<const uint8_t> realm,
                                       std::optional<std::span<const uint8_t>> cookie,
                                       std::span<const uint8_t> kdc_message) {
  const size_t f1 = der_size(der_size(realm.size()));
  const size_t f2 = cookie ? der_size(der_size(cookie->size())) : 0;
  const size_t header = der_size(f1 + f2);
  std::vector<uint8_t> out(header + kdc_message.size());
  Writer w(out);
  w.der_header(kTagSequence, f1 + f2);
  w.der_header(context(1), der_size(realm.size()));
  w.der_header(kTagOctetString, realm.size());  // as MIT 1.20 (see iakerb.h)
  w.bytes(realm);
  if (cookie) {
    w.der_header(context(2), der_size(cookie->size()));
    w.der_header(kTagOctetString, cookie->size());
    w.bytes(*cookie);
  }
  w.bytes(kdc_message);
  if (!w.done()) return {};
  return out;
}

namespace {

constexpr uint8_t kTagApplication0 = 0x60;
constexpr uint8_t kTagInteger = 0x02;

// DER INTEGER contents of `v`: minimal two's complement, big-endian.
std::vector<uint8_t> integer_contents(int32_t v) {
  std::vector<uint8_t> out;
  auto u = static_cast<uint32_t>(v);
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<uint8_t>(u >> (8 * i)));
  while (out.size() > 1 && ((out[0] == 0x00 && (out[1] & 0x80) == 0) ||
                            (out[0] == 0xff && (out[1] & 0x80) != 0)))
    out.erase(out.begin());
  return out;
}

// A DER INTEGER that fits in 32 bits, minimally encoded.
bool read_int32(std::span<const uint8_t> c, int32_t& out) {
  if (c.empty() || c.size() > 4) return false;
  if (c.size() > 1 && ((c[0] == 0x00 && (c[1] & 0x80) == 0) ||
                       (c[0] == 0xff && (c[1] & 0x80) != 0)))
    return false;
  uint32_t v = (c[0] & 0x80) ? 0xffffffffu : 0;
  for (const uint8_t b : c) v = (v << 8) | b;
  out = static_cast<int32_t>(v);
  return true;
}

}  // namespace

std::vector<uint8_t> build_iakerb_token(std::span<const uint8_t> oid, bool initial,
                                        std::span<const uint8_t> body) {
  if (initial) return build_framed(oid, kTokIakerbProxy, body);
  std::vector<uint8_t> out(2 + body.size());
  Writer w(out);
  w.u16be(kTokIakerbProxy);
  w.bytes(body);
  if (!w.done()) out.clear();
  return out;
}

std::optional<std::span<const uint8_t>> iakerb_token_body(std::span<const uint8_t> oid,
                                                          bool initial,
                                                          std::span<const uint8_t> token) {
  if (!token.empty() && token[0] == kTagApplication0) {
    auto framed = parse_framed(token);
    if (!framed || framed->tok_id != kTokIakerbProxy ||
        !std::equal(framed->oid.begin(), framed->oid.end(), oid.begin(), oid.end()))
      return std::nullopt;
    return framed->body;
  }
  if (initial || token.size() < 2 || token[0] != (kTokIakerbProxy >> 8) ||
      token[1] != (kTokIakerbProxy & 0xff))
    return std::nullopt;
  return token.subspan(2);
}

base::Result<IakerbFinished> parse_iakerb_finished(std::span<const uint8_t> der) {
  Reader r(der), seq, f1, cksum, f0, fc;
  std::span<const uint8_t> type;
  IakerbFinished out;
  if (!r.der(kTagSequence, seq) || !r.at_end() || !seq.der(context(1), f1) ||
      !f1.der(kTagSequence, cksum) || !f1.at_end() || !cksum.der(context(0), f0) ||
      !f0.der_bytes(kTagInteger, type) || !f0.at_end() || !read_int32(type, out.cksumtype) ||
      !cksum.der(context(1), fc) || !fc.der_bytes(kTagOctetString, out.checksum) ||
      !fc.at_end() || !cksum.at_end())
    return Status::defective_token(Minor::kCksumExtension);
  // Later fields of the extensible SEQUENCE are skipped, as MIT's decoder skips them.
  std::span<const uint8_t> ignored;
  uint8_t last = context(1);
  while (!seq.at_end()) {
    const uint8_t tag = seq.rest()[0];
    if (tag <= last || tag > context(30) || !seq.der_bytes(tag, ignored))
      return Status::defective_token(Minor::kCksumExtension);
    last = tag;
  }
  return out;
}

std::vector<uint8_t> build_iakerb_finished(int32_t cksumtype, std::span<const uint8_t> checksum) {
  const std::vector<uint8_t> type = integer_contents(cksumtype);
  const size_t f0 = der_size(der_size(type.size()));
  const size_t fc = der_size(der_size(checksum.size()));
  const size_t ck = der_size(f0 + fc);
  std::vector<uint8_t> out(der_size(der_size(ck)));
  Writer w(out);
  w.der_header(kTagSequence, der_size(ck));
  w.der_header(context(1), ck);
  w.der_header(kTagSequence, f0 + fc);
  w.der_header(context(0), der_size(type.size()));
  w.der_header(kTagInteger, type.size());
  w.bytes(type);
  w.der_header(context(1), der_size(checksum.size()));
  w.der_header(kTagOctetString, checksum.size());
  w.bytes(checksum);
  if (!w.done()) out.clear();
  return out;
}

}  // namespace apx::token
