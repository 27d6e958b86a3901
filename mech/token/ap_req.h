// A first, structural look at a KRB_AP_REQ (RFC 4120 §5.5.1) before libkrb5 decrypts it:
// the outer DER must be well formed, and the ap-options tell whether the initiator waits
// for an answer (a KRB-ERROR can then be sent back on failure, as MIT does).
#pragma once

#include <cstdint>
#include <span>

#include "base/result.h"

namespace apx::token {

// AP-REQ ::= [APPLICATION 14] SEQUENCE { pvno [0], msg-type [1], ap-options [2] BIT STRING,
// ticket [3], authenticator [4] }. Returns ap-options as libkrb5's flag word
// (AP_OPTS_MUTUAL_REQUIRED = 0x20000000).
[[nodiscard]] base::Result<uint32_t> peek_ap_options(std::span<const uint8_t> ap_req);

}  // namespace apx::token
