// gss_inquire_sec_context_by_oid (the krb5 queries applications make on established
// contexts) and gss_pseudo_random (RFC 4402).
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <openssl/crypto.h>

#include <cstdlib>
#include <cstring>
#include <span>

#include "core/oids.h"
#include "crypto/profile.h"
#include "spi/abi.h"
#include "token/rfc1964.h"

using apx::base::Minor;
using apx::base::Result;
using apx::base::Status;
using apx::core::Context;
using apx::core::Protection;
using namespace apx::spi;

namespace {

// MIT's prefix for the enctype OID that comes with the session key: .4.<enctype>.
constexpr uint8_t kEnctypeOidPrefix[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x04};

bool has_prefix(gss_const_OID oid, const gss_OID_desc& prefix, size_t extra) {
  return oid != GSS_C_NO_OID && oid->length == prefix.length + extra &&
         std::memcmp(oid->elements, prefix.elements, prefix.length) == 0;
}

// GET_SEC_CONTEXT_SASL_SSF: the key's strength in bits, 4 octets big-endian (Cyrus SASL).
// The values of libk5crypto's enctype table: the key size for RFC 3961/8009 enctypes,
// 112 for triple DES and 64 for RC4, whose strength MIT counts as degraded.
Status sasl_ssf(const Protection& p, gss_buffer_set_t* out) {
  const int32_t enctype = p.protection_enctype();
  const apx::crypto::Profile* prof = apx::crypto::find_profile(enctype);
  uint32_t ssf = prof ? static_cast<uint32_t>(prof->key_size * 8) : 0;
  if (enctype == ENCTYPE_DES3_CBC_SHA1 || enctype == ENCTYPE_DES3_CBC_RAW) ssf = 112;
  if (enctype == ENCTYPE_ARCFOUR_HMAC || enctype == ENCTYPE_ARCFOUR_HMAC_EXP) ssf = 64;
  if (ssf == 0) return Status::failure(Minor::kEnctypeUnsupported);
  const uint8_t be[4] = {static_cast<uint8_t>(ssf >> 24), static_cast<uint8_t>(ssf >> 16),
                         static_cast<uint8_t>(ssf >> 8), static_cast<uint8_t>(ssf)};
  return add_to_buffer_set(out, be);
}

// GSS_C_INQ_SSPI_SESSION_KEY: the protection key, then its enctype as OID .4.<enctype>.
Status session_key(const Protection& p, gss_buffer_set_t* out) {
  APX_TRY(add_to_buffer_set(out, p.protection_key()));
  uint8_t oid[sizeof kEnctypeOidPrefix + 5];
  std::memcpy(oid, kEnctypeOidPrefix, sizeof kEnctypeOidPrefix);
  size_t n = sizeof kEnctypeOidPrefix;
  const uint32_t e = static_cast<uint32_t>(p.protection_enctype());
  uint8_t arc[5];
  size_t k = 0;
  for (uint32_t v = e;; v >>= 7) {
    arc[k++] = static_cast<uint8_t>(v & 0x7f);
    if (v < 0x80) break;
  }
  while (k > 0) {
    --k;
    oid[n++] = static_cast<uint8_t>(arc[k] | (k != 0 ? 0x80 : 0));
  }
  return add_to_buffer_set(out, std::span<const uint8_t>(oid, n));
}

bool copy_key(gss_krb5_lucid_key_t& dst, std::span<const uint8_t> key, int32_t enctype) {
  dst.type = static_cast<OM_uint32>(enctype);
  dst.length = static_cast<OM_uint32>(key.size());
  dst.data = key.empty() ? nullptr : std::malloc(key.size());
  if (!key.empty() && dst.data == nullptr) return false;
  if (!key.empty()) std::memcpy(dst.data, key.data(), key.size());
  return true;
}

// gss_krb5_export_lucid_sec_context (version 1, CFX): a malloc'd struct whose address is
// the buffer's content; gss_krb5_free_lucid_sec_context hands it back to free_lucid().
Status lucid(const Context& ctx, const Protection& p, gss_buffer_set_t* out) {
  auto* l = static_cast<gss_krb5_lucid_context_v1_t*>(std::calloc(1, sizeof(gss_krb5_lucid_context_v1_t)));
  if (l == nullptr) return Status::no_memory();
  l->version = 1;
  l->initiate = ctx.role() == apx::core::Role::kInitiator ? 1 : 0;
  l->endtime = static_cast<OM_uint32>(ctx.endtime());
  l->send_seq = p.send_seq();
  l->recv_seq = p.recv_window().base();
  bool ok = true;
  if (p.legacy()) {
    // RFC 1964 / RFC 4757 tokens: protocol 0 with their SGN_ALG and SEAL_ALG, and the key
    // as MIT gives it (triple DES as des3-cbc-raw, the cipher without RFC 3961 framing).
    const int32_t e = p.context_enctype();
    const bool des3 = e == ENCTYPE_DES3_CBC_SHA1 || e == ENCTYPE_DES3_CBC_RAW;
    l->protocol = 0;
    l->rfc1964_kd.sign_alg = des3 ? apx::token::kSgnAlgHmacSha1Des3Kd : apx::token::kSgnAlgHmacMd5;
    l->rfc1964_kd.seal_alg = des3 ? apx::token::kSealAlgDes3Kd : apx::token::kSealAlgRc4;
    ok = copy_key(l->rfc1964_kd.ctx_key, p.context_key(), des3 ? ENCTYPE_DES3_CBC_RAW : e);
  } else {
    l->protocol = 1;
    l->cfx_kd.have_acceptor_subkey = p.have_acceptor_subkey() ? 1 : 0;
    ok = copy_key(l->cfx_kd.ctx_key, p.context_key(), p.context_enctype());
    if (ok && p.have_acceptor_subkey())
      ok = copy_key(l->cfx_kd.acceptor_subkey, p.acceptor_key(), p.acceptor_enctype());
  }
  const void* ptr = l;
  Status s = ok ? add_to_buffer_set(out, {reinterpret_cast<const uint8_t*>(&ptr), sizeof ptr})
                : Status::no_memory();
  if (!s.ok()) free_lucid(l);
  return s;
}

// GSS_KRB5_EXTRACT_AUTHZ_DATA_FROM_SEC_CONTEXT_OID: the prefix .5.10 and one more arc,
// the ad-type (gsskrb5_extract_authz_data_from_sec_context composes it).
bool is_authz_request(gss_const_OID oid) {
  const gss_OID_desc& prefix = apx::core::kOidExtractAuthzData;
  return oid != GSS_C_NO_OID && oid->length > prefix.length &&
         std::memcmp(oid->elements, prefix.elements, prefix.length) == 0;
}

Status authz_data(const Context& ctx, gss_const_OID oid, gss_buffer_set_t* out) {
  // X.690 §8.19.2: the arc in base 128, high bit set on all but its last octet. MIT's
  // generic_gss_oid_decompose reads it the same way and refuses ad-type 0 with ENOENT.
  const auto* p = static_cast<const uint8_t*>(oid->elements);
  uint64_t arc = 0;
  for (size_t i = apx::core::kOidExtractAuthzData.length; i < oid->length; ++i) {
    const bool last = i + 1 == oid->length;
    if (((p[i] & 0x80) == 0) != last || arc > (INT32_MAX >> 7)) return Status(GSS_S_FAILURE, ENOENT);
    arc = (arc << 7) | (p[i] & 0x7f);
  }
  if (arc == 0) return Status(GSS_S_FAILURE, ENOENT);
  std::vector<std::vector<uint8_t>> found;
  APX_TRY(ctx.authz_data(static_cast<krb5_authdatatype>(arc), found));
  for (const auto& f : found) APX_TRY(add_to_buffer_set(out, f));
  return Status::complete();
}

}  // namespace

