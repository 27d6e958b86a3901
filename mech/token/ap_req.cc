#include "token/ap_req.h"

#include "token/reader.h"

namespace apx::token {

using base::Minor;
using base::Status;

base::Result<ApReqPeek> peek_ap_req(std::span<const uint8_t> ap_req) {
  Reader outer(ap_req), app, seq, f0, f1, f2, f3, bits;
  std::span<const uint8_t> pvno, msg_type;
  // RFC 4120 §5.5.1: [APPLICATION 14] = 0x6e; SEQUENCE = 0x30; [n] = 0xa0 + n.
  if (!outer.der(0x6e, app) || !outer.at_end() || !app.der(0x30, seq) || !app.at_end())
    return Status::defective_token(Minor::kTokenTruncated);
  if (!seq.der(0xa0, f0) || !f0.der_bytes(0x02, pvno) || !seq.der(0xa1, f1) ||
      !f1.der_bytes(0x02, msg_type) || !seq.der(0xa2, f2) || !f2.der(0x03, bits))
    return Status::defective_token(Minor::kTokenFraming);
  // pvno 5, msg-type 14 (krb-ap-req).
  if (pvno.size() != 1 || pvno[0] != 5 || msg_type.size() != 1 || msg_type[0] != 14)
    return Status::defective_token(Minor::kTokenFraming);
  // BIT STRING: unused-bits octet, then at least 32 bits (RFC 4120 §5.2.8 KerberosFlags).
  uint8_t unused = 0;
  ApReqPeek out;
  if (!bits.u8(unused) || !bits.u32be(out.options))
    return Status::defective_token(Minor::kTokenFraming);
  if (!seq.der(0xa3, f3)) return Status::defective_token(Minor::kTokenFraming);
  out.ticket = f3.rest();
  return out;
}

}  // namespace apx::token
