// apx::core::Protection — the per-message side of an established context (RFC 4121 §4.2):
// keys, sequence numbers and the one seal/unseal core that gss_get_mic, gss_wrap and
// their IOV forms share.
//
// Keys are derived once per context and usage (lazily, on first use) and kept scheduled;
// the calls below allocate nothing. One context is used by one thread at a time.
#pragma once

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/result.h"
#include "base/secret_bytes.h"
#include "core/seq_window.h"
#include "crypto/iov.h"
#include "crypto/legacy_keys.h"
#include "crypto/usage_keys.h"
#include "token/cfx.h"

namespace apx::core {

enum class Role;

// Where the parts of a Wrap token go: the header buffer holds the 16-octet token header
// (plus the confounder when sealed); the trailer holds EC filler octets, the encrypted
// header copy (sealed) and the checksum.
struct WrapSizes {
  size_t header = 0;
  size_t trailer = 0;
  uint16_t ec = 0;
};

struct ProtectionKeys {
  std::span<const uint8_t> context_key;  // initiator subkey, or the session key
  int32_t context_enctype = 0;
  std::span<const uint8_t> acceptor_subkey;  // empty when the acceptor asserted none
  int32_t acceptor_enctype = 0;
  std::span<const uint8_t> mech_oid;  // DER contents: RFC 1964 tokens carry it (framing)
};

// The parts of an RFC 1964 Wrap token laid out by wrap_iov: the header buffer holds the
// framing, the token header, SND_SEQ, SGN_CKSUM and the confounder; the padding buffer
// the pad octets (each holding the pad's length).
struct LegacyWrapSizes {
  size_t header = 0;
  size_t padding = 0;
};

class Protection {
 public:
  Protection(bool initiator, OM_uint32 flags, const ProtectionKeys& keys, uint64_t send_seq,
             uint64_t recv_seq);
  // For an imported context: the receive window as it was exported.
  Protection(bool initiator, OM_uint32 flags, const ProtectionKeys& keys, uint64_t send_seq,
             const SeqWindow& window);

  [[nodiscard]] base::Result<size_t> mic_size() const;
  [[nodiscard]] base::Result<WrapSizes> wrap_sizes(bool conf) const;
  // Largest message whose Wrap token fits in `token_size` octets.
  [[nodiscard]] base::Result<size_t> max_input(bool conf, size_t token_size) const;

  // RFC 4121 §4.2.6.1: `token` (mic_size() octets) = header ‖ checksum(msg ‖ header).
  base::Status get_mic(std::span<const crypto::CryptoIov> msg, std::span<uint8_t> token);
  // Supplementary status bits on success.
  base::Result<OM_uint32> verify_mic(std::span<const crypto::CryptoIov> msg,
                                     std::span<const uint8_t> token);

  // RFC 4121 §4.2.6.2: writes the header (with `rrc`), the confounder when `conf`, protects
  // `msg` (data encrypted in place when `conf`) and fills `trailer`. Sizes per wrap_sizes.
  base::Status seal(bool conf, uint16_t rrc, std::span<uint8_t> header,
                    std::span<uint8_t> confounder, std::span<const crypto::CryptoIov> msg,
                    std::span<uint8_t> trailer);

  struct Unsealed {
    bool conf = false;
    OM_uint32 supplementary = 0;
  };
  // The parsed header of a received Wrap token, checked for direction and key flags.
  base::Result<token::CfxHeader> wrap_header(std::span<const uint8_t> token) const;
  // The rotation the sender applied to the octets after the header (RRC, plus EC for
  // DCE-style sealed tokens as Windows sends them).
  [[nodiscard]] size_t rotation(const token::CfxHeader& h) const;
  // Verifies (and when sealed decrypts in place) a Wrap token laid out in its parts:
  // `confounder` is empty unless sealed; `trailer` = filler(EC) ‖ header copy ‖ checksum
  // when sealed, the EC checksum octets otherwise.
  base::Result<Unsealed> unseal(const token::CfxHeader& h, std::span<const uint8_t> header,
                                std::span<uint8_t> confounder,
                                std::span<const crypto::CryptoIov> msg,
                                std::span<uint8_t> trailer);
  // gss_unwrap: a whole Wrap token. The octets after the header are copied into `out`
  // (token.size() - 16 octets, caller's) with the rotation undone, then unsealed there;
  // `plain` is the message inside `out`, at its start. The token is never written.
  struct Unwrapped {
    std::span<uint8_t> plain;
    bool conf = false;
    OM_uint32 supplementary = 0;
  };
  base::Result<Unwrapped> unwrap(std::span<const uint8_t> token, std::span<uint8_t> out);
  // Where the parts of a received token's body (the octets after the header, rotation
  // undone) lie: confounder, then data, then the trailer (filler, header copy, checksum).
  struct BodyLayout {
    size_t confounder = 0;
    size_t data = 0;
  };
  base::Result<BodyLayout> body_layout(const token::CfxHeader& h, size_t body_size) const;
  // Size of the trailer of a received token with header `h`.
  [[nodiscard]] base::Result<size_t> received_trailer_size(const token::CfxHeader& h) const;

