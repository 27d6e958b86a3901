// apx::core::Name — a Kerberos principal as a GSS name.
//
// A Name keeps the principal as libkrb5's unparsed text plus its name type, so it needs no
// krb5_context of its own; principal() rebuilds a krb5_principal in the caller's context.
#pragma once

#include <gssapi/gssapi.h>
#include <krb5/krb5.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "krb5/authdata.h"
#include "krb5/k5.h"

namespace apx::core {

class Name {
 public:
  // gss_import_name for the given name type (GSS_C_NO_OID: a krb5 principal name).
  static base::Result<Name> import(std::span<const uint8_t> text, gss_const_OID type);
  // A name for a principal held in `ctx`.
  static base::Result<Name> from_principal(const k5::Context& ctx, krb5_const_principal p);

  [[nodiscard]] base::Result<k5::PrincipalPtr> principal(const k5::Context& ctx) const;
  // The server principal an acceptor hands krb5_rd_req, as MIT's kg_acceptor_princ builds
  // it: a host-based name becomes a matching principal (no realm, an empty host when none
  // was given), which libkrb5 matches against the keytab and explains when nothing does.
  [[nodiscard]] base::Result<k5::PrincipalPtr> acceptor_principal(const k5::Context& ctx) const;
  // The text gss_display_name shows, and its name type: the GSS library's own constant
  // when it is loaded (applications compare it by pointer), never to be freed.
  [[nodiscard]] const std::string& display() const { return text_; }
  [[nodiscard]] gss_OID display_type() const;
  // RFC 2743 §3.2 exported name (TOK_ID 04 01) carrying `mech`'s OID.
  [[nodiscard]] std::vector<uint8_t> export_token(const gss_OID_desc& mech) const;
  // RFC 6680 §7.8 composite exported name (TOK_ID 04 02) in MIT's layout: the 04 01 form
  // followed by a 4-octet length and libkrb5's serialized attributes.
  [[nodiscard]] base::Result<std::vector<uint8_t>> export_composite(const k5::Context& ctx,
                                                                    const gss_OID_desc& mech);

  // RFC 6680 attributes: the ticket's authorization data for a name an acceptor made,
  // those of a composite exported name, or those set with gss_set_name_attribute.
  [[nodiscard]] k5::Authdata& attributes() { return attrs_; }
  void set_attributes(k5::Authdata attrs) { attrs_ = std::move(attrs); }

  [[nodiscard]] bool equals(const Name& other) const;
  // For an acceptor: does `server` (a ticket's server) satisfy this name? A host-based
  // name without a host matches any host for its service.
  [[nodiscard]] bool matches_server(const k5::Context& ctx, krb5_const_principal server) const;
  // A host-based name without a host ("service"): the acceptor takes any host.
  [[nodiscard]] bool any_host() const { return any_host_; }
  // Imported as GSS_C_NT_HOSTBASED_SERVICE ("service" or "service@host").
  [[nodiscard]] bool hostbased() const { return hostbased_; }
  // A principal without a realm ("svc/host@"): the KDC's referral fills it in.
  [[nodiscard]] bool realm_empty() const { return realm_empty_; }
  [[nodiscard]] bool anonymous() const { return anonymous_; }
  [[nodiscard]] const std::string& service() const { return service_; }
  // GSS_KRB5_NT_X509_CERT: the user's certificate (DER), for S4U2Self by certificate
  // ([MS-SFU] §2.2.2 PA-S4U-X509-USER); the KDC names the principal. Empty otherwise.
  [[nodiscard]] const std::vector<uint8_t>& certificate() const { return cert_; }

 private:
  static base::Result<Name> import_hostbased(std::string_view text);
  static base::Result<Name> import_principal(std::string_view text, int parse_flags);
  static base::Result<Name> import_exported(std::span<const uint8_t> token);
  [[nodiscard]] std::vector<uint8_t> export_layout(const gss_OID_desc& mech, uint16_t tok_id,
                                                   std::span<const uint8_t> attrs,
                                                   bool composite) const;
  static base::Result<Name> import_principal_object(std::span<const uint8_t> bytes);
  static base::Result<Name> import_certificate(std::span<const uint8_t> bytes);

  std::string text_;       // krb5_unparse_name output (ends in '@' for a referral realm)
  int32_t name_type_ = KRB5_NT_PRINCIPAL;
  bool realm_empty_ = false;  // referral realm: filled in by the KDC
  bool any_host_ = false;
  bool hostbased_ = false;  // imported as GSS_C_NT_HOSTBASED_SERVICE
  bool anonymous_ = false;
  bool enterprise_ = false;
  std::string service_;
  k5::Authdata attrs_;
  std::vector<uint8_t> cert_;
};

}  // namespace apx::core
