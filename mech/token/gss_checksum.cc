#include "token/gss_checksum.h"

#include <gssapi/gssapi.h>

#include <algorithm>

#include "token/reader.h"
#include "token/writer.h"

namespace apx::token {

using base::Minor;
using base::Status;

base::Result<GssChecksumHead> parse_gss_checksum_head(std::span<const uint8_t> data) {
  // MIT answers a checksum shorter than its fixed part with GSS_S_BAD_BINDINGS: the
  // bindings are the first thing it cannot read.
  if (data.size() < kGssChecksumHeadSize)
    return Status{GSS_S_BAD_BINDINGS, base::code(Minor::kCksumFormat)};
  Reader r(data);
  uint32_t lgth = 0;
  std::span<const uint8_t> bnd;
  GssChecksumHead out;
  // RFC 4121 §4.1.1: "Lgth: Number of octets in Bnd field; represented in little-endian
  // order; currently contains hex value 10 00 00 00 (16)."
  if (!r.u32le(lgth) || !r.bytes(kBindingHashSize, bnd) || !r.u32le(out.flags))
    return Status{GSS_S_BAD_BINDINGS, base::code(Minor::kCksumFormat)};
  if (lgth != kBindingHashSize) return Status::failure(Minor::kCksumFormat);
  std::copy(bnd.begin(), bnd.end(), out.bnd.begin());
  out.rest = r.rest();
  return out;
}

base::Result<GssChecksumTail> parse_gss_checksum_tail(uint32_t flags,
                                                      std::span<const uint8_t> rest) {
  Reader r(rest);
  GssChecksumTail out;
  // §4.1.1: DlgOpt = 1, Dlgth = length of the KRB_CRED that follows. Some initiators set
  // the flag without the field; MIT reads the field only when four octets or more follow,
  // and takes fewer as the start of the extensions.
  if ((flags & GSS_C_DELEG_FLAG) && r.remaining() >= 4) {
    uint16_t dlg_opt = 0, dlgth = 0;
    if (!r.u16le(dlg_opt) || !r.u16le(dlgth) || !r.bytes(dlgth, out.deleg))
      return Status::failure(Minor::kCksumFormat);
    if (dlg_opt != kDlgOptKrbCred) return Status::failure(Minor::kCksumDelegation);
    out.has_deleg = true;
  }
  // Extensions (MIT's, used by IAKERB): 4-octet big-endian type and length, then data.
  out.exts = r.rest();
  while (r.remaining() > 0) {
    uint32_t type = 0, length = 0;
    std::span<const uint8_t> data;
    if (!r.u32be(type) || !r.u32be(length) || !r.bytes(length, data))
      return Status::failure(Minor::kCksumExtension);
    // MIT keeps the last of a repeated type; so does apx.
    if (type == kExtIakerbFinished) {
      out.iakerb_finished = true;
      out.finished = data;
    }
  }
  return out;
}

std::vector<uint8_t> build_gss_checksum(std::span<const uint8_t, kBindingHashSize> bnd,
                                        uint32_t flags, std::span<const uint8_t> deleg,
                                        std::span<const uint8_t> finished) {
  const size_t size = kGssChecksumHeadSize + (deleg.empty() ? 0 : 4 + deleg.size()) +
                      (finished.empty() ? 0 : 8 + finished.size());
  if (finished.size() > 0xffffffffu) return {};
  std::vector<uint8_t> out(size);
  Writer w(out);
  w.u32le(kBindingHashSize);
  w.bytes(bnd);
  w.u32le(flags);
  if (!deleg.empty()) {
    w.u16le(kDlgOptKrbCred);
    w.u16le(static_cast<uint16_t>(deleg.size()));
    w.bytes(deleg);
  }
  if (!finished.empty()) {
    w.u32be(kExtIakerbFinished);
    w.u32be(static_cast<uint32_t>(finished.size()));
    w.bytes(finished);
  }
  if (!w.done()) out.clear();
  return out;
}

}  // namespace apx::token
