// HMAC here uses OpenSSL's low-level SHA contexts with the states after the inner and
// outer padded keys computed once and copied per message (the standard precomputed
// HMAC). It is the fastest form on OpenSSL 3.0: EVP_MAC_init (HMAC, same key) and
// EVP_MD_CTX_copy_ex both free and re-create the provider's digest context on every
// message, which costs an allocation pair and measurably more time at small sizes. The
// low-level API is deprecated in 3.0 but present in the 3.x ABI and runs the same
// assembly (SHA-NI / AVX2) as the provider.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "bench/limit.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace apx::bench {
namespace {

constexpr size_t kBlock = 16;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("limit: ") + what + " failed");
}

CipherCtx cbc_ctx(std::span<const uint8_t, 32> key, int encrypt) {
  CipherCtx c(EVP_CIPHER_CTX_new());
  require(c != nullptr, "EVP_CIPHER_CTX_new");
  const std::array<uint8_t, kBlock> iv{};
  require(EVP_CipherInit_ex(c.get(), EVP_aes_256_cbc(), nullptr, key.data(), iv.data(),
                            encrypt) == 1,
          "EVP_CipherInit_ex");
  require(EVP_CIPHER_CTX_set_padding(c.get(), 0) == 1, "EVP_CIPHER_CTX_set_padding");
  return c;
}

// CBC over whole blocks in place from a zero IV (RFC 3961 §5.3: the cipher state of a
// GSS message starts at zero), without touching the key schedule.
bool cbc(EVP_CIPHER_CTX* c, std::span<uint8_t> data) {
  static const std::array<uint8_t, kBlock> zero_iv{};
  int out = 0;
  return EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, zero_iv.data(), -1) == 1 &&
         EVP_CipherUpdate(c, data.data(), &out, data.data(), static_cast<int>(data.size())) ==
             1 &&
         static_cast<size_t>(out) == data.size();
}

// Precomputed HMAC: H(K^opad | H(K^ipad | m)) with both key blocks absorbed once.
template <typename Ctx, int (*Init)(Ctx*), int (*Update)(Ctx*, const void*, size_t),
          int (*Final)(unsigned char*, Ctx*), size_t kBlockSize, size_t kDigest>
class Hmac {
 public:
  static constexpr size_t kSize = kDigest;

  explicit Hmac(std::span<const uint8_t> key) {
    std::array<uint8_t, kBlockSize> pad{};
    std::copy(key.begin(), key.end(), pad.begin());  // key <= block size here
    for (auto& b : pad) b ^= 0x36;
    require(Init(&inner_) == 1 && Update(&inner_, pad.data(), pad.size()) == 1, "HMAC ipad");
    for (auto& b : pad) b ^= 0x36 ^ 0x5c;
    require(Init(&outer_) == 1 && Update(&outer_, pad.data(), pad.size()) == 1, "HMAC opad");
    OPENSSL_cleanse(pad.data(), pad.size());
  }

  bool mac(std::span<const uint8_t> msg, std::span<uint8_t, kDigest> out) const {
    Ctx c = inner_;
    bool ok = Update(&c, msg.data(), msg.size()) == 1 && Final(out.data(), &c) == 1;
    c = outer_;
    return ok && Update(&c, out.data(), out.size()) == 1 && Final(out.data(), &c) == 1;
  }

 private:
  Ctx inner_;
  Ctx outer_;
};

using HmacSha1 = Hmac<SHA_CTX, SHA1_Init, SHA1_Update, SHA1_Final, 64, SHA_DIGEST_LENGTH>;
using HmacSha384 =
    Hmac<SHA512_CTX, SHA384_Init, SHA384_Update, SHA384_Final, 128, SHA384_DIGEST_LENGTH>;

// Checksum length on the wire: RFC 3962 §6 (96 bits), RFC 8009 §5 (192 bits).
constexpr size_t kSha1Tag = 12;
constexpr size_t kSha384Tag = 24;

std::array<uint8_t, 32> random_key() {
  std::array<uint8_t, 32> k{};
  require(RAND_bytes(k.data(), static_cast<int>(k.size())) == 1, "RAND_bytes");
  return k;
}

}  // namespace

struct Limit::State {
  Enc enc;
  std::array<uint8_t, 32> ke = random_key();
  std::array<uint8_t, 32> ki = random_key();
  CipherCtx encrypt = cbc_ctx(ke, 1);
  CipherCtx decrypt = cbc_ctx(ke, 0);
  HmacSha1 sha1{std::span<const uint8_t>(ki)};                   // RFC 3962: 256-bit Ki
  HmacSha384 sha384{std::span<const uint8_t>(ki).first(24)};     // RFC 8009: 192-bit Ki

  explicit State(Enc e) : enc(e) {}
  ~State() {
    OPENSSL_cleanse(ke.data(), ke.size());
    OPENSSL_cleanse(ki.data(), ki.size());
  }

  template <typename H>
  bool mac(const H& h, std::span<const uint8_t> msg, std::span<uint8_t> tag, size_t n) {
    std::array<uint8_t, H::kSize> full{};
    if (!h.mac(msg, full)) return false;
    std::copy_n(full.begin(), n, tag.begin());
    return true;
  }

  bool tag(std::span<const uint8_t> msg, std::span<uint8_t> out) {
    return enc == Enc::sha1 ? mac(sha1, msg, out, kSha1Tag) : mac(sha384, msg, out, kSha384Tag);
  }
  size_t tag_size() const { return enc == Enc::sha1 ? kSha1Tag : kSha384Tag; }
};

Limit::Limit(Enc e) : s_(std::make_unique<State>(e)) {}
Limit::~Limit() = default;

bool Limit::seal_unseal(std::span<uint8_t> msg) {
  std::array<uint8_t, 24> sent{}, seen{};
  const size_t t = s_->tag_size();
  bool ok;
  if (s_->enc == Enc::sha1) {
    // RFC 3962 / RFC 3961 §5.3: HMAC over the plaintext, then encrypt; the receiver
    // decrypts and recomputes.
    ok = s_->tag(msg, sent) && cbc(s_->encrypt.get(), msg) && cbc(s_->decrypt.get(), msg) &&
         s_->tag(msg, seen);
  } else {
    // RFC 8009 §5: encrypt, then HMAC over the ciphertext; the receiver checks first.
    ok = cbc(s_->encrypt.get(), msg) && s_->tag(msg, sent) && s_->tag(msg, seen) &&
         cbc(s_->decrypt.get(), msg);
  }
  return ok && CRYPTO_memcmp(sent.data(), seen.data(), t) == 0;
}

bool Limit::mac_verify(std::span<const uint8_t> msg) {
  std::array<uint8_t, 24> sent{}, seen{};
  return s_->tag(msg, sent) && s_->tag(msg, seen) &&
         CRYPTO_memcmp(sent.data(), seen.data(), s_->tag_size()) == 0;
}

}  // namespace apx::bench
