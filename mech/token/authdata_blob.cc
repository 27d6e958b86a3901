#include "token/authdata_blob.h"

#include <string_view>

#include "token/reader.h"

namespace apx::token {

namespace {

// A libkrb5 serialized length (krb5_ser_pack_int32: 4 octets, big-endian, signed) that
// must fit in what is left.
bool length(Reader& r, size_t& out) {
  uint32_t v = 0;
  if (!r.u32be(v) || v > 0x7fffffffu || v > r.remaining()) return false;
  out = v;
  return true;
}

// pac.c mspac_externalize: PAC length, the PAC (none when 0), the verified flag.
bool mspac(Reader& r) {
  size_t n = 0;
  uint32_t verified = 0;
  return length(r, n) && r.skip(n) && r.u32be(verified);
}

// ai_authdata.c authind_externalize: the count, then each indicator's length and octets.
bool authind(Reader& r) {
  size_t count = 0;
  if (!length(r, count)) return false;
  for (size_t i = 0; i < count; ++i) {
    size_t n = 0;
    if (!length(r, n) || !r.skip(n)) return false;
  }
  return true;
}

}  // namespace

bool authdata_blob_well_formed(std::span<const uint8_t> blob) {
  // authdata.c k5_ad_externalize: the module count, then per module its name's length,
  // the name and the module's own fields. libkrb5 1.20's built-in modules are the only
  // ones that serialize (no authdata plugin ships with it).
  Reader r(blob);
  size_t count = 0;
  if (!length(r, count)) return false;
  for (size_t i = 0; i < count; ++i) {
    size_t n = 0;
    std::span<const uint8_t> name;
    if (!length(r, n) || !r.bytes(n, name)) return false;
    const std::string_view module(reinterpret_cast<const char*>(name.data()), name.size());
    if (module == "mspac") {
      if (!mspac(r)) return false;
    } else if (module == "authentication-indicators") {
      if (!authind(r)) return false;
    } else {
      return false;
    }
  }
  // libkrb5 ignores what follows the last module; MIT writes nothing there.
  return r.at_end();
}

}  // namespace apx::token
