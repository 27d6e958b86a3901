// RFC 1964 §1.2 per-message tokens for des3-cbc-sha1 and RFC 4757 §7 for arcfour-hmac
// (and its export variant), as MIT krb5 makes and checks them (k5seal.c, k5unseal.c,
// k5sealiov.c, k5unsealiov.c, util_seqnum.c): contexts whose protection key has one of
// these enctypes use them instead of RFC 4121 §4.2 tokens.
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "core/protection.h"
#include "crypto/iov_cursor.h"
#include "token/rfc1964.h"

namespace apx::core {

using base::Minor;
using base::Result;
using base::Status;
using crypto::CryptoIov;
using crypto::IovKind;
using crypto::LegacyKeys;
namespace tok = apx::token;

namespace {

constexpr size_t kConf = LegacyKeys::kConfounderSize;
constexpr size_t kFixed = tok::kLegacyFixedSize;
constexpr size_t kSigned = tok::kLegacySignedHeaderSize;
// RFC 1964 §1.2.1.2: SND_SEQ's last four octets say who sent the token.
constexpr uint8_t kFromInitiator = 0x00;
constexpr uint8_t kFromAcceptor = 0xFF;

uint16_t sgn_alg(const LegacyKeys& k) {
  return k.rc4() ? tok::kSgnAlgHmacMd5 : tok::kSgnAlgHmacSha1Des3Kd;
}
uint16_t seal_alg(const LegacyKeys& k) {
  return k.rc4() ? tok::kSealAlgRc4 : tok::kSealAlgDes3Kd;
}

// MIT k5sealiov.c: RC4 pads with one octet (RFC 4757 §7.3), DES3 to the 8-octet block;
// the pad octets hold the pad's length, 1..8.
size_t pad_size(const LegacyKeys& k, size_t conf_data) {
  return k.rc4() ? 1 : 8 - conf_data % 8;
}

bool data_only(IovKind kind) { return kind == IovKind::data; }

// Confounder, then the caller's buffers, then the padding: the order MIT signs and
// encrypts them in. Held in place (no allocation per message); the SPI layer passes at
// most kMaxMsgIov buffers.
constexpr size_t kMaxMsgIov = 32;
struct WrapIov {
  std::array<CryptoIov, kMaxMsgIov + 2> v{};
  size_t n = 0;
  [[nodiscard]] std::span<const CryptoIov> view() const { return std::span(v).first(n); }
};

Result<WrapIov> wrap_iov(std::span<uint8_t> confounder, std::span<const CryptoIov> msg,
                         std::span<uint8_t> padding) {
  if (msg.size() > kMaxMsgIov) return Status::failure(Minor::kMsgIovInvalid);
  WrapIov w;
  w.v[w.n++] = {IovKind::header, confounder};
  for (const CryptoIov& e : msg) w.v[w.n++] = e;
  w.v[w.n++] = {IovKind::padding, padding};
  return w;
}

// The last octet of the encrypted stream (confounder, data, padding): the pad's length.
uint8_t last_encrypted_octet(std::span<const CryptoIov> iov) {
  for (auto it = iov.rbegin(); it != iov.rend(); ++it)
    if (crypto::is_encrypted(it->kind) && !it->buf.empty()) return it->buf.back();
  return 0;
}

}  // namespace

size_t Protection::legacy_mic_size() const {
  const size_t inner = kFixed + legacy_->checksum_size();
  return tok::legacy_prefix_size(mech_oid_.size(), inner) + inner;
}

LegacyWrapSizes Protection::legacy_wrap_sizes(size_t data, bool dce) const {
  const size_t pad = dce ? 0 : pad_size(*legacy_, kConf + data);
  const size_t head = kFixed + legacy_->checksum_size() + kConf;
  // MIT: DCE-style framing surrounds the header only (the caller pads the data itself).
  const size_t inner = head + (dce ? 0 : data + pad);
  return {tok::legacy_prefix_size(mech_oid_.size(), inner) + head, pad};
}

size_t Protection::legacy_max_input(size_t token_size) const {
  // The largest message whose whole Wrap token fits: sizes grow with the message.
  const auto total = [&](size_t n) {
    const LegacyWrapSizes s = legacy_wrap_sizes(n, false);
    return s.header + n + s.padding;
  };
  if (total(0) > token_size) return 0;
  size_t lo = 0, hi = token_size;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo + 1) / 2;
    if (total(mid) <= token_size) lo = mid; else hi = mid - 1;
  }
  return lo;
}

