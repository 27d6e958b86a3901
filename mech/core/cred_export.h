// gss_export_cred / gss_import_cred: a Cred to and from MIT's "K5C1" token
// (exported_cred.h), so credentials cross processes and mechanisms (apx ↔ MIT).
#pragma once

#include <memory>
#include <span>

#include "base/result.h"
#include "base/secret_bytes.h"
#include "core/cred.h"

namespace apx::core {

// As MIT's export_cred.c: a MEMORY ccache travels as its contents (tickets and session
// keys: the token is secret), any other ccache, keytab or rcache by name.
[[nodiscard]] base::Result<base::SecretBytes> export_cred(Cred& cred);

// A credential from a token made by apx or by MIT's mechanism. Cache contents land in a
// new MEMORY ccache destroyed with the credential. Malformed tokens are
// GSS_S_DEFECTIVE_TOKEN; kinds apx cannot hold (S4U2Proxy, IAKERB, password) are
// GSS_S_UNAVAILABLE.
[[nodiscard]] base::Result<std::shared_ptr<Cred>> import_cred(std::span<const uint8_t> token);

}  // namespace apx::core
