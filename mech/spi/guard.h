// What every exported function shares: the export attribute, status reporting, and the
// guard that keeps exceptions from crossing the C ABI. Needs only <gssapi/gssapi.h>.
#pragma once

#include <gssapi/gssapi.h>

#include <cerrno>
#include <new>

#include "base/status.h"

#define APX_EXPORT extern "C" __attribute__((visibility("default")))

// The interposer table: the mechglue looks up gssi_<call> for each call it routes to an
// interposer. Each is an alias, in the defining file, of the standalone entry point.
#define APX_GSSI(name, target)                                                       \
  extern "C" __attribute__((visibility("default"), alias(#target))) decltype(target) \
      gssi_##name;
// For entry points defined under another C++ name with an assembler label.
#define APX_GSSI_ASM(name, decl, symbol)                                           \
  extern "C" __attribute__((visibility("default"), alias(symbol))) decltype(decl) \
      gssi_##name;

namespace apx::spi {

// Set *minor and return the major code.
inline OM_uint32 report(OM_uint32* minor, base::Status s) {
  if (minor != nullptr) *minor = s.minor();
  return s.major();
}

// Run `body` and turn any exception into a GSS failure: nothing unwinds across the C ABI.
template <class F>
OM_uint32 guarded(OM_uint32* minor, F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    if (minor != nullptr) *minor = ENOMEM;
  } catch (...) {
    if (minor != nullptr) *minor = base::code(base::Minor::kInternal);
  }
  return GSS_S_FAILURE;
}

}  // namespace apx::spi
