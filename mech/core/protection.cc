#include "core/protection.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "base/trace.h"
#include "crypto/prf.h"

namespace apx::core {

using base::Minor;
using base::Result;
using base::Status;
using crypto::CryptoIov;
using crypto::IovKind;
namespace tok = apx::token;

namespace {

// A list of IOV entries built per call: on the stack for any sane number of buffers.
class IovList {
 public:
  void push(IovKind kind, std::span<uint8_t> buf) {
    if (n_ < small_.size()) {
      small_[n_++] = {kind, buf};
      return;
    }
    if (big_.empty()) big_.assign(small_.begin(), small_.end());
    big_.push_back({kind, buf});
    ++n_;
  }
  void push_all(std::span<const CryptoIov> list) {
    for (const CryptoIov& i : list) push(i.kind, i.buf);
  }
  [[nodiscard]] std::span<const CryptoIov> view() const {
    return big_.empty() ? std::span<const CryptoIov>(small_.data(), n_)
                        : std::span<const CryptoIov>(big_);
  }

 private:
  std::array<CryptoIov, 24> small_{};
  std::vector<CryptoIov> big_;
  size_t n_ = 0;
};

constexpr size_t kHdr = tok::kCfxHeaderSize;
constexpr size_t kMaxChecksum = 32;

// The enctype of the key messages are protected with (RFC 4121 §2).
int32_t protection_enctype_of(const ProtectionKeys& k) {
  return k.acceptor_subkey.empty() ? k.context_enctype : k.acceptor_enctype;
}

// RFC 1964 / RFC 4757 keys when the protection key is DES3 or RC4; nullptr otherwise (or
// when the key does not fit its enctype: every call then fails with kEnctypeUnsupported).
std::unique_ptr<crypto::LegacyKeys> legacy_keys_of(const ProtectionKeys& k) {
  const int32_t enctype = protection_enctype_of(k);
  if (!crypto::is_legacy_enctype(enctype)) return nullptr;
  auto keys = crypto::LegacyKeys::create(
      enctype, k.acceptor_subkey.empty() ? k.context_key : k.acceptor_subkey);
  if (!keys) return nullptr;
  return std::make_unique<crypto::LegacyKeys>(std::move(*keys));
}

}  // namespace

Protection::Protection(bool initiator, OM_uint32 flags, const ProtectionKeys& k,
                       uint64_t send_seq, uint64_t recv_seq)
    : initiator_(initiator),
      dce_style_((flags & GSS_C_DCE_STYLE) != 0),
      context_key_(k.context_key),
      acceptor_key_(k.acceptor_subkey),
      context_enctype_(k.context_enctype),
      acceptor_enctype_(k.acceptor_subkey.empty() ? 0 : k.acceptor_enctype),
      context_profile_(crypto::find_profile(k.context_enctype)),
      acceptor_profile_(k.acceptor_subkey.empty() ? nullptr
                                                  : crypto::find_profile(k.acceptor_enctype)),
      send_seq_(send_seq),
      // RFC 1964 sequence numbers have 32 bits (MIT: g_seqstate_init with wide = proto).
      window_(recv_seq, (flags & GSS_C_REPLAY_FLAG) != 0, (flags & GSS_C_SEQUENCE_FLAG) != 0,
              !crypto::is_legacy_enctype(protection_enctype_of(k))),
      mech_oid_(k.mech_oid.begin(), k.mech_oid.end()),
      legacy_(legacy_keys_of(k)) {}

Protection::Protection(bool initiator, OM_uint32 flags, const ProtectionKeys& k,
                       uint64_t send_seq, const SeqWindow& window)
    : Protection(initiator, flags, k, send_seq, window.base()) {
  window_ = window;
}

const crypto::Profile* Protection::profile(bool acceptor_subkey) const {
  return acceptor_subkey ? acceptor_profile_ : context_profile_;
}

uint32_t Protection::send_usage(bool seal) const {
  return initiator_ ? (seal ? kInitiatorSeal : kInitiatorSign)
                    : (seal ? kAcceptorSeal : kAcceptorSign);
}

uint32_t Protection::recv_usage(bool seal) const {
  return initiator_ ? (seal ? kAcceptorSeal : kAcceptorSign)
                    : (seal ? kInitiatorSeal : kInitiatorSign);
}

uint8_t Protection::send_flags(bool sealed) const {
  // RFC 4121 §4.2.2.
  uint8_t f = initiator_ ? 0 : tok::kFlagSentByAcceptor;
  if (sealed) f |= tok::kFlagSealed;
  if (have_acceptor_subkey()) f |= tok::kFlagAcceptorSubkey;
  return f;
}

Result<const crypto::UsageKeys*> Protection::keys(bool acceptor_subkey, uint32_t usage) {
  const crypto::Profile* p = profile(acceptor_subkey);
  if (p == nullptr) return Status::failure(Minor::kEnctypeUnsupported);
  std::optional<crypto::UsageKeys>& slot = keys_[acceptor_subkey ? 1 : 0][usage - kAcceptorSeal];
  if (!slot) {
    const base::SecretBytes& key = acceptor_subkey ? acceptor_key_ : context_key_;
    APX_TRY_ASSIGN(crypto::UsageKeys k, crypto::UsageKeys::derive(*p, key.span(), usage));
    slot.emplace(std::move(k));
    base::trace("keys derived: %s usage %u", p->name, usage);
  }
  return &*slot;
}

Result<size_t> Protection::mic_size() const {
  if (legacy_) return legacy_mic_size();
  const crypto::Profile* p = profile(have_acceptor_subkey());
  if (p == nullptr) return Status::failure(Minor::kEnctypeUnsupported);
  return kHdr + p->checksum_size;
}

Result<WrapSizes> Protection::wrap_sizes(bool conf) const {
  const crypto::Profile* p = profile(have_acceptor_subkey());
  if (p == nullptr) return Status::failure(Minor::kEnctypeUnsupported);
  // RFC 4121 §4.2.4: sealed, E(confounder ‖ data ‖ filler ‖ header) ‖ checksum with EC = 0
  // (CTS needs no padding); unsealed, data ‖ checksum with EC = the checksum's length.
  if (conf)
    return WrapSizes{kHdr + p->confounder_size, kHdr + p->checksum_size, 0};
  return WrapSizes{kHdr, p->checksum_size, static_cast<uint16_t>(p->checksum_size)};
}

Result<size_t> Protection::max_input(bool conf, size_t token_size) const {
  if (legacy_) return legacy_max_input(token_size);
  APX_TRY_ASSIGN(const WrapSizes s, wrap_sizes(conf));
  const size_t overhead = s.header + s.trailer;
  return token_size > overhead ? token_size - overhead : 0;
}

Status Protection::get_mic(std::span<const CryptoIov> msg, std::span<uint8_t> token) {
  if (legacy_) return legacy_get_mic(msg, token);
  APX_TRY_ASSIGN(const size_t size, mic_size());
  if (token.size() != size) return Status::failure(Minor::kInternal);
  APX_TRY_ASSIGN(const crypto::UsageKeys* k, keys(have_acceptor_subkey(), send_usage(false)));
  tok::write_mic_header(token.first<kHdr>(), send_flags(false), send_seq_);
  // RFC 4121 §4.2.4: the checksum covers the message, then the token header.
  IovList iov;
  iov.push_all(msg);
  iov.push(IovKind::sign_only, token.first(kHdr));
  iov.push(IovKind::trailer, token.subspan(kHdr));
  APX_TRY(k->make_checksum_iov(iov.view()));
  ++send_seq_;
  return Status::complete();
}

Status Protection::check_flags(const tok::CfxHeader& h) const {
  // §4.2.2: a token must come from the other side; a reflected one is refused.
  const bool from_acceptor = (h.flags & tok::kFlagSentByAcceptor) != 0;
  if (from_acceptor != initiator_) return Status::bad_mic(Minor::kMsgWrongDirection);
  if ((h.flags & tok::kFlagAcceptorSubkey) && !have_acceptor_subkey())
    return Status::defective_token(Minor::kMsgBadFlags);
  return Status::complete();
}

Result<OM_uint32> Protection::verify_mic(std::span<const CryptoIov> msg,
                                         std::span<const uint8_t> token) {
  if (legacy_) return legacy_verify_mic(msg, token);
  APX_TRY_ASSIGN(const tok::CfxHeader h, tok::parse_cfx_header(token, tok::kTokMic));
  APX_TRY(check_flags(h));  // a Sealed flag on a MIC token is ignored, as MIT does
  const bool acc = (h.flags & tok::kFlagAcceptorSubkey) != 0;
  const crypto::Profile* p = profile(acc);
  if (p == nullptr) return Status::failure(Minor::kEnctypeUnsupported);
  // MIT compares whatever follows the header with the checksum: a wrong length is a
  // checksum that does not verify.
  if (token.size() != kHdr + p->checksum_size) return Status::bad_mic(Minor::kMsgBadIntegrity);
  APX_TRY_ASSIGN(const crypto::UsageKeys* k, keys(acc, recv_usage(false)));
  // The caller's token is never written: header and checksum are copied to the stack.
  std::array<uint8_t, kHdr> header;
  std::array<uint8_t, kMaxChecksum> cksum;
  std::copy_n(token.begin(), kHdr, header.begin());
  std::copy(token.begin() + kHdr, token.end(), cksum.begin());
  IovList iov;
  iov.push_all(msg);
  iov.push(IovKind::sign_only, header);
  iov.push(IovKind::trailer, std::span(cksum).first(p->checksum_size));
  APX_TRY(k->verify_checksum_iov(iov.view()));
  return window_.check(h.seq);
}

Status Protection::seal(bool conf, uint16_t rrc, std::span<uint8_t> header,
                        std::span<uint8_t> confounder, std::span<const CryptoIov> msg,
                        std::span<uint8_t> trailer) {
  APX_TRY_ASSIGN(const WrapSizes sizes, wrap_sizes(conf));
  if (header.size() != kHdr || trailer.size() != sizes.trailer ||
      confounder.size() != sizes.header - kHdr)
    return Status::failure(Minor::kMsgIovInvalid);
  APX_TRY_ASSIGN(const crypto::UsageKeys* k, keys(have_acceptor_subkey(), send_usage(true)));
  const uint8_t flags = send_flags(conf);
  tok::write_wrap_header(header.first<kHdr>(), flags, sizes.ec, rrc, send_seq_);
  IovList iov;
  if (conf) {
    // §4.2.4: the encrypted copy of the header has RRC 0; no filler (EC 0).
    tok::write_wrap_header(trailer.first<kHdr>(), flags, sizes.ec, 0, send_seq_);
    iov.push(IovKind::header, confounder);
    iov.push_all(msg);
    iov.push(IovKind::data, trailer.first(kHdr));
    iov.push(IovKind::trailer, trailer.subspan(kHdr));
    APX_TRY(k->encrypt_iov(iov.view()));
  } else {
    // §4.2.4: the checksum covers the data, then the header with EC and RRC zeroed.
    std::array<uint8_t, kHdr> zeroed;
    tok::write_wrap_header(zeroed, flags, 0, 0, send_seq_);
    iov.push_all(msg);
    iov.push(IovKind::sign_only, zeroed);
    iov.push(IovKind::trailer, trailer);
    APX_TRY(k->make_checksum_iov(iov.view()));
  }
  ++send_seq_;
  return Status::complete();
}

Result<tok::CfxHeader> Protection::wrap_header(std::span<const uint8_t> token) const {
  APX_TRY_ASSIGN(const tok::CfxHeader h, tok::parse_cfx_header(token, tok::kTokWrap));
  APX_TRY(check_flags(h));
  return h;
}

size_t Protection::rotation(const tok::CfxHeader& h) const {
  // Windows rotates DCE-style sealed tokens by RRC + EC (MIT follows it).
  size_t r = h.rrc;
  if (dce_style_ && (h.flags & tok::kFlagSealed)) r += h.ec;
  return r;
}

Result<size_t> Protection::received_trailer_size(const tok::CfxHeader& h) const {
  const crypto::Profile* p = profile((h.flags & tok::kFlagAcceptorSubkey) != 0);
  if (p == nullptr) return Status::failure(Minor::kEnctypeUnsupported);
  if (h.flags & tok::kFlagSealed) return size_t{h.ec} + kHdr + p->checksum_size;
  return size_t{h.ec};
}

Result<Protection::Unsealed> Protection::unseal(const tok::CfxHeader& h,
                                                std::span<const uint8_t> header,
                                                std::span<uint8_t> confounder,
                                                std::span<const CryptoIov> msg,
                                                std::span<uint8_t> trailer) {
  const bool acc = (h.flags & tok::kFlagAcceptorSubkey) != 0;
  const bool sealed = (h.flags & tok::kFlagSealed) != 0;
  const crypto::Profile* p = profile(acc);
  if (p == nullptr) return Status::failure(Minor::kEnctypeUnsupported);
  if (header.size() != kHdr) return Status::defective_token(Minor::kTokenTruncated);
  APX_TRY_ASSIGN(const crypto::UsageKeys* k, keys(acc, recv_usage(true)));
  IovList iov;
  // Statuses as MIT gives them: whatever fails decryption or the checksum is BAD_SIG; a
  // token that decrypts but whose EC or header copy disagrees is DEFECTIVE_TOKEN.
  if (sealed) {
    if (confounder.size() != p->confounder_size || trailer.size() < p->checksum_size)
      return Status::bad_mic(Minor::kMsgBadIntegrity);
    const auto tail = trailer.first(trailer.size() - p->checksum_size);
    iov.push(IovKind::header, confounder);
    iov.push_all(msg);
    iov.push(IovKind::data, tail);
    iov.push(IovKind::trailer, trailer.last(p->checksum_size));
    APX_TRY(k->decrypt_iov(iov.view()));
    // §4.2.4: EC filler octets, then the header copy, end the decrypted data; the copy
    // must match the header, RRC aside (octets 6-7).
    if (tail.size() != size_t{h.ec} + kHdr) return Status::defective_token(Minor::kMsgBadFiller);
    const auto copy = tail.last(kHdr);
    if (!std::equal(copy.begin(), copy.begin() + 6, header.begin()) ||
        !std::equal(copy.begin() + 8, copy.end(), header.begin() + 8))
      return Status::defective_token(Minor::kMsgBadFiller);
  } else {
    // §4.2.4: without confidentiality EC counts the checksum octets; MIT splits data and
    // checksum by EC, so a wrong EC is a checksum that does not verify.
    if (h.ec != p->checksum_size || trailer.size() != p->checksum_size)
      return Status::bad_mic(Minor::kMsgBadIntegrity);
    std::array<uint8_t, kHdr> zeroed;
    std::copy(header.begin(), header.end(), zeroed.begin());
    std::fill(zeroed.begin() + 4, zeroed.begin() + 8, uint8_t{0});
    iov.push_all(msg);
    iov.push(IovKind::sign_only, zeroed);
    iov.push(IovKind::trailer, trailer);
    APX_TRY(k->verify_checksum_iov(iov.view()));
  }
  return Unsealed{sealed, window_.check(h.seq)};
}

Result<Protection::BodyLayout> Protection::body_layout(const tok::CfxHeader& h,
                                                      size_t body_size) const {
  const crypto::Profile* p = profile((h.flags & tok::kFlagAcceptorSubkey) != 0);
  if (p == nullptr) return Status::failure(Minor::kEnctypeUnsupported);
  if (h.flags & tok::kFlagSealed) {
    // confounder ‖ data ‖ filler (EC) ‖ header copy ‖ checksum. Too short to decrypt is an
    // integrity failure; EC beyond the decrypted data is found defective after decryption.
    if (body_size < p->confounder_size + p->checksum_size)
      return Status::bad_mic(Minor::kMsgBadIntegrity);
    const size_t inner = body_size - p->confounder_size - p->checksum_size;
    return BodyLayout{p->confounder_size, inner - std::min(inner, size_t{h.ec} + kHdr)};
  }
  if (h.ec > body_size) return Status::defective_token(Minor::kMsgBadFiller);
  return BodyLayout{0, body_size - h.ec};
}

Result<Protection::Unwrapped> Protection::unwrap(std::span<const uint8_t> token,
                                                std::span<uint8_t> out) {
  APX_TRY_ASSIGN(const tok::CfxHeader h, wrap_header(token));
  const auto body = token.subspan(kHdr);
  if (out.size() != body.size()) return Status::failure(Minor::kInternal);
  tok::copy_unrotated(body, rotation(h), out);
  APX_TRY_ASSIGN(const BodyLayout l, body_layout(h, body.size()));
  const size_t conf_size = l.confounder, data_len = l.data;
  const CryptoIov iov[] = {{IovKind::data, out.subspan(conf_size, data_len)}};
  APX_TRY_ASSIGN(const Unsealed u, unseal(h, token.first(kHdr), out.first(conf_size), iov,
                                          out.subspan(conf_size + data_len)));
  if (conf_size != 0 && data_len != 0)
    std::memmove(out.data(), out.data() + conf_size, data_len);
  return Unwrapped{out.first(data_len), u.conf, u.supplementary};
}

std::span<const uint8_t> Protection::protection_key() const {
  return have_acceptor_subkey() ? acceptor_key_.span() : context_key_.span();
}

int32_t Protection::protection_enctype() const {
  return have_acceptor_subkey() ? acceptor_enctype_ : context_enctype_;
}

Status Protection::prf_plus(bool full, std::span<const uint8_t> input,
                            std::span<uint8_t> out) const {
  const bool acc = full && have_acceptor_subkey();
  const crypto::Profile* p = profile(acc);
  if (p == nullptr) return Status::failure(Minor::kEnctypeUnsupported);
  const size_t block = crypto::prf_size(*p);
  // RFC 4402 §2: T_n = pseudo-random(K, n ‖ S), n a 4-octet big-endian counter; the
  // output is T_0 ‖ T_1 ‖ ... cut to the length asked for (the counter starts at 0, as in
  // MIT and Heimdal).
  std::vector<uint8_t> seed(4 + input.size());
  std::copy(input.begin(), input.end(), seed.begin() + 4);
  base::SecretBytes t(block);
  size_t done = 0;
  for (uint32_t n = 0; done < out.size(); ++n) {
    for (int i = 0; i < 4; ++i) seed[static_cast<size_t>(i)] = static_cast<uint8_t>(n >> (24 - 8 * i));
    APX_TRY(crypto::prf(*p, acc ? acceptor_key_.span() : context_key_.span(), seed, t.span()));
    const size_t take = std::min(block, out.size() - done);
    std::copy_n(t.data(), take, out.begin() + static_cast<ptrdiff_t>(done));
    done += take;
  }
  return Status::complete();
}

}  // namespace apx::core