// `tok` starts at TOK_ID (header already written): fills SGN_CKSUM over the signed header
// and `iov`, then SND_SEQ (RFC 1964 §1.2.1.2; DES3 little-endian, RC4 big-endian per RFC
// 4757 §7.2, then four direction octets), encrypted under SGN_CKSUM.
Status Protection::legacy_sign(bool wrap, std::span<uint8_t> tok, std::span<const CryptoIov> iov) {
  const LegacyKeys& k = *legacy_;
  const std::span<uint8_t> cksum = tok.subspan(kFixed, k.checksum_size());
  APX_TRY(k.checksum(wrap, tok.first(kSigned), iov, cksum));
  const auto seq = static_cast<uint32_t>(send_seq_);
  std::array<uint8_t, 8> plain{};
  for (int i = 0; i < 4; ++i) {
    const int shift = k.rc4() ? 24 - 8 * i : 8 * i;
    plain[static_cast<size_t>(i)] = static_cast<uint8_t>(seq >> shift);
  }
  std::fill(plain.begin() + 4, plain.end(), initiator_ ? kFromInitiator : kFromAcceptor);
  return k.seq_crypt(true, cksum, plain, tok.subspan(kSigned).first<8>());
}

Status Protection::legacy_get_mic(std::span<const CryptoIov> msg, std::span<uint8_t> token) {
  if (token.size() != legacy_mic_size()) return Status::failure(Minor::kInternal);
  const size_t inner = kFixed + legacy_->checksum_size();
  const size_t prefix = token.size() - inner;
  if (!tok::write_legacy_header(token.first(prefix + kSigned), mech_oid_, inner,
                                tok::kTokLegacyMic, sgn_alg(*legacy_), tok::kSealAlgNone))
    return Status::failure(Minor::kInternal);
  APX_TRY(legacy_sign(false, token.subspan(prefix), msg));
  send_seq_ = (send_seq_ + 1) & 0xFFFFFFFFu;
  return Status::complete();
}

Status Protection::legacy_seal(bool conf, std::span<uint8_t> header,
                               std::span<const CryptoIov> msg, std::span<uint8_t> padding,
                               bool dce) {
  const LegacyKeys& k = *legacy_;
  const size_t data = crypto::iov_stream_size(msg, data_only);
  const LegacyWrapSizes sizes = legacy_wrap_sizes(data, dce);
  if (header.size() != sizes.header || padding.size() != sizes.padding)
    return Status::failure(Minor::kMsgIovInvalid);
  // MIT: a DCE-style caller pads the data to the block itself.
  if (dce && !k.rc4() && (kConf + data) % 8 != 0) return Status::failure(Minor::kMsgIovInvalid);
  const size_t head = kFixed + k.checksum_size() + kConf;
  const size_t prefix = header.size() - head;
  const size_t inner = head + (dce ? 0 : data + padding.size());
  if (!tok::write_legacy_header(header.first(prefix + kSigned), mech_oid_, inner,
                                tok::kTokLegacyWrap, sgn_alg(k),
                                conf ? seal_alg(k) : tok::kSealAlgNone))
    return Status::failure(Minor::kInternal);
  const std::span<uint8_t> confounder = header.last(kConf);
  if (RAND_bytes(confounder.data(), static_cast<int>(kConf)) != 1)
    return Status::failure(Minor::kInternal);
  std::fill(padding.begin(), padding.end(), static_cast<uint8_t>(padding.size()));
  APX_TRY_ASSIGN(const WrapIov w, wrap_iov(confounder, msg, padding));
  const std::span<const CryptoIov> iov = w.view();
  APX_TRY(legacy_sign(true, header.subspan(prefix), iov));
  if (conf) APX_TRY(k.data_crypt(true, static_cast<uint32_t>(send_seq_), iov));
  send_seq_ = (send_seq_ + 1) & 0xFFFFFFFFu;
  return Status::complete();
}

// MIT kg_unseal_v1's order: algorithms (DEFECTIVE_TOKEN), SND_SEQ (BAD_SIG when its
// direction octets disagree), decryption, SGN_CKSUM (BAD_SIG), then the direction.
Result<Protection::LegacySeq> Protection::legacy_check(bool wrap,
                                                       std::span<const uint8_t> signed_header,
                                                       std::span<const uint8_t> snd_seq,
                                                       std::span<const uint8_t> cksum,
                                                       std::span<const CryptoIov> iov,
                                                       bool decrypt) {
  const LegacyKeys& k = *legacy_;
  std::array<uint8_t, 8> plain{};
  APX_TRY(k.seq_crypt(false, cksum, snd_seq.first<8>(), plain));
  if (!std::all_of(plain.begin() + 5, plain.end(), [&](uint8_t b) { return b == plain[4]; }))
    return Status::bad_mic(Minor::kMsgBadIntegrity);
  LegacySeq s;
  for (int i = 0; i < 4; ++i) {
    const int shift = k.rc4() ? 24 - 8 * i : 8 * i;
    s.seq |= static_cast<uint32_t>(plain[static_cast<size_t>(i)]) << shift;
  }
  s.direction = plain[4];
  if (decrypt) APX_TRY(k.data_crypt(false, s.seq, iov));
  std::array<uint8_t, 20> mine{};
  const auto expect = std::span(mine).first(k.checksum_size());
  APX_TRY(k.checksum(wrap, signed_header, iov, expect));
  if (CRYPTO_memcmp(expect.data(), cksum.data(), expect.size()) != 0) {
    // Leave no decryption of a forged token behind.
    for (const CryptoIov& i : iov)
      if (decrypt && crypto::is_encrypted(i.kind) && !i.buf.empty())
        OPENSSL_cleanse(i.buf.data(), i.buf.size());
    return Status::bad_mic(Minor::kMsgBadIntegrity);
  }
  // RFC 1964 §1.2.1.2: a token must come from the other side; a reflected one is refused.
  if (s.direction != (initiator_ ? kFromAcceptor : kFromInitiator))
    return Status::bad_mic(Minor::kMsgWrongDirection);
  return s;
}

