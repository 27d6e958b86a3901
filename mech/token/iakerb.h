// IAKERB proxy messages (draft-ietf-kitten-iakerb-03 §3): the body of a context token with
// TOK_ID 05 01, an IAKERB-HEADER followed by the KDC message the peer relays.
//
//   IAKERB-HEADER ::= SEQUENCE {
//     target-realm [1] UTF8String,       -- the realm whose KDC the message is for
//     cookie       [2] OCTET STRING OPTIONAL,  -- the acceptor's, echoed by the initiator
//     ...
//   }
//
// MIT's lib/gssapi/krb5/iakerb.c (iakerb_make_token / iakerb_parse_token) is the reference
// for the layout; the KDC message is raw DER (AS-REQ/REP, TGS-REQ/REP or KRB-ERROR).
// MIT 1.20 encodes target-realm as an OCTET STRING, not the draft's UTF8String
// (asn1_k_encode.c: iakerb_header_1 is ostring_data; measured: "a1 0a 04 08 S4U.TEST"):
// apx writes MIT's form, and reads either.
// No libkrb5 here: the message is handed to libkrb5's init_creds / tkt_creds steps (the
// initiator) or to the KDC (the acceptor) by its callers.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/result.h"

namespace apx::token {

inline constexpr uint16_t kTokIakerbProxy = 0x0501;

// RFC 4120 §5.4.1, §5.4.2, §5.9.1: the APPLICATION tags of the messages IAKERB carries.
enum class KdcMessage : uint8_t {
  kAsReq = 0x6a,
  kAsRep = 0x6b,
  kTgsReq = 0x6c,
  kTgsRep = 0x6d,
  kKrbError = 0x7e,
};

struct IakerbMessage {
  std::span<const uint8_t> realm;                  // the realm's octets (borrowed)
  std::optional<std::span<const uint8_t>> cookie;  // OCTET STRING contents (borrowed)
  KdcMessage type = KdcMessage::kAsReq;
  std::span<const uint8_t> kdc_message;            // the whole KDC message DER (borrowed)
};

// Parses the body after TOK_ID 05 01. Strict DER; unknown later header fields (the
// extension marker) are skipped as MIT's decoder skips them; the KDC message must be one
// whole DER value of the types above. GSS_S_DEFECTIVE_TOKEN otherwise.
[[nodiscard]] base::Result<IakerbMessage> parse_iakerb_body(std::span<const uint8_t> body);

// The body for `realm`, `cookie` (absent when nullopt) and `kdc_message` (DER, as libkrb5
// made it), length first.
[[nodiscard]] std::vector<uint8_t> build_iakerb_body(
    std::span<const uint8_t> realm, std::optional<std::span<const uint8_t>> cookie,
    std::span<const uint8_t> kdc_message);

// The IAKERB context token for `body`: the initiator's first framed as RFC 2743 §3.1 with
// `oid` (the IAKERB OID's DER contents), every later one in either direction the TOK_ID
// alone, then the body (MIT's iakerb_make_token).
[[nodiscard]] std::vector<uint8_t> build_iakerb_token(std::span<const uint8_t> oid, bool initial,
                                                      std::span<const uint8_t> body);

// Is `token` an IAKERB proxy token? Framed with `oid` and TOK_ID 05 01, or (when
// `initial` is false) TOK_ID 05 01 alone. Returns the body, or nullopt.
[[nodiscard]] std::optional<std::span<const uint8_t>> iakerb_token_body(
    std::span<const uint8_t> oid, bool initial, std::span<const uint8_t> token);

// IAKERB-FINISHED ::= SEQUENCE { iakerb-checksum [1] Checksum, ... } (MIT's
// asn1_k_encode.c; the draft's §3.1), Checksum as RFC 4120 §5.2.9: the initiator's proof,
// in the authenticator checksum's extension of type 1, that it saw the same conversation.
struct IakerbFinished {
  int32_t cksumtype = 0;
  std::span<const uint8_t> checksum;  // borrowed
};
[[nodiscard]] base::Result<IakerbFinished> parse_iakerb_finished(std::span<const uint8_t> der);
[[nodiscard]] std::vector<uint8_t> build_iakerb_finished(int32_t cksumtype,
                                                         std::span<const uint8_t> checksum);

}  // namespace apx::token
