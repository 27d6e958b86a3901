// CBC with ciphertext stealing as Kerberos uses it (RFC 3962 §5, NIST SP 800-38A
// addendum variant CS3), over the encrypted buffers of an IOV list (header, data,
// padding, in list order) treated as one stream, in place. Only block-sized temporaries:
// the message is never copied.
#pragma once

#include <cstdint>
#include <span>

#include "base/status.h"
#include "crypto/cbc_key.h"
#include "crypto/iov.h"

namespace apx::crypto {

// `state` is the cipher state: the IV on entry, the next IV on return (the last full CBC
// output block, which CS3 places second to last). The stream must be at least one block
// (a Kerberos ciphertext always holds a confounder); a one-block stream is plain CBC.
// `key` must be an encrypting key for cts_encrypt and a decrypting one for cts_decrypt.
[[nodiscard]] base::Status cts_encrypt(CbcKey& key, std::span<const CryptoIov> iov,
                                       std::span<uint8_t, kBlockSize> state);
[[nodiscard]] base::Status cts_decrypt(CbcKey& key, std::span<const CryptoIov> iov,
                                       std::span<uint8_t, kBlockSize> state);

}  // namespace apx::crypto
