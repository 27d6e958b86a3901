// A first, structural look at a KRB_AP_REQ (RFC 4120 §5.5.1) before libkrb5 decrypts it:
// the outer DER must be well formed, and the ap-options tell whether the initiator waits
// for an answer (a KRB-ERROR can then be sent back on failure, as MIT does).
#pragma once

#include <cstdint>
#include <span>

#include "base/result.h"

namespace apx::token {

struct ApReqPeek {
  uint32_t options = 0;             // libkrb5's flag word (AP_OPTS_MUTUAL_REQUIRED = 0x20000000)
  std::span<const uint8_t> ticket;  // the Ticket's DER, [APPLICATION 1] (borrowed)
};

// AP-REQ ::= [APPLICATION 14] SEQUENCE { pvno [0], msg-type [1], ap-options [2] BIT STRING,
// ticket [3], authenticator [4] }.
[[nodiscard]] base::Result<ApReqPeek> peek_ap_req(std::span<const uint8_t> ap_req);

}  // namespace apx::token
