#include "token/iakerb.h"

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

}  // namespace apx::token
