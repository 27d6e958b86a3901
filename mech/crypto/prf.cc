#include "crypto/prf.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include "base/secret_bytes.h"
#include "crypto/cbc_key.h"
#include "crypto/kdf.h"
#include "crypto/mac.h"

namespace apx::crypto {

using base::Minor;
using base::Status;

namespace {

constexpr std::array<uint8_t, 3> kPrfConstant{'p', 'r', 'f'};

Status prf_aes_sha1(const Profile& p, std::span<const uint8_t> key,
                    std::span<const uint8_t> input, std::span<uint8_t> output) {
  // RFC 3962 §6: tmp1 = SHA-1(octet-string); tmp2 = tmp1 truncated to a multiple of the
  // block size (16 bytes); PRF = E(DK(protocol-key, prfconstant), tmp2, initial state).
  std::array<uint8_t, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  if (EVP_Digest(input.data(), input.size(), digest.data(), &len, EVP_sha1(), nullptr) != 1 ||
      len < kBlockSize)
    return Status::failure(Minor::kInternal);
  APX_TRY_ASSIGN(base::SecretBytes kp, derive_key(p, key, kPrfConstant, p.key_size));
  APX_TRY_ASSIGN(CbcKey cbc, CbcKey::create(p.cbc_cipher, kp.span(), CbcKey::Direction::encrypt));
  // One block: CTS is plain CBC, and with the zero initial state a single block cipher call.
  std::array<uint8_t, kBlockSize> block{};
  std::copy_n(digest.begin(), kBlockSize, block.begin());
  APX_TRY(cbc.update(block));
  std::copy(block.begin(), block.end(), output.begin());
  OPENSSL_cleanse(block.data(), block.size());
  return Status::complete();
}

Status prf_cmac(const Profile& p, std::span<const uint8_t> key, std::span<const uint8_t> input,
                std::span<uint8_t> output) {
  // RFC 6803 §6: PRF = CMAC(DK(base-key, "prf"), octet-string).
  APX_TRY_ASSIGN(base::SecretBytes kp, derive_key(p, key, kPrfConstant, p.key_size));
  APX_TRY_ASSIGN(Mac mac, Mac::create(p, kp.span()));
  APX_TRY(mac.begin());
  APX_TRY(mac.update(input));
  return mac.finish(output);
}

}  // namespace

size_t prf_size(const Profile& p) { return p.prf_size; }

Status prf(const Profile& p, std::span<const uint8_t> base_key, std::span<const uint8_t> input,
           std::span<uint8_t> output) {
  if (output.size() != p.prf_size || base_key.size() != p.key_size)
    return Status::failure(Minor::kInternal);
  switch (p.family) {
    case Family::kDkHmacSha1:
      return prf_aes_sha1(p, base_key, input, output);
    case Family::kKdfHmacSha2: {
      // RFC 8009 §5: PRF = KDF-HMAC-SHA2(input-key, "prf", octet-string, 256 or 384).
      APX_TRY_ASSIGN(base::SecretBytes out,
                     kdf_hmac_sha2(p.mac == MacAlg::kHmacSha256 ? "SHA256" : "SHA384",
                                   base_key, kPrfConstant, input, p.prf_size));
      std::copy(out.span().begin(), out.span().end(), output.begin());
      return Status::complete();
    }
    case Family::kKdfCmac:
      return prf_cmac(p, base_key, input, output);
  }
  return Status::failure(Minor::kInternal);
}

}  // namespace apx::crypto
