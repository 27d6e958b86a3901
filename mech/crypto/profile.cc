#include "crypto/profile.h"

namespace apx::crypto {
namespace {

// RFC 3962 §6 (17, 18), RFC 8009 §5 and §8 (19, 20), RFC 6803 §6 (25, 26).
constexpr Profile kProfiles[] = {
    {.enctype = 17, .name = "aes128-cts-hmac-sha1-96", .key_size = 16,
     .confounder_size = 16, .checksum_size = 12, .cksumtype = 15,
     .family = Family::kDkHmacSha1, .cbc_cipher = "AES-128-CBC", .mac = MacAlg::kHmacSha1,
     .kc_size = 16, .ki_size = 16, .prf_size = 16},
    {.enctype = 18, .name = "aes256-cts-hmac-sha1-96", .key_size = 32,
     .confounder_size = 16, .checksum_size = 12, .cksumtype = 16,
     .family = Family::kDkHmacSha1, .cbc_cipher = "AES-256-CBC", .mac = MacAlg::kHmacSha1,
     .kc_size = 32, .ki_size = 32, .prf_size = 16},
    // RFC 8009 §5: Kc and Ki are 128 bits (SHA-256) or 192 bits (SHA-384), Ke the key size.
    {.enctype = 19, .name = "aes128-cts-hmac-sha256-128", .key_size = 16,
     .confounder_size = 16, .checksum_size = 16, .cksumtype = 19,
     .family = Family::kKdfHmacSha2, .cbc_cipher = "AES-128-CBC", .mac = MacAlg::kHmacSha256,
     .kc_size = 16, .ki_size = 16, .prf_size = 32},
    {.enctype = 20, .name = "aes256-cts-hmac-sha384-192", .key_size = 32,
     .confounder_size = 16, .checksum_size = 24, .cksumtype = 20,
     .family = Family::kKdfHmacSha2, .cbc_cipher = "AES-256-CBC", .mac = MacAlg::kHmacSha384,
     .kc_size = 24, .ki_size = 24, .prf_size = 48},
    {.enctype = 25, .name = "camellia128-cts-cmac", .key_size = 16,
     .confounder_size = 16, .checksum_size = 16, .cksumtype = 17,
     .family = Family::kKdfCmac, .cbc_cipher = "CAMELLIA-128-CBC", .mac = MacAlg::kCmac,
     .kc_size = 16, .ki_size = 16, .prf_size = 16},
    {.enctype = 26, .name = "camellia256-cts-cmac", .key_size = 32,
     .confounder_size = 16, .checksum_size = 16, .cksumtype = 18,
     .family = Family::kKdfCmac, .cbc_cipher = "CAMELLIA-256-CBC", .mac = MacAlg::kCmac,
     .kc_size = 32, .ki_size = 32, .prf_size = 16},
};

}  // namespace

const Profile* find_profile(int32_t enctype) {
  for (const Profile& p : kProfiles)
    if (p.enctype == enctype) return &p;
  return nullptr;
}

}  // namespace apx::crypto
