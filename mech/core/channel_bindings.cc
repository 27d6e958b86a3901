#include "core/context.h"
#include "crypto/md5.h"
#include "token/writer.h"

namespace apx::core {

base::Result<std::array<uint8_t, 16>> channel_binding_hash(gss_channel_bindings_t cb) {
  if (cb == GSS_C_NO_CHANNEL_BINDINGS) return std::array<uint8_t, 16>{};
  // RFC 4121 §4.1.1.2 (via RFC 1964 §1.1.1): each address type and every length is a
  // 4-octet little-endian integer, followed by the bytes it counts.
  const gss_buffer_desc* parts[] = {&cb->initiator_address, &cb->acceptor_address,
                                    &cb->application_data};
  size_t size = 4 + 4 + 4;
  for (const gss_buffer_desc* p : parts) {
    if (p->length > UINT32_MAX || (p->length != 0 && p->value == nullptr))
      return base::Status::bad_bindings(base::Minor::kCksumFormat);
    size += 4 + p->length;
  }
  size -= 4;  // application_data has no address type
  std::vector<uint8_t> buf(size);
  token::Writer w(buf);
  auto bytes = [](const gss_buffer_desc& b) {
    return std::span<const uint8_t>(static_cast<const uint8_t*>(b.value), b.length);
  };
  w.u32le(cb->initiator_addrtype);
  w.u32le(static_cast<uint32_t>(cb->initiator_address.length));
  w.bytes(bytes(cb->initiator_address));
  w.u32le(cb->acceptor_addrtype);
  w.u32le(static_cast<uint32_t>(cb->acceptor_address.length));
  w.bytes(bytes(cb->acceptor_address));
  w.u32le(static_cast<uint32_t>(cb->application_data.length));
  w.bytes(bytes(cb->application_data));
  if (!w.done()) return base::Status::failure(base::Minor::kInternal);
  return crypto::md5(buf);
}

}  // namespace apx::core
