// apx::base::Status — a GSS major/minor pair returned by value.
#pragma once

#include <gssapi/gssapi.h>

#include <cstdint>
#include <string>

#include "base/minor.h"

namespace apx::base {

class [[nodiscard]] Status {
 public:
  constexpr Status() = default;
  constexpr Status(OM_uint32 major, OM_uint32 minor) : major_(major), minor_(minor) {}

  [[nodiscard]] constexpr bool ok() const { return GSS_ERROR(major_) == 0; }
  [[nodiscard]] constexpr OM_uint32 major() const { return major_; }
  [[nodiscard]] constexpr OM_uint32 minor() const { return minor_; }

  // Named constructors: one per way a call can fail.
  static constexpr Status complete() { return {}; }
  static constexpr Status continue_needed() { return {GSS_S_CONTINUE_NEEDED, 0}; }
  static constexpr Status failure(OM_uint32 minor) { return {GSS_S_FAILURE, minor}; }
  static constexpr Status failure(Minor m) { return {GSS_S_FAILURE, code(m)}; }
  static constexpr Status defective_token(Minor m) { return {GSS_S_DEFECTIVE_TOKEN, code(m)}; }
  static constexpr Status bad_mic(Minor m) { return {GSS_S_BAD_SIG, code(m)}; }
  static constexpr Status bad_name(Minor m) { return {GSS_S_BAD_NAME, code(m)}; }
  static constexpr Status bad_nametype(Minor m) { return {GSS_S_BAD_NAMETYPE, code(m)}; }
  static constexpr Status bad_mech(Minor m) { return {GSS_S_BAD_MECH, code(m)}; }
  static constexpr Status no_cred(OM_uint32 minor) { return {GSS_S_NO_CRED, minor}; }
  static constexpr Status no_context(Minor m) { return {GSS_S_NO_CONTEXT, code(m)}; }
  static constexpr Status unavailable(Minor m) { return {GSS_S_UNAVAILABLE, code(m)}; }
  static constexpr Status bad_bindings(Minor m) { return {GSS_S_BAD_BINDINGS, code(m)}; }
  static constexpr Status call_inaccessible_write() {
    return {GSS_S_CALL_INACCESSIBLE_WRITE, 0};
  }
  static constexpr Status call_inaccessible_read() { return {GSS_S_CALL_INACCESSIBLE_READ, 0}; }
  static Status no_memory();

 private:
  OM_uint32 major_ = GSS_S_COMPLETE;
  OM_uint32 minor_ = 0;
};

// Attach a person-readable explanation to a minor code: gss_display_status shows it in
// place of the code's fixed text. Kept per thread, like MIT's saved error info.
void set_detail(OM_uint32 minor, std::string text);
// The explanation saved for `minor` on this thread, or empty.
[[nodiscard]] std::string detail_for(OM_uint32 minor);

// A Status with a saved explanation.
[[nodiscard]] Status with_detail(Status s, std::string text);

// Separates the parts of an explanation that gss_display_status returns one per call
// (RFC 2744 §5.11 message_context): libkrb5's own words first, exactly as MIT's mechanism
// shows them and as programs compare them, then apx's advice.
inline constexpr char kDetailPartBreak = '\x1f';
[[nodiscard]] Status with_detail_parts(Status s, const std::string& first,
                                       const std::string& second);

}  // namespace apx::base

// Control flow helpers: the only two macros.
#define APX_CONCAT_INNER(a, b) a##b
#define APX_CONCAT(a, b) APX_CONCAT_INNER(a, b)

// Return the Status of `expr` from the enclosing function when it is an error.
#define APX_TRY(expr)                                  \
  do {                                                 \
    ::apx::base::Status apx_try_status_ = (expr);      \
    if (!apx_try_status_.ok()) return apx_try_status_; \
  } while (false)

// `lhs = *expr` when the Result holds a value, else return its Status.
#define APX_TRY_ASSIGN(lhs, expr)                                                  \
  auto APX_CONCAT(apx_try_result_, __LINE__) = (expr);                             \
  if (!APX_CONCAT(apx_try_result_, __LINE__)) {                                    \
    return APX_CONCAT(apx_try_result_, __LINE__).error();                          \
  }                                                                                \
  lhs = std::move(*APX_CONCAT(apx_try_result_, __LINE__))
