#include "core/oids.h"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "gssapi/gssapi_apx.h"

namespace apx::core {

namespace {
constexpr gss_OID_desc oid(const char* bytes, OM_uint32 len) {
  return {len, const_cast<char*>(bytes)};
}
}  // namespace

const gss_OID_desc kMechKrb5 = oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02", 9);
const gss_OID_desc kMechKrb5Ms = oid("\x2a\x86\x48\x82\xf7\x12\x01\x02\x02", 9);
const gss_OID_desc kMechKrb5Old = oid("\x2b\x05\x01\x05\x02", 5);
const gss_OID_desc kMechIakerb = oid("\x2b\x06\x01\x05\x02\x05", 6);
const gss_OID_desc kMechApx = oid(APX_MECH_OID_DER, APX_MECH_OID_LENGTH);
const gss_OID_desc kInterposer = oid(APX_INTERPOSER_OID_DER, APX_INTERPOSER_OID_LENGTH);

const gss_OID_desc kNtHostbased = oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04", 10);
const gss_OID_desc kNtHostbasedX = oid("\x2b\x06\x01\x05\x06\x02", 6);
const gss_OID_desc kNtUser = oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x01", 10);
const gss_OID_desc kNtMachineUid = oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x02", 10);
const gss_OID_desc kNtStringUid = oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x03", 10);
const gss_OID_desc kNtAnonymous = oid("\x2b\x06\x01\x05\x06\x03", 6);
const gss_OID_desc kNtExport = oid("\x2b\x06\x01\x05\x06\x04", 6);
const gss_OID_desc kNtCompositeExport = oid("\x2b\x06\x01\x05\x06\x06", 6);
const gss_OID_desc kNtKrb5Principal = oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x01", 10);
const gss_OID_desc kNtKrb5PrincipalObject =
    oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x02", 10);
const gss_OID_desc kNtKrb5Enterprise = oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x06", 10);
const gss_OID_desc kNtKrb5X509Cert = oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x07", 10);

const gss_OID_desc kOidGetTktFlags = oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x01", 11);
const gss_OID_desc kOidCopyCcache = oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x02", 11);
const gss_OID_desc kOidGetCredImpersonator =
    oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x0e", 11);
const gss_OID_desc kOidCcacheName = oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x03", 11);
const gss_OID_desc kOidSetAllowableEnctypes =
    oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x04", 11);
const gss_OID_desc kOidInqSspiSessionKey = oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x05", 11);
const gss_OID_desc kOidExportLucidContext = oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x06", 11);
const gss_OID_desc kOidFreeLucidContext =
    oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x07", 11);
const gss_OID_desc kOidUseKdcContext = oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x08", 11);
const gss_OID_desc kOidRegisterAcceptorIdentity =
    oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x09", 11);
const gss_OID_desc kOidExtractAuthzData =
    oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x0a", 11);
const gss_OID_desc kOidExtractAuthtime =
    oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x0c", 11);
const gss_OID_desc kOidSaslSsf = oid("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x0f", 11);
const gss_OID_desc kOidCredNoCiFlags = oid("\x2a\x85\x70\x2b\x0d\x1d", 6);

std::span<const uint8_t> oid_bytes(const gss_OID_desc& o) {
  return {static_cast<const uint8_t*>(o.elements), o.length};
}

bool oid_equal(gss_const_OID a, const gss_OID_desc& b) {
  return a != GSS_C_NO_OID && a->length == b.length &&
         (a->length == 0 || std::memcmp(a->elements, b.elements, a->length) == 0);
}

const gss_OID_desc* token_mech(std::span<const uint8_t> der) {
  for (const gss_OID_desc* m : {&kMechKrb5, &kMechKrb5Ms, &kMechKrb5Old, &kMechIakerb, &kMechApx}) {
    const auto b = oid_bytes(*m);
    if (std::equal(der.begin(), der.end(), b.begin(), b.end())) return m;
  }
  return nullptr;
}

const gss_OID_desc* served_mech(gss_const_OID o) {
  if (o == GSS_C_NO_OID) return &kMechKrb5;
  std::span<const uint8_t> der(static_cast<const uint8_t*>(o->elements), o->length);
  const auto prefix = oid_bytes(kInterposer);
  if (der.size() > prefix.size() && std::equal(prefix.begin(), prefix.end(), der.begin()))
    der = der.subspan(prefix.size());
  return token_mech(der);
}

bool is_static_oid(gss_const_OID o) {
  for (const gss_OID_desc* s :
       {&kMechKrb5, &kMechKrb5Ms, &kMechKrb5Old, &kMechIakerb, &kMechApx, &kInterposer,
        &kNtHostbased, &kNtHostbasedX, &kNtUser, &kNtMachineUid, &kNtStringUid, &kNtAnonymous,
        &kNtExport, &kNtCompositeExport, &kNtKrb5Principal, &kNtKrb5PrincipalObject,
        &kNtKrb5Enterprise, &kNtKrb5X509Cert})
    if (o == s) return true;
  return false;
}

namespace {

// Name types and the variable libgssapi_krb5 exports for each (a gss_OID; `nm -D
// libgssapi_krb5.so.2`). GSS_KRB5_NT_PRINCIPAL_NAME and gss_nt_krb5_name hold the same
// pointer.
struct LibraryNameType {
  const gss_OID_desc* ours;
  const char* symbol;
};
constexpr std::array<LibraryNameType, 11> kLibraryNameTypes = {{
    {&kNtHostbased, "GSS_C_NT_HOSTBASED_SERVICE"},
    {&kNtHostbasedX, "GSS_C_NT_HOSTBASED_SERVICE_X"},
    {&kNtUser, "GSS_C_NT_USER_NAME"},
    {&kNtMachineUid, "GSS_C_NT_MACHINE_UID_NAME"},
    {&kNtStringUid, "GSS_C_NT_STRING_UID_NAME"},
    {&kNtAnonymous, "GSS_C_NT_ANONYMOUS"},
    {&kNtExport, "GSS_C_NT_EXPORT_NAME"},
    {&kNtCompositeExport, "GSS_C_NT_COMPOSITE_EXPORT"},
    {&kNtKrb5Principal, "GSS_KRB5_NT_PRINCIPAL_NAME"},
    {&kNtKrb5PrincipalObject, "gss_nt_krb5_principal"},
    {&kNtKrb5Enterprise, "GSS_KRB5_NT_ENTERPRISE_NAME"},
}};

// The library's constant for `symbol` when it holds the same OID as `ours`, else nullptr.
// apx must not link libgssapi_krb5 (the module would then bind its own gss_* names to the
// library), but the mechglue that loaded apx is in the process: find it without loading
// anything. RTLD_NOLOAD also finds a library loaded RTLD_LOCAL (a Python extension's);
// RTLD_DEFAULT covers a mechglue under another soname.
gss_OID find_library_oid(void* lib, const LibraryNameType& t) {
  void* sym = lib != nullptr ? dlsym(lib, t.symbol) : nullptr;
  if (sym == nullptr) sym = dlsym(RTLD_DEFAULT, t.symbol);
  if (sym == nullptr) return GSS_C_NO_OID;
  const gss_OID found = *static_cast<gss_OID*>(sym);
  return oid_equal(found, *t.ours) ? found : GSS_C_NO_OID;
}

std::array<gss_OID, kLibraryNameTypes.size()> resolve_library_name_types() {
  std::array<gss_OID, kLibraryNameTypes.size()> out{};
  void* lib = dlopen("libgssapi_krb5.so.2", RTLD_LAZY | RTLD_NOLOAD);
  for (size_t i = 0; i < kLibraryNameTypes.size(); ++i) {
    const gss_OID found = find_library_oid(lib, kLibraryNameTypes[i]);
    out[i] = found != GSS_C_NO_OID ? found : const_cast<gss_OID>(kLibraryNameTypes[i].ours);
  }
  // The constants live as long as the library, which the mechglue keeps loaded while it
  // uses apx: drop only the reference RTLD_NOLOAD added.
  if (lib != nullptr) dlclose(lib);
  return out;
}

}  // namespace

gss_OID library_name_type(const gss_OID_desc& o) {
  static const auto resolved = resolve_library_name_types();
  for (size_t i = 0; i < kLibraryNameTypes.size(); ++i)
    if (kLibraryNameTypes[i].ours == &o) return resolved[i];
  return const_cast<gss_OID>(&o);
}

}  // namespace apx::core
