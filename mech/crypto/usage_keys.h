// Everything derived from one base key for one key usage (RFC 3961 §5.3 Kc, Ke, Ki, or
// their RFC 8009 / RFC 6803 counterparts), derived and scheduled once, then used for any
// number of messages without allocating.
//
// Allocation: after the first message, the four IOV calls allocate nothing (proved by
// tests/unit/crypto/alloc_test.cc). The one exception is inside RAND_bytes, which refills
// the confounder pool once per 256 messages (confounder_pool.h): OpenSSL's DRBG reseeds
// itself after 2^16 requests and allocates then (3 allocations per reseed on OpenSSL 3.0).
//
// Threads: the methods are const but run OpenSSL contexts and hash states held inside, so
// one UsageKeys must be used by one thread at a time (a GSS context is not used by two
// threads at once). Distinct UsageKeys are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "base/result.h"
#include "crypto/iov.h"
#include "crypto/profile.h"

namespace apx::crypto {

class UsageKeys {
 public:
  // `base_key` must have p.key_size bytes. The derived key bytes are wiped once the
  // OpenSSL contexts and hash states hold them.
  [[nodiscard]] static base::Result<UsageKeys> derive(const Profile& p,
                                                      std::span<const uint8_t> base_key,
                                                      uint32_t usage);

  UsageKeys(UsageKeys&&) noexcept;
  UsageKeys& operator=(UsageKeys&&) noexcept;
  UsageKeys(const UsageKeys&) = delete;
  UsageKeys& operator=(const UsageKeys&) = delete;
  ~UsageKeys();

  // The IOV calls follow MIT's krb5_c_encrypt_iov / krb5_c_decrypt_iov /
  // krb5_c_make_checksum_iov: exactly one header (confounder_size bytes) and one trailer
  // (checksum_size bytes) for encryption; exactly one trailer for checksums; padding
  // buffers must be empty; data and sign_only buffers may have any size, including 0,
  // and be split anywhere. Anything else is failure(kMsgIovInvalid).

  // Fills the header with a random confounder, encrypts header and data in place with a
  // zero cipher state and writes the integrity tag to the trailer.
  [[nodiscard]] base::Status encrypt_iov(std::span<const CryptoIov> iov) const;
  // Verifies the trailer (constant-time compare) and decrypts header and data in place.
  // A tag mismatch is bad_mic(kMsgBadIntegrity) and leaves no plaintext behind: RFC 8009
  // verifies before decrypting; the other enctypes MAC the plaintext (RFC 3961 §5.3), so
  // the decrypted buffers are wiped on mismatch.
  [[nodiscard]] base::Status decrypt_iov(std::span<const CryptoIov> iov) const;
  // RFC 3961 get_mic with Kc over the header, data, sign_only and padding buffers (MIT's
  // SIGN_IOV set; GSS passes data and sign_only) in list order, into the trailer.
  [[nodiscard]] base::Status make_checksum_iov(std::span<const CryptoIov> iov) const;
  // bad_mic(kMsgBadIntegrity) when the trailer is not that checksum.
  [[nodiscard]] base::Status verify_checksum_iov(std::span<const CryptoIov> iov) const;

  [[nodiscard]] const Profile& profile() const { return *profile_; }

 private:
  struct State;
  UsageKeys(const Profile& p, std::unique_ptr<State> s);

  const Profile* profile_;
  std::unique_ptr<State> s_;
};

}  // namespace apx::crypto
