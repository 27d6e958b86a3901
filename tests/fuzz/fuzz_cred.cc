// libFuzzer target: core::decode_exported_cred, the krb5 mechanism's "K5C1" credential
// token (MIT's JSON, read by token::json_parse and token::base64), as gss_import_cred
// receives it from another process.
//
// Checked beyond "no crash": a refusal is GSS_S_DEFECTIVE_TOKEN with apx's format code;
// what decodes encodes (in MIT's layout: no whitespace, minimal escapes, times as
// unsigned) to a token that decodes again and encodes to the same bytes.
#include <gssapi/gssapi.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "base/minor.h"
#include "core/exported_cred.h"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_cred: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto c = apx::core::decode_exported_cred({data, size});
  if (!c) {
    if (c.error().major() != GSS_S_DEFECTIVE_TOKEN ||
        c.error().minor() != apx::base::code(apx::base::Minor::kCredExportFormat))
      fail("refused with another status");
    return 0;
  }
  auto once = apx::core::encode_exported_cred(*c);
  if (!once) fail("a decoded credential does not encode");
  auto again = apx::core::decode_exported_cred(once->span());
  if (!again) fail("an encoded credential does not decode");
  auto twice = apx::core::encode_exported_cred(*again);
  if (!twice || twice->size() != once->size() ||
      std::string(once->span().begin(), once->span().end()) !=
          std::string(twice->span().begin(), twice->span().end()))
    fail("encoding is not stable");
  return 0;
}