namespace apx::spi {

void free_lucid(void* p) {
  auto* l = static_cast<gss_krb5_lucid_context_v1_t*>(p);
  if (l == nullptr) return;
  gss_krb5_lucid_key_t* const cfx[] = {&l->cfx_kd.ctx_key, &l->cfx_kd.acceptor_subkey};
  gss_krb5_lucid_key_t* const rfc1964[] = {&l->rfc1964_kd.ctx_key};
  const std::span<gss_krb5_lucid_key_t* const> keys =
      l->protocol == 0 ? std::span<gss_krb5_lucid_key_t* const>(rfc1964)
                       : std::span<gss_krb5_lucid_key_t* const>(cfx);
  for (gss_krb5_lucid_key_t* k : keys) {
    if (k->data != nullptr) OPENSSL_cleanse(k->data, k->length);
    std::free(k->data);
  }
  std::free(l);
}

}  // namespace apx::spi

APX_EXPORT OM_uint32 gss_inquire_sec_context_by_oid(OM_uint32* minor, const gss_ctx_id_t handle,
                                                    const gss_OID object,
                                                    gss_buffer_set_t* data_set) {
  return guarded(minor, [&] {
    if (data_set == nullptr) return report(minor, Status::call_inaccessible_write());
    *data_set = GSS_C_NO_BUFFER_SET;
    if (handle == GSS_C_NO_CONTEXT) return report(minor, Status::no_context(Minor::kCtxIncomplete));
    Context* ctx = as_ctx(handle);
    Protection* p = ctx->protection();
    if (p == nullptr) return report(minor, Status::no_context(Minor::kCtxIncomplete));
    Status s = Status::unavailable(Minor::kOptionUnsupported);
    if (apx::core::oid_equal(object, apx::core::kOidSaslSsf))
      s = sasl_ssf(*p, data_set);
    else if (apx::core::oid_equal(object, apx::core::kOidInqSspiSessionKey))
      s = session_key(*p, data_set);
    else if (apx::core::oid_equal(object, apx::core::kOidGetTktFlags)) {
      // MIT hands both back in host byte order, the size of the krb5 type.
      const krb5_flags f = ctx->ticket_flags();
      s = add_to_buffer_set(data_set, {reinterpret_cast<const uint8_t*>(&f), sizeof f});
    } else if (is_authz_request(object)) {
      s = authz_data(*ctx, object, data_set);
    } else if (apx::core::oid_equal(object, apx::core::kOidExtractAuthtime)) {
      const krb5_timestamp t = ctx->authtime();
      s = add_to_buffer_set(data_set, {reinterpret_cast<const uint8_t*>(&t), sizeof t});
    } else if (has_prefix(object, apx::core::kOidExportLucidContext, 1)) {
      const uint8_t version = static_cast<const uint8_t*>(object->elements)[object->length - 1];
      s = version == 1 ? lucid(*ctx, *p, data_set) : Status::unavailable(Minor::kOptionUnsupported);
    }
    if (!s.ok() && *data_set != GSS_C_NO_BUFFER_SET) {
      for (size_t i = 0; i < (*data_set)->count; ++i) {
        gss_buffer_desc& b = (*data_set)->elements[i];
        if (b.value != nullptr) OPENSSL_cleanse(b.value, b.length);
        std::free(b.value);
      }
      std::free((*data_set)->elements);
      std::free(*data_set);
      *data_set = GSS_C_NO_BUFFER_SET;
    }
    return report(minor, s);
  });
}

