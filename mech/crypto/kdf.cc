#include "crypto/kdf.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <cstring>

#include "crypto/ossl_ptr.h"

namespace apx::crypto {
namespace {

using base::Minor;
using base::Result;
using base::SecretBytes;
using base::Status;

constexpr std::array<uint8_t, 16> kZeroBlock{};

OSSL_PARAM octets(const char* name, std::span<const uint8_t> v) {
  // OpenSSL reads from, never writes to, input parameters.
  return OSSL_PARAM_construct_octet_string(name, const_cast<uint8_t*>(v.data()), v.size());
}

OSSL_PARAM text(const char* name, const char* v) {
  return OSSL_PARAM_construct_utf8_string(name, const_cast<char*>(v), 0);
}

// The two KDF methods, fetched once per process: OpenSSL 3 fetches take a lock and a
// method-store lookup each time, and a fetched EVP_KDF is immutable and shareable. They
// stay for the life of the process (the mechglue never unloads a mechanism).
EVP_KDF* kdf_method(const char* algorithm) {
  static EVP_KDF* const krb5kdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_KRB5KDF, nullptr);
  static EVP_KDF* const kbkdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_KBKDF, nullptr);
  if (std::strcmp(algorithm, OSSL_KDF_NAME_KRB5KDF) == 0) return krb5kdf;
  if (std::strcmp(algorithm, OSSL_KDF_NAME_KBKDF) == 0) return kbkdf;
  return nullptr;
}

Result<SecretBytes> run_kdf(const char* algorithm, const OSSL_PARAM* params, size_t out_size) {
  EVP_KDF* kdf = kdf_method(algorithm);
  if (kdf == nullptr) return Status::failure(Minor::kInternal);
  KdfCtxPtr ctx(EVP_KDF_CTX_new(kdf));
  if (!ctx) return Status::no_memory();
  SecretBytes out(out_size);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1)
    return Status::failure(Minor::kInternal);
  return out;
}

}  // namespace

Result<SecretBytes> dk_rfc3961(const char* cbc_cipher, std::span<const uint8_t> key,
                               std::span<const uint8_t> constant) {
  const OSSL_PARAM params[] = {
      text(OSSL_KDF_PARAM_CIPHER, cbc_cipher),
      octets(OSSL_KDF_PARAM_KEY, key),
      octets(OSSL_KDF_PARAM_CONSTANT, constant),
      OSSL_PARAM_construct_end(),
  };
  // KRB5KDF produces exactly one key of the cipher's size, as DK does.
  return run_kdf(OSSL_KDF_NAME_KRB5KDF, params, key.size());
}

Result<SecretBytes> kdf_hmac_sha2(const char* digest, std::span<const uint8_t> key,
                                  std::span<const uint8_t> label,
                                  std::span<const uint8_t> context, size_t out_size) {
  // KBKDF's defaults are RFC 8009's encoding: a 32-bit counter first, the 0x00
  // separator, and the output length in bits as a 32-bit value last.
  OSSL_PARAM params[7] = {
      text(OSSL_KDF_PARAM_MODE, "counter"),
      text(OSSL_KDF_PARAM_MAC, OSSL_MAC_NAME_HMAC),
      text(OSSL_KDF_PARAM_DIGEST, digest),
      octets(OSSL_KDF_PARAM_KEY, key),
      octets(OSSL_KDF_PARAM_SALT, label),
      OSSL_PARAM_construct_end(),
      OSSL_PARAM_construct_end(),
  };
  if (!context.empty()) params[5] = octets(OSSL_KDF_PARAM_INFO, context);
  return run_kdf(OSSL_KDF_NAME_KBKDF, params, out_size);
}

Result<SecretBytes> kdf_feedback_cmac(const char* cbc_cipher, std::span<const uint8_t> key,
                                      std::span<const uint8_t> constant, size_t out_size) {
  const OSSL_PARAM params[] = {
      text(OSSL_KDF_PARAM_MODE, "feedback"),
      text(OSSL_KDF_PARAM_MAC, OSSL_MAC_NAME_CMAC),
      text(OSSL_KDF_PARAM_CIPHER, cbc_cipher),
      octets(OSSL_KDF_PARAM_KEY, key),
      octets(OSSL_KDF_PARAM_SALT, constant),
      // RFC 6803 §3: "K(0) = zeros" (one cipher block).
      octets(OSSL_KDF_PARAM_SEED, kZeroBlock),
      OSSL_PARAM_construct_end(),
  };
  return run_kdf(OSSL_KDF_NAME_KBKDF, params, out_size);
}

Result<SecretBytes> derive_key(const Profile& p, std::span<const uint8_t> base_key,
                               std::span<const uint8_t> constant, size_t out_size) {
  if (base_key.size() != p.key_size) return Status::failure(Minor::kInternal);
  switch (p.family) {
    case Family::kDkHmacSha1:
      if (out_size != p.key_size) return Status::failure(Minor::kInternal);
      return dk_rfc3961(p.cbc_cipher, base_key, constant);
    case Family::kKdfHmacSha2:
      return kdf_hmac_sha2(p.mac == MacAlg::kHmacSha256 ? "SHA256" : "SHA384", base_key,
                           constant, {}, out_size);
    case Family::kKdfCmac:
      return kdf_feedback_cmac(p.cbc_cipher, base_key, constant, out_size);
  }
  return Status::failure(Minor::kInternal);
}

std::array<uint8_t, 5> usage_constant(uint32_t usage, UsageKeyKind kind) {
  return {static_cast<uint8_t>(usage >> 24), static_cast<uint8_t>(usage >> 16),
          static_cast<uint8_t>(usage >> 8), static_cast<uint8_t>(usage),
          static_cast<uint8_t>(kind)};
}

Result<SecretBytes> derive_usage_key(const Profile& p, std::span<const uint8_t> base_key,
                                     uint32_t usage, UsageKeyKind kind) {
  const std::array<uint8_t, 5> constant = usage_constant(usage, kind);
  size_t size = p.key_size;
  if (kind == UsageKeyKind::kc) size = p.kc_size;
  if (kind == UsageKeyKind::ki) size = p.ki_size;
  return derive_key(p, base_key, constant, size);
}

}  // namespace apx::crypto
