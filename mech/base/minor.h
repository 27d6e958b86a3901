// apx's own minor status codes. libkrb5 error codes pass through unchanged as minor
// codes; apx's codes live above a private base so the two never meet.
#pragma once

#include <gssapi/gssapi.h>

#include <cstdint>

namespace apx::base {

inline constexpr OM_uint32 kMinorBase = 0x2A7E5800;  // 'apx' table, 256 codes

enum class Minor : OM_uint32 {
  kNone = 0,
  // Tokens
  kTokenTruncated,
  kTokenFraming,
  kTokenWrongMech,
  kTokenWrongTokId,
  kTokenTrailingBytes,
  kTokenEmpty,
  kTokenUnexpected,
  // Names
  kNameSyntax,
  kNameTypeUnsupported,
  kNameExportFormat,
  kNameExportWrongMech,
  kNameNotMechName,
  // Credentials
  kCredNotInitiator,
  kCredNotAcceptor,
  kCredUsageInvalid,
  kCredStoreKeyUnknown,
  kCredMechUnsupported,
  // Context
  kCtxAlreadyComplete,
  kCtxIncomplete,
  kCtxWrongRole,
  kCtxNoMutualReply,
  kCksumFormat,
  kCksumBindingsMismatch,
  kCksumDelegation,
  kMechUnsupported,
  kEnctypeUnsupported,
  kOptionUnsupported,
  kContextExpired,
  kInternal,
  // Per-message
  kMsgBadIntegrity,
  kMsgWrongDirection,
  kMsgBadFlags,
  kMsgBadFiller,
  kMsgLegacyToken,
  kMsgIovInvalid,
  kMsgQopUnsupported,
  kMsgTooLarge,
  // Authenticator checks (appended: the codes above keep their values)
  kCksumExtension,
  kCksumUnverified,
  kCksumCbtRequired,
  kTokenDceFramed,
  // Context export
  kCtxExportFormat,
  // Credential export (MIT's "K5C1" format)
  kCredExportFormat,
  kCredExportUnsupported,
  // S4U2Self / S4U2Proxy
  kCredCannotImpersonate,
  kCount
};

[[nodiscard]] constexpr OM_uint32 code(Minor m) {
  return m == Minor::kNone ? 0 : kMinorBase + static_cast<OM_uint32>(m);
}

// True when `minor` is one of apx's own codes.
[[nodiscard]] constexpr bool is_apx_minor(OM_uint32 minor) {
  return minor > kMinorBase && minor < kMinorBase + static_cast<OM_uint32>(Minor::kCount);
}

// The fixed text of an apx minor code: what went wrong and what to do. nullptr when
// `minor` is not apx's.
[[nodiscard]] const char* minor_text(OM_uint32 minor);

}  // namespace apx::base
