// The buffers of one protected message, as MIT's krb5_crypto_iov describes them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace apx::crypto {

enum class IovKind {
  header,     // the confounder (encryption); signed when present in a checksum call
  data,       // encrypted in place and signed
  sign_only,  // signed, never encrypted
  padding,    // always empty for the CTS enctypes
  trailer,    // the integrity tag (encryption) or the checksum
};

struct CryptoIov {
  IovKind kind;
  std::span<uint8_t> buf;  // borrowed from the caller
};

// MIT aead.h ENCRYPT_IOV / SIGN_IOV: header, data and padding are encrypted, in the order
// of the list; those and sign_only buffers are signed, in the order of the list.
[[nodiscard]] constexpr bool is_encrypted(IovKind k) {
  return k == IovKind::header || k == IovKind::data || k == IovKind::padding;
}
[[nodiscard]] constexpr bool is_signed(IovKind k) {
  return is_encrypted(k) || k == IovKind::sign_only;
}

}  // namespace apx::crypto