APX_EXPORT OM_uint32 gss_pseudo_random(OM_uint32* minor, gss_ctx_id_t handle, int prf_key,
                                       const gss_buffer_t prf_in, ssize_t desired_output_len,
                                       gss_buffer_t prf_out) {
  return guarded(minor, [&] {
    clear_buffer(prf_out);
    if (prf_out == GSS_C_NO_BUFFER) return report(minor, Status::call_inaccessible_write());
    if (handle == GSS_C_NO_CONTEXT || as_ctx(handle)->protection() == nullptr)
      return report(minor, Status::no_context(Minor::kCtxIncomplete));
    if (prf_key != GSS_C_PRF_KEY_FULL && prf_key != GSS_C_PRF_KEY_PARTIAL)
      return report(minor, Status::failure(Minor::kOptionUnsupported));
    // RFC 4402: up to 2^32 blocks; one MiB is far beyond any use and bounds the work.
    if (desired_output_len <= 0 || desired_output_len > (1 << 20))
      return report(minor, Status::failure(Minor::kMsgTooLarge));
    const size_t n = static_cast<size_t>(desired_output_len);
    auto* out = static_cast<uint8_t*>(std::malloc(n));
    if (out == nullptr) return report(minor, Status::no_memory());
    Status s = as_ctx(handle)->protection()->prf_plus(prf_key == GSS_C_PRF_KEY_FULL,
                                                      bytes_of(prf_in), {out, n});
    if (!s.ok()) {
      OPENSSL_cleanse(out, n);  // blocks made before the failure are key-derived
      std::free(out);
      return report(minor, s);
    }
    prf_out->value = out;
    prf_out->length = n;
    return report(minor, Status::complete());
  });
}

APX_GSSI(inquire_sec_context_by_oid, gss_inquire_sec_context_by_oid)
APX_GSSI(pseudo_random, gss_pseudo_random)
