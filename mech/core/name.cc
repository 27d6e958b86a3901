#include "core/name.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <algorithm>
#include <string_view>

#include "base/trace.h"
#include "core/oids.h"
#include "token/authdata_blob.h"
#include "token/reader.h"
#include "token/writer.h"

namespace apx::core {

using base::Minor;
using base::Result;
using base::Status;

namespace {

constexpr uint16_t kTokExportName = 0x0401;  // RFC 2743 §3.2
constexpr uint16_t kTokCompositeName = 0x0402;  // RFC 6680 §7.8
constexpr uint8_t kTagOid = 0x06;

std::string_view as_text(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// MIT's gss-server, libgssrpc and kadmind pass strlen(name) + 1 bytes, and MIT's mechanism
// reads the buffer as a C string (import_name.c copies it with k5memdup0): NULs at the end
// are not part of the name. A NUL inside the text still makes the name invalid here (MIT
// would cut the name short there: a name that reads differently to different code).
std::span<const uint8_t> without_trailing_nuls(std::span<const uint8_t> b) {
  while (!b.empty() && b.back() == 0) b = b.first(b.size() - 1);
  return b;
}

}  // namespace

Result<Name> Name::from_principal(const k5::Context& ctx, krb5_const_principal p) {
  Name n;
  n.name_type_ = p->type;
  n.realm_empty_ = p->realm.length == 0;
  n.anonymous_ = krb5_principal_compare(ctx.get(), p, krb5_anonymous_principal()) != 0;
  n.enterprise_ = p->type == KRB5_NT_ENTERPRISE_PRINCIPAL;
  // The full unparsed form, '@' and all even for an empty (referral) realm: it parses back
  // to the same principal, and it is what MIT displays and exports.
  char* s = nullptr;
  const krb5_error_code code = krb5_unparse_name(ctx.get(), p, &s);
  if (code != 0) return ctx.error(GSS_S_FAILURE, code, "Cannot display a principal");
  n.text_ = s;
  krb5_free_unparsed_name(ctx.get(), s);
  if (p->type == KRB5_NT_SRV_HST && p->length >= 1)
    n.service_.assign(p->data[0].data, p->data[0].length);
  return n;
}

Result<Name> Name::import_principal(std::string_view text, int parse_flags) {
  APX_TRY_ASSIGN(k5::Context ctx, k5::Context::create());
  const std::string s(text);
  if (s.find('\0') != std::string::npos) return Status::bad_name(Minor::kNameSyntax);
  krb5_principal raw = nullptr;
  const krb5_error_code code = krb5_parse_name_flags(ctx.get(), s.c_str(), parse_flags, &raw);
  if (code != 0) return ctx.error(GSS_S_BAD_NAME, code, "Cannot parse the name '" + s + "'");
  auto p = ctx.own<krb5_principal_data, krb5_free_principal>(raw);
  Name n;
  n.enterprise_ = (parse_flags & KRB5_PRINCIPAL_PARSE_ENTERPRISE) != 0;
  n.name_type_ = p->type;
  n.realm_empty_ = p->realm.length == 0;
  n.text_ = ctx.unparse(p.get());
  if (krb5_principal_compare(ctx.get(), p.get(), krb5_anonymous_principal())) n.anonymous_ = true;
  return n;
}

Result<Name> Name::import_hostbased(std::string_view text) {
  // RFC 2743 §4.1: "service@hostname"; the host may be omitted ("service").
  const size_t at = text.find('@');
  const std::string service(text.substr(0, at));
  std::string host = at == std::string_view::npos ? std::string() : std::string(text.substr(at + 1));
  if (service.empty() || service.find('\0') != std::string::npos ||
      host.find('\0') != std::string::npos)
    return Status::bad_name(Minor::kNameSyntax);
  APX_TRY_ASSIGN(k5::Context ctx, k5::Context::create());
  krb5_principal raw = nullptr;
  // krb5_sname_to_principal applies krb5.conf's dns_canonicalize_hostname, rdns and
  // qualify_shortname, and finds the realm from [domain_realm] (or leaves it to referrals).
  // With no host it uses the local host name, as MIT does for initiators.
  const krb5_error_code code = krb5_sname_to_principal(
      ctx.get(), host.empty() ? nullptr : host.c_str(), service.c_str(), KRB5_NT_SRV_HST, &raw);
  if (code != 0)
    return ctx.error(GSS_S_BAD_NAME, code,
                     "Cannot make a principal for service '" + service + "' on host '" +
                         (host.empty() ? std::string("(local host)") : host) + "'");
  auto p = ctx.own<krb5_principal_data, krb5_free_principal>(raw);
  Name n;
  n.name_type_ = KRB5_NT_SRV_HST;
  n.realm_empty_ = p->realm.length == 0;
  n.any_host_ = host.empty();
  n.hostbased_ = true;
  n.service_ = service;
  char* s = nullptr;
  if (krb5_unparse_name(ctx.get(), p.get(), &s) != 0) return Status::bad_name(Minor::kNameSyntax);
  n.text_ = s;
  krb5_free_unparsed_name(ctx.get(), s);
  return n;
}

Result<Name> Name::import_exported(std::span<const uint8_t> token) {
  // RFC 2743 §3.2: 04 01 | OID length (2, BE) | DER OID | name length (4, BE) | name.
  // RFC 6680 §7.8 composite form, MIT's layout (naming_exts.c): 04 02 | the same fields |
  // attributes length (4, BE) | libkrb5's serialized authdata context. MIT's mechanism
  // takes either TOK_ID under either name type, and so does apx.
  token::Reader r(token);
  uint16_t tok_id = 0, oid_len = 0;
  uint32_t name_len = 0;
  std::span<const uint8_t> oid_der, name, attrs;
  if (!r.u16be(tok_id) || (tok_id != kTokExportName && tok_id != kTokCompositeName) ||
      !r.u16be(oid_len))
    return Status::bad_name(Minor::kNameExportFormat);
  std::span<const uint8_t> oid_tlv;
  if (!r.bytes(oid_len, oid_tlv)) return Status::bad_name(Minor::kNameExportFormat);
  token::Reader tlv(oid_tlv);
  if (!tlv.der_bytes(kTagOid, oid_der) || !tlv.at_end())
    return Status::bad_name(Minor::kNameExportFormat);
  if (token_mech(oid_der) == nullptr) return Status::bad_name(Minor::kNameExportWrongMech);
  if (!r.u32be(name_len) || !r.bytes(name_len, name))
    return Status::bad_name(Minor::kNameExportFormat);
  uint32_t attrs_len = 0;
  if (tok_id == kTokCompositeName && (!r.u32be(attrs_len) || !r.bytes(attrs_len, attrs)))
    return Status::bad_name(Minor::kNameExportFormat);
  if (!r.at_end()) return Status::bad_name(Minor::kNameExportFormat);
  // MIT copies the name with strncpy: a NUL ends it there too.
  APX_TRY_ASSIGN(Name n, import_principal(as_text(without_trailing_nuls(name)), 0));
  if (!attrs.empty()) {
    if (!token::authdata_blob_well_formed(attrs)) return Status::bad_name(Minor::kNameExportFormat);
    // The blob is libkrb5's own serialization, read by libkrb5 as MIT's mechanism reads it.
    // It carries the attributes' authenticated marks: a composite name is trusted as
    // much as the process that exported it (RFC 6680 §7.8).
    APX_TRY_ASSIGN(k5::Context ctx, k5::Context::create());
    APX_TRY_ASSIGN(k5::Authdata ad, k5::Authdata::import(ctx, attrs));
    n.attrs_ = std::move(ad);
  }
  return n;
}

Result<Name> Name::import_principal_object(std::span<const uint8_t> bytes) {
  // GSS_KRB5_NT_PRINCIPAL (MIT import_name.c): the buffer holds a krb5_principal, a pointer
  // into the caller's own memory, sizeof(krb5_principal) bytes. The kadmin client library
  // names its server this way. The principal is copied; the caller keeps its own.
  krb5_principal p = nullptr;
  if (bytes.size() != sizeof p) return Status::bad_name(Minor::kNameSyntax);
  std::memcpy(&p, bytes.data(), sizeof p);
  if (p == nullptr) return Status::bad_name(Minor::kNameSyntax);
  APX_TRY_ASSIGN(k5::Context ctx, k5::Context::create());
  return from_principal(ctx, p);
}

Result<Name> Name::import_certificate(std::span<const uint8_t> bytes) {
  // MIT's import_name.c: a principal of one component, the certificate, in no realm; only
  // S4U2Self reads it (as the certificate), the rest shows it as that principal.
  if (bytes.empty()) return Status::bad_name(Minor::kNameSyntax);
  APX_TRY_ASSIGN(k5::Context ctx, k5::Context::create());
  krb5_principal raw = nullptr;
  const krb5_error_code code = krb5_build_principal_ext(
      ctx.get(), &raw, 0, "", static_cast<unsigned int>(bytes.size()), bytes.data(), 0);
  if (code != 0) return ctx.error(GSS_S_BAD_NAME, code, "Cannot hold the certificate name");
  auto p = ctx.own<krb5_principal_data, krb5_free_principal>(raw);
  APX_TRY_ASSIGN(Name n, from_principal(ctx, p.get()));
  n.cert_.assign(bytes.begin(), bytes.end());
  return n;
}

Result<Name> Name::import(std::span<const uint8_t> bytes, gss_const_OID type) {
  const std::string_view text = as_text(without_trailing_nuls(bytes));
  if (type == GSS_C_NO_OID || oid_equal(type, kNtKrb5Principal) || oid_equal(type, kNtUser))
    return import_principal(text, 0);
  if (oid_equal(type, kNtHostbased) || oid_equal(type, kNtHostbasedX))
    return import_hostbased(text);
  if (oid_equal(type, kNtExport) || oid_equal(type, kNtCompositeExport))
    return import_exported(bytes);
  if (oid_equal(type, kNtKrb5PrincipalObject)) return import_principal_object(bytes);
  if (oid_equal(type, kNtKrb5X509Cert)) return import_certificate(bytes);
  if (oid_equal(type, kNtKrb5Enterprise))
    return import_principal(text, KRB5_PRINCIPAL_PARSE_ENTERPRISE);
  if (oid_equal(type, kNtAnonymous))
    return import_principal(KRB5_WELLKNOWN_NAMESTR "/" KRB5_ANONYMOUS_PRINCSTR "@" KRB5_ANONYMOUS_REALMSTR, 0);
  if (oid_equal(type, kNtStringUid) || oid_equal(type, kNtMachineUid)) {
    // MIT: a uid names the local user of that uid, as a principal in the default realm.
    uid_t uid = 0;
    if (oid_equal(type, kNtMachineUid)) {
      if (bytes.size() != sizeof(uid_t)) return Status::bad_name(Minor::kNameSyntax);
      std::copy(bytes.begin(), bytes.end(), reinterpret_cast<uint8_t*>(&uid));
    } else {
      const std::string s(text);
      char* end = nullptr;
      const unsigned long v = std::strtoul(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0') return Status::bad_name(Minor::kNameSyntax);
      uid = static_cast<uid_t>(v);
    }
    char buf[1024];
    struct passwd pw {};
    struct passwd* found = nullptr;
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) != 0 || found == nullptr)
      return Status::bad_name(Minor::kNameSyntax);
    return import_principal(found->pw_name, 0);
  }
  return Status::bad_nametype(Minor::kNameTypeUnsupported);
}

Result<k5::PrincipalPtr> Name::principal(const k5::Context& ctx) const {
  // text_ is krb5_unparse_name's escaped form: plain parsing restores the components (an
  // enterprise name's inner '@' included); the name type is set back by hand.
  krb5_principal raw = nullptr;
  const krb5_error_code code = krb5_parse_name(ctx.get(), text_.c_str(), &raw);
  if (code != 0) return ctx.error(GSS_S_BAD_NAME, code, "Cannot parse the name '" + text_ + "'");
  raw->type = name_type_;
  return ctx.own<krb5_principal_data, krb5_free_principal>(raw);
}

gss_OID Name::display_type() const {
  // As MIT's krb5_gss_display_name: anonymous, else GSS_KRB5_NT_PRINCIPAL_NAME (an
  // enterprise principal too). The mechglue releases the type of a name it builds from a
  // mechanism's (an accepted context's source name) with gss_release_oid, which leaves
  // alone only the constants it knows and frees any other: GSS_KRB5_NT_ENTERPRISE_NAME
  // here made it free a static OID.
  if (anonymous_) return library_name_type(kNtAnonymous);
  return library_name_type(kNtKrb5Principal);
}

std::vector<uint8_t> Name::export_token(const gss_OID_desc& mech) const {
  return export_layout(mech, kTokExportName, {}, false);
}

Result<std::vector<uint8_t>> Name::export_composite(const k5::Context& ctx,
                                                    const gss_OID_desc& mech) {
  std::vector<uint8_t> attrs;
  if (const krb5_error_code code = attrs_.export_blob(ctx, attrs); code != 0)
    return ctx.error(GSS_S_FAILURE, code, "Cannot serialize the name's attributes");
  std::vector<uint8_t> out = export_layout(mech, kTokCompositeName, attrs, true);
  if (out.empty()) return Status::failure(Minor::kInternal);
  return out;
}

std::vector<uint8_t> Name::export_layout(const gss_OID_desc& mech, uint16_t tok_id,
                                         std::span<const uint8_t> attrs, bool composite) const {
  const auto oid = oid_bytes(mech);
  const size_t oid_tlv = token::der_size(oid.size());
  const size_t size = 2 + 2 + oid_tlv + 4 + text_.size() + (composite ? 4 + attrs.size() : 0);
  std::vector<uint8_t> out(size);
  token::Writer w(out);
  w.u16be(tok_id);
  w.u16be(static_cast<uint16_t>(oid_tlv));
  w.der_header(kTagOid, oid.size());
  w.bytes(oid);
  w.u32be(static_cast<uint32_t>(text_.size()));
  w.bytes({reinterpret_cast<const uint8_t*>(text_.data()), text_.size()});
  if (composite) {
    w.u32be(static_cast<uint32_t>(attrs.size()));
    w.bytes(attrs);
  }
  if (!w.done()) out.clear();
  return out;
}

bool Name::equals(const Name& other) const {
  return text_ == other.text_ && realm_empty_ == other.realm_empty_ &&
         enterprise_ == other.enterprise_;
}

Result<k5::PrincipalPtr> Name::acceptor_principal(const k5::Context& ctx) const {
  if (!hostbased_) return principal(ctx);
  std::string host;
  if (!any_host_) {
    // The host as krb5_sname_to_principal canonicalised it at import.
    APX_TRY_ASSIGN(k5::PrincipalPtr full, principal(ctx));
    if (full->length == 2) host.assign(full->data[1].data, full->data[1].length);
  }
  krb5_principal raw = nullptr;
  const krb5_error_code code =
      krb5_build_principal(ctx.get(), &raw, 0, "", service_.c_str(), host.c_str(), nullptr);
  if (code != 0) return ctx.error(GSS_S_FAILURE, code, "Cannot make the acceptor's principal");
  raw->type = KRB5_NT_SRV_HST;
  return ctx.own<krb5_principal_data, krb5_free_principal>(raw);
}

bool Name::matches_server(const k5::Context& ctx, krb5_const_principal server) const {
  if (any_host_) {
    if (server->length < 1) return false;
    const krb5_data& c0 = server->data[0];
    return std::string_view(c0.data, c0.length) == service_;
  }
  auto mine = principal(ctx);
  if (!mine) return false;
  if (realm_empty_) return krb5_principal_compare_any_realm(ctx.get(), mine->get(), server) != 0;
  return krb5_principal_compare(ctx.get(), mine->get(), server) != 0;
}

}  // namespace apx::core
