#include "crypto/legacy_keys.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <optional>

#include "base/secret_bytes.h"
#include "crypto/hmac_key.h"
#include "crypto/iov_cursor.h"
#include "crypto/kdf.h"
#include "crypto/ossl_ptr.h"
#include "crypto/rc4.h"

namespace apx::crypto {

using base::Minor;
using base::Result;
using base::SecretBytes;
using base::Status;

namespace {

constexpr size_t kDes3KeySize = 24;
constexpr size_t kDesBlock = 8;
constexpr size_t kRc4KeySize = 16;
constexpr size_t kMd5Size = 16;
// MIT KG_USAGE_SIGN, the usage of the DES3 checksum key (Kc = DK(K, usage ‖ 0x99)).
constexpr uint32_t kDes3SignUsage = 23;
// RFC 4757 §7.2, §7.3: message-type numbers of the checksum (MIT translates its
// KG_USAGE_SIGN 23 to 13 for Wrap; MIC uses 15).
constexpr uint32_t kRc4WrapUsage = 13;
constexpr uint32_t kRc4MicUsage = 15;

using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OsslDeleter<&EVP_MD_CTX_free>>;

Status hmac_md5(std::span<const uint8_t> key, std::span<const uint8_t> data,
                std::span<uint8_t, kMd5Size> out) {
  unsigned int len = 0;
  if (HMAC(EVP_md5(), key.data(), static_cast<int>(key.size()), data.data(), data.size(),
           out.data(), &len) == nullptr ||
      len != kMd5Size)
    return Status::failure(Minor::kInternal);
  return Status::complete();
}

// RFC 4757 §3 (MIT usage_key): HMAC-MD5(key, T), T = usage as 4 octets little-endian,
// behind "fortybits\0" for the export enctype, whose key is then cut to 7 octets and
// filled with 0xAB (MIT enc_key) before it keys the second stage.
Status rc4_first_stage(bool exp, std::span<const uint8_t> key, std::span<uint8_t, kMd5Size> out) {
  static constexpr uint8_t kFortyBits[] = {'f', 'o', 'r', 't', 'y', 'b', 'i', 't', 's', 0,
                                           0,   0,   0,   0};  // usage 0
  static constexpr uint8_t kUsage0[] = {0, 0, 0, 0};
  APX_TRY(hmac_md5(key, exp ? std::span<const uint8_t>(kFortyBits) : kUsage0, out));
  if (exp) std::fill(out.begin() + 7, out.end(), uint8_t{0xAB});
  return Status::complete();
}

// RC4 over the selected buffers of `iov` as one stream, keyed by HMAC-MD5(k1, kd).
Status rc4_stream(std::span<const uint8_t> k1, std::span<const uint8_t> kd,
                  std::span<const CryptoIov> iov, IovSelect select) {
  SecretBytes k2(kMd5Size);
  APX_TRY(hmac_md5(k1, kd, std::span<uint8_t, kMd5Size>(k2.data(), kMd5Size)));
  Rc4 rc4(k2.span());
  IovCursor cur(iov, select);
  for (auto run = cur.run(); !run.empty(); run = cur.run()) {
    rc4.apply(run);
    cur.advance(run.size());
  }
  return Status::complete();
}

bool encrypted(IovKind k) { return is_encrypted(k); }

}  // namespace

struct LegacyKeys::State {
  bool rc4 = false;
  bool exp = false;
  SecretBytes key;  // DES3: the cipher key; RC4: unused after create
  std::optional<HmacKey> kc;  // DES3 checksum
  CipherCtxPtr des3;           // DES3, keyed once; the IV is set per message
  SecretBytes ksign;           // RC4 checksum key
  SecretBytes seq_k1;          // RC4 first-stage keys
  SecretBytes data_k1;
  MdCtxPtr md5;

