// libFuzzer target: the per-message core, core::Protection::unwrap and verify_mic, on the
// receiving side of real contexts: both sides of the four contexts of
// ../shared/vectors/rfc4121_mit_tokens.txt (aes256-cts-hmac-sha1-96 and
// aes256-cts-hmac-sha384-192, with and without an acceptor subkey), with the keys of their
// initial lucid contexts (mit_tokens.h), and the same eight once more in DCE style (where
// a sealed token is rotated by RRC + EC).
//
// Every receiver gets the whole input as a Wrap token (unwrap), and the input split as
// message ‖ MIC token, the token being the last mic_size() octets (verify_mic). The seed
// corpus holds MIT's tokens in those shapes.
//
// Checked beyond "no crash": a failure is DEFECTIVE_TOKEN or BAD_SIG; anything accepted
// must be one of MIT's tokens for that context and direction: same sequence number,
// MIC or Wrap, sealed or not, and the same message (SHA-256 in mit_tokens.h). A forged
// token that verifies aborts with the receiver and the input's header.
//
// The receivers live for the whole run (their derived keys are kept), so their replay
// windows see every input: that changes only the supplementary bits of accepted tokens.
#include <gssapi/gssapi.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/protection.h"
#include "mit_tokens.h"

namespace {

using apx::core::Protection;
using apx::core::ProtectionKeys;
namespace crypto = apx::crypto;

struct Receiver {
  const apx_fuzz::LucidSide* side;
  bool dce;
  std::unique_ptr<Protection> p;
};

[[noreturn]] void fail(const Receiver& r, const char* what, std::span<const uint8_t> token) {
  std::fprintf(stderr, "fuzz_unwrap: %s (receiver %s %s%s; token header", what,
               r.side->context, r.side->initiator ? "initiator" : "acceptor",
               r.dce ? " dce-style" : "");
  for (size_t i = 0; i < token.size() && i < 16; ++i) std::fprintf(stderr, " %02x", token[i]);
  std::fprintf(stderr, ")\n");
  std::abort();
}

std::vector<uint8_t> unhex(std::string_view s) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < s.size(); i += 2) {
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    out.push_back(static_cast<uint8_t>(nibble(s[i]) << 4 | nibble(s[i + 1])));
  }
  return out;
}

std::vector<Receiver> make_receivers() {
  std::vector<Receiver> out;
  for (const bool dce : {false, true}) {
    for (const apx_fuzz::LucidSide& s : apx_fuzz::kSides) {
      const std::vector<uint8_t> ctx_key = unhex(s.ctx_key), acc_key = unhex(s.acc_key);
      ProtectionKeys k;
      k.context_key = ctx_key;
      k.context_enctype = s.ctx_enctype;
      k.acceptor_subkey = acc_key;
      k.acceptor_enctype = s.acc_enctype;
      OM_uint32 flags = GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG;
      if (dce) flags |= GSS_C_DCE_STYLE;
      out.push_back({&s, dce,
                     std::make_unique<Protection>(s.initiator, flags, k, s.send_seq, s.recv_seq)});
    }
  }
  return out;
}

std::vector<Receiver>& receivers() {
  static std::vector<Receiver> r = make_receivers();
  return r;
}

uint64_t header_seq(std::span<const uint8_t> token) {
  // RFC 4121 §4.2.6: SND_SEQ is octets 8..15 of both headers, big-endian.
  uint64_t seq = 0;
  for (size_t i = 8; i < 16; ++i) seq = seq << 8 | token[i];
  return seq;
}

// Is this what MIT sent to `r` (same context, from the other side)?
bool is_real(const Receiver& r, bool mic, bool sealed, uint64_t seq,
             std::span<const uint8_t> message) {
  std::array<uint8_t, 32> digest{};
  unsigned int len = 0;
  if (EVP_Digest(message.data(), message.size(), digest.data(), &len, EVP_sha256(), nullptr) != 1)
    std::abort();
  for (const apx_fuzz::RealToken& t : apx_fuzz::kRealTokens) {
    if (std::strcmp(t.context, r.side->context) != 0 || t.from_initiator == r.side->initiator ||
        t.mic != mic || t.sealed != sealed || t.seq != seq)
      continue;
    const std::vector<uint8_t> want = unhex(t.message_sha256);
    if (std::equal(want.begin(), want.end(), digest.begin(), digest.end())) return true;
  }
  return false;
}

void expect_refusal(const Receiver& r, const apx::base::Status& s, std::span<const uint8_t> token) {
  if (s.major() != GSS_S_DEFECTIVE_TOKEN && s.major() != GSS_S_BAD_SIG)
    fail(r, "refused with a major code other than DEFECTIVE_TOKEN or BAD_SIG", token);
}

void try_unwrap(Receiver& r, std::span<const uint8_t> token) {
  // gss_unwrap's output buffer: exactly the octets after the header (ASan sees overruns).
  std::vector<uint8_t> out(token.size() >= 16 ? token.size() - 16 : 0);
  const auto u = r.p->unwrap(token, out);
  if (!u) return expect_refusal(r, u.error(), token);
  if (token.size() < 16) fail(r, "unwrap accepted a token shorter than its header", token);
  if (!u->plain.empty() && (u->plain.data() != out.data() || u->plain.size() > out.size()))
    fail(r, "unwrap returned a message outside its output buffer", token);
  if (!is_real(r, false, u->conf, header_seq(token), u->plain))
    fail(r, "unwrap accepted a Wrap token MIT did not make", token);
}

void try_verify_mic(Receiver& r, std::span<const uint8_t> in) {
  const auto size = r.p->mic_size();
  if (!size || in.size() < *size) return;
  std::vector<uint8_t> message(in.begin(), in.end() - static_cast<std::ptrdiff_t>(*size));
  const auto token = in.last(*size);
  const crypto::CryptoIov iov[] = {{crypto::IovKind::data, message}};
  const auto v = r.p->verify_mic(iov, token);
  if (!v) return expect_refusal(r, v.error(), token);
  if (!std::equal(message.begin(), message.end(), in.begin()))
    fail(r, "verify_mic wrote to the message", token);
  if (!is_real(r, true, false, header_seq(token), message))
    fail(r, "verify_mic accepted a MIC token MIT did not make", token);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  for (Receiver& r : receivers()) {
    try_unwrap(r, in);
    try_verify_mic(r, in);
  }
  return 0;
}
