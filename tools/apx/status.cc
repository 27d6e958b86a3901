// `apx status`: what the mechglue of this process does with Kerberos, and with what.
#include <dlfcn.h>
#include <krb5/krb5.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>

#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "crypto/legacy_keys.h"
#include "crypto/profile.h"
#include "probe.h"

namespace apx::cli {
namespace {

// IANA enctype numbers of the RFC 3962, 8009 and 6803 enctypes, strongest first.
constexpr int32_t kModernEnctypes[] = {20, 19, 18, 17, 26, 25};

std::string library_of(void* symbol) {
  Dl_info info{};
  if (dladdr(symbol, &info) == 0 || info.dli_fname == nullptr) return "?";
  char real[PATH_MAX];
  return realpath(info.dli_fname, real) != nullptr ? real : info.dli_fname;
}

void report_versions(Report& r) {
  r.info("versions", std::string("apx ") + kVersion + "; MIT krb5 " + APX_MIT_KRB5_VERSION +
                         " (built against; libkrb5 " +
                         library_of(reinterpret_cast<void*>(&krb5_init_context)) +
                         "); " + OpenSSL_version(OPENSSL_VERSION));
}

// The enctypes apx's crypto code has a profile for, each checked against the OpenSSL
// this process loaded (a FIPS or trimmed provider set may lack Camellia, say).
void report_enctypes(Report& r) {
  std::string usable, missing;
  for (int32_t e : kModernEnctypes) {
    const crypto::Profile* p = crypto::find_profile(e);
    if (p == nullptr) continue;
    std::unique_ptr<EVP_CIPHER, decltype(&EVP_CIPHER_free)> c(
        EVP_CIPHER_fetch(nullptr, p->cbc_cipher, nullptr), &EVP_CIPHER_free);
    std::string& list = c ? usable : missing;
    if (!list.empty()) list += ", ";
    list += p->name;
  }
  std::string text = "RFC 4121 tokens: " + usable +
                     "; RFC 1964/4757 tokens (deprecated): des3-cbc-sha1, arcfour-hmac";
  if (!missing.empty()) {
    r.fail("enctypes", text + "; OpenSSL lacks the cipher of " + missing +
                           ": load OpenSSL's default provider");
    return;
  }
  r.pass("enctypes", text);
}

}  // namespace

int run_status(const Args& args) {
  bool json = false;
  for (const std::string& a : args) {
    if (a == "--json") {
      json = true;
    } else {
      std::fprintf(stderr, "apx: unexpected argument '%s' (see apx(8))\n", a.c_str());
      return 2;
    }
  }
  TraceFile trace;  // before the first GSS call
  Report r("status");
  const std::vector<MechLine> lines = apx_lines(mech_config_files());
  const MechLine* line = check_config(r, lines);
  if (line != nullptr) (void)check_module(r, *line);
  (void)check_routing(r, line, trace);
  report_versions(r);
  report_enctypes(r);
  json ? r.print_json() : r.print_text();
  return r.all_passed() ? 0 : 1;
}

}  // namespace apx::cli
