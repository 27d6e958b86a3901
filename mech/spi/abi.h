// The C ABI layer: handle casts, output helpers, and the exception guard shared by the
// exported functions.
#pragma once

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "spi/guard.h"
#include "core/context.h"
#include "core/cred.h"
#include "core/name.h"


namespace apx::spi {

// gss_cred_id_t points at one of these: several contexts may share a credential.
struct CredHandle {
  std::shared_ptr<core::Cred> cred;
};

inline core::Name* as_name(gss_name_t n) { return reinterpret_cast<core::Name*>(n); }
inline gss_name_t to_handle(core::Name* n) { return reinterpret_cast<gss_name_t>(n); }
inline CredHandle* as_cred(gss_cred_id_t c) { return reinterpret_cast<CredHandle*>(c); }
inline gss_cred_id_t to_handle(CredHandle* c) { return reinterpret_cast<gss_cred_id_t>(c); }
inline core::Context* as_ctx(gss_ctx_id_t c) { return reinterpret_cast<core::Context*>(c); }
inline gss_ctx_id_t to_handle(core::Context* c) { return reinterpret_cast<gss_ctx_id_t>(c); }

inline std::span<const uint8_t> bytes_of(const gss_buffer_t b) {
  if (b == GSS_C_NO_BUFFER || b->value == nullptr) return {};
  return {static_cast<const uint8_t*>(b->value), b->length};
}

// Outputs the mechglue releases with free(): allocate with malloc.
[[nodiscard]] base::Status set_buffer(gss_buffer_t out, std::span<const uint8_t> bytes);
[[nodiscard]] base::Status set_buffer(gss_buffer_t out, std::string_view text);
[[nodiscard]] base::Status make_oid_set(std::span<const gss_OID_desc* const> oids,
                                        gss_OID_set* out);
[[nodiscard]] base::Status add_to_buffer_set(gss_buffer_set_t* set, std::span<const uint8_t> b);
// A text member: a terminating NUL beyond `length`, as MIT's mechanism hands out attribute
// names (libkrb5's urn:mspac:<n> lookup reads up to that NUL).
[[nodiscard]] base::Status add_to_buffer_set(gss_buffer_set_t* set, std::string_view text);
void clear_buffer(gss_buffer_t b);
// Frees what set_buffer / add_to_buffer_set allocated (apx must not call the mechglue's
// gss_release_* from inside the module).
void free_buffer(gss_buffer_t b);
void free_buffer_set(gss_buffer_set_t* set);
// Releases a lucid context made by gss_inquire_sec_context_by_oid (queries.cc).
void free_lucid(void* lucid);

}  // namespace apx::spi
