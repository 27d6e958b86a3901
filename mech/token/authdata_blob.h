// The attribute blob of an MIT composite exported name: libkrb5's serialization of an
// authdata context (krb5_authdata_export_attributes), checked before libkrb5 reads it.
#pragma once

#include <cstdint>
#include <span>

namespace apx::token {

// True when `blob` is, field by field, what libkrb5 1.20's modules write: a count, then
// per module its name ("mspac" or "authentication-indicators") and its own fields, every length within the
// blob. libkrb5 1.20.1's mspac_internalize hands an unchecked length to krb5_pac_parse and
// reads past the blob (fixed upstream in "Validate lengths when deserializing", MIT ticket
// 9209, after 1.22): apx must not pass it a blob that lies about a length.
[[nodiscard]] bool authdata_blob_well_formed(std::span<const uint8_t> blob);

}  // namespace apx::token