namespace {

// RFC 1964 §1.2.1 / §1.2.2 with MIT's algorithm checks: SGN_ALG must be this enctype's,
// SEAL_ALG none on a MIC, none or this enctype's on a Wrap token.
Status check_algs(const LegacyKeys& k, const tok::LegacyHeader& h, bool wrap) {
  if (h.sgn_alg != sgn_alg(k)) return Status::defective_token(Minor::kMsgBadFlags);
  if (h.seal_alg != tok::kSealAlgNone && (!wrap || h.seal_alg != seal_alg(k)))
    return Status::defective_token(Minor::kMsgBadFlags);
  return Status::complete();
}

}  // namespace

Result<OM_uint32> Protection::legacy_verify_mic(std::span<const CryptoIov> msg,
                                                std::span<const uint8_t> token) {
  const LegacyKeys& k = *legacy_;
  APX_TRY_ASSIGN(const tok::LegacyHeader h,
                 tok::parse_legacy_header(token, token.size(), mech_oid_, tok::kTokLegacyMic,
                                          k.checksum_size()));
  if (token.size() != h.prefix + kFixed + k.checksum_size())
    return Status::defective_token(Minor::kTokenTrailingBytes);
  APX_TRY(check_algs(k, h, false));
  APX_TRY_ASSIGN(const LegacySeq s, legacy_check(false, h.signed_header, h.snd_seq, h.cksum,
                                                 msg, false));
  return window_.check(s.seq);
}

Result<Protection::LegacyUnsealed> Protection::legacy_unseal(std::span<uint8_t> header,
                                                             size_t token_size,
                                                             std::span<const CryptoIov> msg,
                                                             std::span<uint8_t> padding,
                                                             bool dce) {
  const LegacyKeys& k = *legacy_;
  APX_TRY_ASSIGN(const tok::LegacyHeader h,
                 tok::parse_legacy_header(header, token_size, mech_oid_, tok::kTokLegacyWrap,
                                          k.checksum_size()));
  if (header.size() != h.prefix + kFixed + k.checksum_size() + kConf)
    return Status::defective_token(Minor::kTokenTruncated);
  APX_TRY(check_algs(k, h, true));
  const bool sealed = h.seal_alg != tok::kSealAlgNone;
  APX_TRY_ASSIGN(const WrapIov w, wrap_iov(header.last(kConf), msg, padding));
  const std::span<const CryptoIov> iov = w.view();
  APX_TRY_ASSIGN(const LegacySeq s, legacy_check(true, h.signed_header, h.snd_seq, h.cksum,
                                                 iov, sealed));
  LegacyUnsealed u{sealed, 0, 0};
  if (!dce) {
    // MIT: the last octet gives the pad's length; one longer than the data and padding is
    // refused (after the checksum, which covers it).
    u.pad = last_encrypted_octet(iov);
    const size_t stream = crypto::iov_stream_size(iov, crypto::is_encrypted) - kConf;
    if (u.pad > stream || (!padding.empty() && u.pad == 0))
      return Status::bad_mic(Minor::kMsgBadFiller);
  }
  u.supplementary = window_.check(s.seq);
  return u;
}

Result<size_t> Protection::legacy_header_size(std::span<const uint8_t> token,
                                              size_t token_size) const {
  APX_TRY_ASSIGN(const tok::LegacyHeader h,
                 tok::parse_legacy_header(token, token_size, mech_oid_, tok::kTokLegacyWrap,
                                          legacy_->checksum_size()));
  return h.prefix + kFixed + legacy_->checksum_size() + kConf;
}

Result<Protection::Unwrapped> Protection::legacy_unwrap(std::span<const uint8_t> token,
                                                        std::span<uint8_t> out) {
  if (out.size() != token.size()) return Status::failure(Minor::kInternal);
  APX_TRY_ASSIGN(const size_t head, legacy_header_size(token, token.size()));
  if (token.size() < head) return Status::defective_token(Minor::kTokenTruncated);
  std::copy(token.begin(), token.end(), out.begin());
  const std::span<uint8_t> body = out.subspan(head);
  const CryptoIov iov[] = {{IovKind::data, body}};
  APX_TRY_ASSIGN(const LegacyUnsealed u, legacy_unseal(out.first(head), token.size(), iov, {},
                                                       false));
  const size_t len = body.size() - u.pad;
  if (len != 0) std::memmove(out.data(), body.data(), len);
  OPENSSL_cleanse(out.data() + len, out.size() - len);
  return Unwrapped{out.first(len), u.conf, u.supplementary};
}

}  // namespace apx::core
