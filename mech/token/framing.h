// RFC 2743 §3.1 mechanism-independent token framing, with RFC 4121 §4.1's two-octet
// TOK_ID at the start of the inner token:
//   0x60 <DER length> 0x06 <OID length> <OID> <TOK_ID: 2 octets> <body>
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"

namespace apx::token {

// RFC 4121 §4.1 TOK_ID values of context-establishment tokens.
inline constexpr uint16_t kTokApReq = 0x0100;
inline constexpr uint16_t kTokApRep = 0x0200;
inline constexpr uint16_t kTokKrbError = 0x0300;

struct Framed {
  std::span<const uint8_t> oid;   // DER contents of the mechanism OID (borrowed)
  uint16_t tok_id = 0;
  std::span<const uint8_t> body;  // AP-REQ, AP-REP or KRB-ERROR (borrowed)
};

// Parse a framed context token. The outer length must cover the token exactly.
[[nodiscard]] base::Result<Framed> parse_framed(std::span<const uint8_t> token);

// Size of the framed token for an OID of `oid_len` octets and a body of `body_len`.
[[nodiscard]] size_t framed_size(size_t oid_len, size_t body_len);

// The whole framed token.
[[nodiscard]] std::vector<uint8_t> build_framed(std::span<const uint8_t> oid, uint16_t tok_id,
                                                std::span<const uint8_t> body);

}  // namespace apx::token