  Status des3_cbc(bool encrypt, std::span<const uint8_t, kDesBlock> iv,
                  std::span<const CryptoIov> iov);
};

Status LegacyKeys::State::des3_cbc(bool encrypt, std::span<const uint8_t, kDesBlock> iv,
                                   std::span<const CryptoIov> iov) {
  if (iov_stream_size(iov, encrypted) % kDesBlock != 0)
    return Status::defective_token(Minor::kTokenTruncated);
  if (EVP_CipherInit_ex(des3.get(), nullptr, nullptr, nullptr, iv.data(), encrypt ? 1 : 0) != 1)
    return Status::failure(Minor::kInternal);
  IovCursor cur(iov, encrypted);
  for (auto run = cur.run(); !run.empty(); run = cur.run()) {
    int n = 0;
    const size_t whole = run.size() / kDesBlock * kDesBlock;
    if (whole != 0) {
      if (EVP_CipherUpdate(des3.get(), run.data(), &n, run.data(), static_cast<int>(whole)) != 1)
        return Status::failure(Minor::kInternal);
      cur.advance(whole);
      continue;
    }
    // A block split between buffers: gather it, run it, scatter it back.
    std::array<uint8_t, kDesBlock> block{};
    IovCursor at = cur;
    if (cur.read(block) != kDesBlock ||
        EVP_CipherUpdate(des3.get(), block.data(), &n, block.data(), static_cast<int>(kDesBlock)) != 1)
      return Status::failure(Minor::kInternal);
    (void)at.write(block);
  }
  return Status::complete();
}

LegacyKeys::LegacyKeys(std::unique_ptr<State> s) : s_(std::move(s)) {}
LegacyKeys::LegacyKeys(LegacyKeys&&) noexcept = default;
LegacyKeys& LegacyKeys::operator=(LegacyKeys&&) noexcept = default;
LegacyKeys::~LegacyKeys() = default;

bool LegacyKeys::rc4() const { return s_->rc4; }
size_t LegacyKeys::checksum_size() const { return s_->rc4 ? 8 : 20; }

Result<LegacyKeys> LegacyKeys::create(int32_t enctype, std::span<const uint8_t> key) {
  auto s = std::make_unique<State>();
  s->md5.reset(EVP_MD_CTX_new());
  if (!s->md5) return Status::no_memory();
  if (enctype == kEnctypeDes3CbcSha1) {
    if (key.size() != kDes3KeySize) return Status::failure(Minor::kEnctypeUnsupported);
    const std::array<uint8_t, 5> constant = usage_constant(kDes3SignUsage, UsageKeyKind::kc);
    APX_TRY_ASSIGN(SecretBytes kc, dk_rfc3961("DES-EDE3-CBC", key, constant));
    APX_TRY_ASSIGN(HmacKey h, HmacKey::create(HmacKey::Hash::sha1, kc.span()));
    s->kc.emplace(std::move(h));
    s->des3.reset(EVP_CIPHER_CTX_new());
    if (!s->des3) return Status::no_memory();
    if (EVP_CipherInit_ex(s->des3.get(), EVP_des_ede3_cbc(), nullptr, key.data(), nullptr, 1) != 1 ||
        EVP_CIPHER_CTX_set_padding(s->des3.get(), 0) != 1)
      return Status::failure(Minor::kInternal);
    return LegacyKeys(std::move(s));
  }
  if (enctype != kEnctypeArcfourHmac && enctype != kEnctypeArcfourHmacExp)
    return Status::failure(Minor::kEnctypeUnsupported);
  if (key.size() != kRc4KeySize) return Status::failure(Minor::kEnctypeUnsupported);
  s->rc4 = true;
  s->exp = enctype == kEnctypeArcfourHmacExp;
  static constexpr uint8_t kSignatureKey[] = "signaturekey";  // with its NUL: 13 octets
  s->ksign = SecretBytes(kMd5Size);
  s->seq_k1 = SecretBytes(kMd5Size);
  s->data_k1 = SecretBytes(kMd5Size);
  APX_TRY(hmac_md5(key, kSignatureKey, std::span<uint8_t, kMd5Size>(s->ksign.data(), kMd5Size)));
  APX_TRY(rc4_first_stage(s->exp, key, std::span<uint8_t, kMd5Size>(s->seq_k1.data(), kMd5Size)));
  // RFC 4757 §7.3: the data key is the session key with every octet XORed with 0xF0.
  SecretBytes kx(key);
  for (uint8_t& b : kx.span()) b ^= 0xF0;
  APX_TRY(rc4_first_stage(s->exp, kx.span(),
                          std::span<uint8_t, kMd5Size>(s->data_k1.data(), kMd5Size)));
  return LegacyKeys(std::move(s));
}

Status LegacyKeys::checksum(bool wrap, std::span<const uint8_t> header8,
                            std::span<const CryptoIov> iov, std::span<uint8_t> out) const {
  if (out.size() != checksum_size()) return Status::failure(Minor::kInternal);
  if (!s_->rc4) {
    // MIT: HMAC-SHA1-DES3-KD, the whole 20 octets.
    HmacKey& h = *s_->kc;
    APX_TRY(h.begin());
    APX_TRY(h.update(header8));
    for (const CryptoIov& i : iov)
      if (is_signed(i.kind)) APX_TRY(h.update(i.buf));
    return h.finish(out);
  }
  // RFC 4757 §7.2 / MIT checksum_hmac_md5.c: HMAC-MD5(Ksign, MD5(T ‖ data)), T the usage
  // as 4 octets little-endian; the token keeps the first 8 octets.
  const uint32_t usage = wrap ? kRc4WrapUsage : kRc4MicUsage;
  const uint8_t t[4] = {static_cast<uint8_t>(usage), 0, 0, 0};
  EVP_MD_CTX* md = s_->md5.get();
  std::array<uint8_t, kMd5Size> digest{};
  unsigned int len = 0;
  bool ok = EVP_DigestInit_ex(md, EVP_md5(), nullptr) == 1 &&
            EVP_DigestUpdate(md, t, sizeof t) == 1 &&
            EVP_DigestUpdate(md, header8.data(), header8.size()) == 1;
  for (const CryptoIov& i : iov)
    if (ok && is_signed(i.kind) && !i.buf.empty())
      ok = EVP_DigestUpdate(md, i.buf.data(), i.buf.size()) == 1;
  if (!ok || EVP_DigestFinal_ex(md, digest.data(), &len) != 1)
    return Status::failure(Minor::kInternal);
  std::array<uint8_t, kMd5Size> mac{};
  APX_TRY(hmac_md5(s_->ksign.span(), digest, mac));
  std::copy_n(mac.begin(), out.size(), out.begin());
  return Status::complete();
}

Status LegacyKeys::seq_crypt(bool encrypt, std::span<const uint8_t> cksum,
                             std::span<const uint8_t, 8> in, std::span<uint8_t, 8> out) const {
  if (cksum.size() < 8) return Status::failure(Minor::kInternal);
  std::copy(in.begin(), in.end(), out.begin());
  const CryptoIov iov[] = {{IovKind::data, out}};
  // MIT kg_make_seq_num: RC4 keyed by HMAC-MD5(Kseq1, SGN_CKSUM), or DES3-CBC with
  // SGN_CKSUM's first 8 octets as IV.
  if (s_->rc4) return rc4_stream(s_->seq_k1.span(), cksum.first(8), iov, encrypted);
  return s_->des3_cbc(encrypt, cksum.first<8>(), iov);
}

Status LegacyKeys::data_crypt(bool encrypt, uint32_t seqnum, std::span<const CryptoIov> iov) const {
  if (s_->rc4) {
    const uint8_t be[4] = {static_cast<uint8_t>(seqnum >> 24), static_cast<uint8_t>(seqnum >> 16),
                           static_cast<uint8_t>(seqnum >> 8), static_cast<uint8_t>(seqnum)};
    return rc4_stream(s_->data_k1.span(), be, iov, encrypted);
  }
  static constexpr std::array<uint8_t, kDesBlock> kZeroIv{};
  return s_->des3_cbc(encrypt, kZeroIv, iov);
}

}  // namespace apx::crypto
