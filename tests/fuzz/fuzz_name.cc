// libFuzzer target: core::Name::import, the input taken as an RFC 2743 §3.2 exported name
// (GSS_C_NT_EXPORT_NAME), as an RFC 6680 composite exported name (GSS_C_NT_COMPOSITE_EXPORT,
// whose attribute blob libkrb5 reads) and as the text of a krb5 principal, an enterprise
// principal and a host-based service name.
//
// libkrb5 parses the text forms with the realm and host rules of krb5.conf: the target
// writes its own small one (realm APX.TEST, no DNS) at start and points KRB5_CONFIG at it.
//
// Checked beyond "no crash": every failure is BAD_NAME or BAD_NAMETYPE; every imported
// name has a krb5_principal and exports to a token that imports again; a principal
// displays as a text, and exports to a token, that import to an equal name; a composite
// export imports to an equal name that exports to the same bytes (as t_export_name -c
// checks for MIT's mechanism).
#include <gssapi/gssapi.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "core/name.h"
#include "core/oids.h"
#include "krb5/k5.h"

namespace {

using apx::core::Name;

constexpr char kKrb5Conf[] =
    "[libdefaults]\n"
    "    default_realm = APX.TEST\n"
    "    dns_lookup_kdc = false\n"
    "    dns_lookup_realm = false\n"
    "    dns_canonicalize_hostname = false\n"
    "    rdns = false\n"
    "    qualify_shortname = \"\"\n"
    "[domain_realm]\n"
    "    localhost = APX.TEST\n"
    "    .apx.test = APX.TEST\n";

std::string conf_path;

void remove_conf() { unlink(conf_path.c_str()); }

const char* current_type = "";  // the name type being imported, for failure reports

[[noreturn]] void fail(const char* what, const Name* n = nullptr) {
  std::fprintf(stderr, "fuzz_name: importing as %s: %s", current_type, what);
  if (n != nullptr) {
    std::fprintf(stderr, ": name");
    for (const char c : n->display()) std::fprintf(stderr, " %02x", static_cast<uint8_t>(c));
  }
  std::fprintf(stderr, "\n");
  std::abort();
}

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

void expect_name_error(const apx::base::Result<Name>& r) {
  if (r) return;
  const OM_uint32 major = r.error().major();
  if (major != GSS_S_BAD_NAME && major != GSS_S_BAD_NAMETYPE)
    fail("import failed with a major code other than BAD_NAME or BAD_NAMETYPE");
}

// export_token → import(GSS_C_NT_EXPORT_NAME) works for every name; for a plain principal
// it gives an equal name back (an exported name carries only the text: an enterprise or a
// referral-realm name comes back as an ordinary principal, as in MIT).
void check_export(const Name& n, bool same) {
  for (const gss_OID_desc* mech : {&apx::core::kMechKrb5, &apx::core::kMechKrb5Ms}) {
    const std::vector<uint8_t> token = n.export_token(*mech);
    if (token.empty()) fail("export_token gave nothing", &n);
    const auto again = Name::import(token, &apx::core::kNtExport);
    if (!again) fail("an exported name does not import", &n);
    if (same && !again->equals(n)) fail("an exported name imports as another name", &n);
  }
}

// As check_export: an enterprise or referral-realm name comes back as an ordinary
// principal with the same text, so only a plain principal must come back equal.
void check_composite(Name n, bool same) {
  static const auto ctx = apx::k5::Context::create();
  if (!ctx) fail("no krb5_context");
  const auto token = n.export_composite(*ctx, apx::core::kMechKrb5);
  if (!token) return;  // libkrb5 could not serialize what it read: an error, not a crash
  auto again = Name::import(*token, &apx::core::kNtCompositeExport);
  if (!again) fail("a composite exported name does not import", &n);
  if (same && !again->equals(n)) fail("a composite exported name imports as another name", &n);
  const auto token2 = again->export_composite(*ctx, apx::core::kMechKrb5);
  if (!token2 || *token2 != *token) fail("a composite name exports differently once imported", &n);
}

void import_as(std::span<const uint8_t> in, const gss_OID_desc& type, const char* type_name,
               bool plain) {
  current_type = type_name;
  const auto n = Name::import(in, &type);
  expect_name_error(n);
  if (!n) return;
  // A name that imports can be used: it rebuilds as a krb5_principal.
  static const auto ctx = apx::k5::Context::create();
  if (!ctx) fail("no krb5_context");
  if (!n->principal(*ctx)) fail("an imported name has no principal", &*n);
  if (plain) {
    const auto again = Name::import(bytes_of(n->display()), &type);
    if (!again) fail("a displayed name does not import", &*n);
    if (!again->equals(*n)) fail("a displayed name imports as another name", &*n);
  }
  check_export(*n, plain);
  check_composite(*n, plain);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir && *dir ? dir : "/tmp") + "/apx-fuzz-krb5.XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) fail("cannot create a krb5.conf");
  const ssize_t len = static_cast<ssize_t>(sizeof kKrb5Conf - 1);
  if (write(fd, kKrb5Conf, sizeof kKrb5Conf - 1) != len) fail("cannot write the krb5.conf");
  close(fd);
  conf_path = path;
  std::atexit(remove_conf);
  setenv("KRB5_CONFIG", conf_path.c_str(), 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  import_as(in, apx::core::kNtExport, "GSS_C_NT_EXPORT_NAME", false);
  import_as(in, apx::core::kNtCompositeExport, "GSS_C_NT_COMPOSITE_EXPORT", false);
  import_as(in, apx::core::kNtKrb5Principal, "GSS_KRB5_NT_PRINCIPAL_NAME", true);
  import_as(in, apx::core::kNtKrb5Enterprise, "GSS_KRB5_NT_ENTERPRISE_NAME", false);
  import_as(in, apx::core::kNtHostbased, "GSS_C_NT_HOSTBASED_SERVICE", false);
  return 0;
}
