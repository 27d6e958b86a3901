#include "token/gss_checksum.h"

#include <gssapi/gssapi.h>

#include <algorithm>

#include "token/reader.h"
#include "token/writer.h"

namespace apx::token {

using base::Minor;
using base::Status;

base::Result<GssChecksum> parse_gss_checksum(std::span<const uint8_t> data) {
  Reader r(data);
  uint32_t lgth = 0;
  std::span<const uint8_t> bnd;
  GssChecksum out;
  // RFC 4121 §4.1.1: "Lgth: Number of octets in Bnd field; represented in little-endian
  // order; currently contains hex value 10 00 00 00 (16)."
  if (!r.u32le(lgth) || !r.bytes(kBindingHashSize, bnd) || !r.u32le(out.flags))
    return Status::defective_token(Minor::kCksumFormat);
  if (lgth != kBindingHashSize) return Status::defective_token(Minor::kCksumFormat);
  std::copy(bnd.begin(), bnd.end(), out.bnd.begin());
  if (out.flags & GSS_C_DELEG_FLAG) {
    // §4.1.1: DlgOpt = 1, Dlgth = length of the KRB_CRED that follows. Some initiators
    // set the flag without the field; like MIT, treat a missing field as no delegation.
    uint16_t dlg_opt = 0, dlgth = 0;
    if (r.remaining() == 0) {
      out.flags &= ~static_cast<uint32_t>(GSS_C_DELEG_FLAG);
    } else {
      if (!r.u16le(dlg_opt) || !r.u16le(dlgth) || dlg_opt != 1 || !r.bytes(dlgth, out.deleg))
        return Status::defective_token(Minor::kCksumDelegation);
    }
  }
  out.exts = r.rest();
  return out;
}

std::vector<uint8_t> build_gss_checksum(std::span<const uint8_t, kBindingHashSize> bnd,
                                        uint32_t flags, std::span<const uint8_t> deleg) {
  const size_t size = 4 + kBindingHashSize + 4 + (deleg.empty() ? 0 : 4 + deleg.size());
  std::vector<uint8_t> out(size);
  Writer w(out);
  w.u32le(kBindingHashSize);
  w.bytes(bnd);
  w.u32le(flags);
  if (!deleg.empty()) {
    w.u16le(1);
    w.u16le(static_cast<uint16_t>(deleg.size()));
    w.bytes(deleg);
  }
  if (!w.done()) out.clear();
  return out;
}

}  // namespace apx::token
