// The OIDs apx speaks of: mechanisms, name types, and krb5 extension objects.
#pragma once

#include <gssapi/gssapi.h>

#include <span>

namespace apx::core {

// Mechanisms (RFC 1964 §1, Microsoft's mis-encoded alias, the pre-RFC OID, IAKERB).
extern const gss_OID_desc kMechKrb5;      // 1.2.840.113554.1.2.2
extern const gss_OID_desc kMechKrb5Ms;    // 1.2.840.48018.1.2.2
extern const gss_OID_desc kMechKrb5Old;   // 1.3.5.1.5.2
extern const gss_OID_desc kMechIakerb;    // 1.3.6.1.5.2.5
extern const gss_OID_desc kMechApx;       // apx standalone
extern const gss_OID_desc kInterposer;    // apx interposer

// Name types.
extern const gss_OID_desc kNtHostbased;    // 1.2.840.113554.1.2.1.4
extern const gss_OID_desc kNtHostbasedX;   // 1.3.6.1.5.6.2
extern const gss_OID_desc kNtUser;         // 1.2.840.113554.1.2.1.1
extern const gss_OID_desc kNtMachineUid;   // 1.2.840.113554.1.2.1.2
extern const gss_OID_desc kNtStringUid;    // 1.2.840.113554.1.2.1.3
extern const gss_OID_desc kNtAnonymous;    // 1.3.6.1.5.6.3
extern const gss_OID_desc kNtExport;       // 1.3.6.1.5.6.4
extern const gss_OID_desc kNtCompositeExport;  // 1.3.6.1.5.6.6 (RFC 6680 §8)
extern const gss_OID_desc kNtKrb5Principal;   // 1.2.840.113554.1.2.2.1
extern const gss_OID_desc kNtKrb5PrincipalObject;  // 1.2.840.113554.1.2.2.2 (a krb5_principal)
extern const gss_OID_desc kNtKrb5Enterprise;  // 1.2.840.113554.1.2.2.6
extern const gss_OID_desc kNtKrb5X509Cert;    // 1.2.840.113554.1.2.2.7 (GSS_KRB5_NT_X509_CERT)

// krb5 extension objects (MIT's private arc 1.2.840.113554.1.2.2.5.*, Heimdal's 1.2.752.43.13.*).
extern const gss_OID_desc kOidGetTktFlags;           // .5.1
extern const gss_OID_desc kOidCopyCcache;            // .5.2
extern const gss_OID_desc kOidGetCredImpersonator;   // .5.14 (GSS_KRB5_GET_CRED_IMPERSONATOR)
extern const gss_OID_desc kOidCcacheName;            // .5.3
extern const gss_OID_desc kOidSetAllowableEnctypes;  // .5.4
extern const gss_OID_desc kOidInqSspiSessionKey;     // .5.5
extern const gss_OID_desc kOidExportLucidContext;    // .5.6 (+ version)
extern const gss_OID_desc kOidFreeLucidContext;      // .5.7
extern const gss_OID_desc kOidUseKdcContext;         // .5.8
extern const gss_OID_desc kOidRegisterAcceptorIdentity;  // .5.9
extern const gss_OID_desc kOidExtractAuthzData;      // .5.10 (+ the ad-type as one arc)
extern const gss_OID_desc kOidExtractAuthtime;       // .5.12
extern const gss_OID_desc kOidSaslSsf;               // .5.15
extern const gss_OID_desc kOidCredNoCiFlags;         // 1.2.752.43.13.29

[[nodiscard]] bool oid_equal(gss_const_OID a, const gss_OID_desc& b);
[[nodiscard]] std::span<const uint8_t> oid_bytes(const gss_OID_desc& o);

// The mechanism a caller's OID stands for, with the mechglue's interposer prefix
// (interposer OID ‖ mech OID) removed: one of the static mechanism OIDs above, or nullptr
// when it is not a mechanism apx serves. GSS_C_NO_OID means krb5.
[[nodiscard]] const gss_OID_desc* served_mech(gss_const_OID oid);

// The mechanism of a token's framing OID (DER contents), or nullptr.
[[nodiscard]] const gss_OID_desc* token_mech(std::span<const uint8_t> der);

// True when `oid` points at one of apx's static OIDs (callers must not free those).
[[nodiscard]] bool is_static_oid(gss_const_OID oid);

// The GSS library's own constant for the name type `o` (GSS_C_NT_HOSTBASED_SERVICE,
// GSS_KRB5_NT_PRINCIPAL_NAME, ...) when the process has libgssapi_krb5 loaded, else `o`
// itself. Name types handed back to applications must be these: kadmind compares
// gss_display_name's type with `gss_nt_krb5_name` by pointer.
[[nodiscard]] gss_OID library_name_type(const gss_OID_desc& o);

}  // namespace apx::core