  // RFC 4402 PRF+ with the RFC 4121 key choice: GSS_C_PRF_KEY_FULL takes the acceptor
  // subkey when there is one, GSS_C_PRF_KEY_PARTIAL the initiator's subkey.
  base::Status prf_plus(bool full, std::span<const uint8_t> input, std::span<uint8_t> out) const;
  // The key messages are protected with (acceptor subkey if asserted, else the context key).
  [[nodiscard]] std::span<const uint8_t> protection_key() const;
  [[nodiscard]] int32_t protection_enctype() const;
  [[nodiscard]] std::span<const uint8_t> context_key() const { return context_key_.span(); }
  [[nodiscard]] std::span<const uint8_t> acceptor_key() const { return acceptor_key_.span(); }
  [[nodiscard]] int32_t context_enctype() const { return context_enctype_; }
  [[nodiscard]] int32_t acceptor_enctype() const { return acceptor_enctype_; }
  [[nodiscard]] uint64_t send_seq() const { return send_seq_; }
  [[nodiscard]] const SeqWindow& recv_window() const { return window_; }
  [[nodiscard]] bool have_acceptor_subkey() const { return !acceptor_key_.empty(); }
  [[nodiscard]] bool dce_style() const { return dce_style_; }

  // ---- RFC 1964 / RFC 4757 tokens (des3-cbc-sha1, arcfour-hmac[-exp]): protection_legacy.cc.
  // mic_size, get_mic, verify_mic and max_input dispatch to these by themselves; the Wrap
  // calls, whose layouts differ, are called by the C ABI layer when legacy() is true.
  [[nodiscard]] bool legacy() const { return legacy_ != nullptr; }
  // `data`: octets of the DATA buffers (encrypted when sealed). With `dce` (IOV calls of a
  // DCE-style context) there is no padding and the framing covers the header only.
  [[nodiscard]] LegacyWrapSizes legacy_wrap_sizes(size_t data, bool dce) const;
  // Writes the header (legacy_wrap_sizes().header octets) and the padding, signs, and
  // encrypts confounder, data and padding in place when `conf`.
  base::Status legacy_seal(bool conf, std::span<uint8_t> header,
                           std::span<const crypto::CryptoIov> msg, std::span<uint8_t> padding,
                           bool dce);
  struct LegacyUnsealed {
    bool conf = false;
    OM_uint32 supplementary = 0;
    size_t pad = 0;  // the pad's length, read from its last octet (0 with `dce`)
  };
  // Verifies, and when sealed decrypts in place, a Wrap token of `token_size` octets in all
  // whose `header` buffer holds framing to confounder; `padding` may be empty (then the pad
  // ends the data).
  base::Result<LegacyUnsealed> legacy_unseal(std::span<uint8_t> header, size_t token_size,
                                             std::span<const crypto::CryptoIov> msg,
                                             std::span<uint8_t> padding, bool dce);
  // Size of the header part (framing to confounder) of a Wrap token starting with `token`.
  [[nodiscard]] base::Result<size_t> legacy_header_size(std::span<const uint8_t> token,
                                                        size_t token_size) const;
  // gss_unwrap: `out` (token.size() octets, caller's) receives a copy of the token, which
  // is unsealed there; the message is moved to its start.
  base::Result<Unwrapped> legacy_unwrap(std::span<const uint8_t> token, std::span<uint8_t> out);

 private:
  [[nodiscard]] size_t legacy_mic_size() const;
  [[nodiscard]] size_t legacy_max_input(size_t token_size) const;
  base::Status legacy_get_mic(std::span<const crypto::CryptoIov> msg, std::span<uint8_t> token);
  base::Result<OM_uint32> legacy_verify_mic(std::span<const crypto::CryptoIov> msg,
                                            std::span<const uint8_t> token);
  base::Status legacy_sign(bool wrap, std::span<uint8_t> tok,
                           std::span<const crypto::CryptoIov> iov);
  struct LegacySeq {
    uint32_t seq = 0;
    uint8_t direction = 0;
  };
  base::Result<LegacySeq> legacy_check(bool wrap, std::span<const uint8_t> signed_header,
                                       std::span<const uint8_t> snd_seq,
                                       std::span<const uint8_t> cksum,
                                       std::span<const crypto::CryptoIov> iov, bool decrypt);

  // RFC 4121 §2 key usages.
  static constexpr uint32_t kAcceptorSeal = 22, kAcceptorSign = 23, kInitiatorSeal = 24,
                            kInitiatorSign = 25;
  base::Result<const crypto::UsageKeys*> keys(bool acceptor_subkey, uint32_t usage);
  [[nodiscard]] const crypto::Profile* profile(bool acceptor_subkey) const;
  base::Status check_flags(const token::CfxHeader& h) const;
  [[nodiscard]] uint8_t send_flags(bool sealed) const;
  [[nodiscard]] uint32_t send_usage(bool seal) const;
  [[nodiscard]] uint32_t recv_usage(bool seal) const;

  bool initiator_;
  bool dce_style_;
  base::SecretBytes context_key_;
  base::SecretBytes acceptor_key_;
  int32_t context_enctype_;
  int32_t acceptor_enctype_;
  const crypto::Profile* context_profile_;
  const crypto::Profile* acceptor_profile_;
  // [acceptor subkey?][usage - 22]
  std::array<std::array<std::optional<crypto::UsageKeys>, 4>, 2> keys_;
  uint64_t send_seq_;
  SeqWindow window_;
  std::vector<uint8_t> mech_oid_;
  std::unique_ptr<crypto::LegacyKeys> legacy_;  // set for DES3 and RC4 protection keys
};

}  // namespace apx::core
