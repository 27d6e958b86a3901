// Names as MIT's own programs pass them (gss-server, libgssrpc, kadmind, the kadmin client
// library), imported by apx (under its own OID) and by MIT's mechanism in one process: the
// outcomes must agree.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "gssapi/gssapi_apx.h"
#include "kdc/gss_helpers.h"
#include "support/realm.h"

namespace apx::test {
namespace {

gss_OID_desc kApxOid = {APX_MECH_OID_LENGTH, const_cast<char*>(APX_MECH_OID_DER)};

struct Outcome {
  OM_uint32 major = 0;
  std::string shown;
  gss_OID type = GSS_C_NO_OID;
};

// gss_import_name of `bytes` as `type`, then the mechanism's own import (canonicalize) and
// display.
Outcome import_for(const std::string& bytes, gss_OID type, gss_OID mech) {
  Outcome o;
  OM_uint32 minor;
  Name in, mn;
  gss_buffer_desc b = buf(bytes);
  o.major = gss_import_name(&minor, &b, type, &in.h);
  if (o.major == GSS_S_COMPLETE) o.major = gss_canonicalize_name(&minor, in.h, mech, &mn.h);
  if (o.major != GSS_S_COMPLETE) return o;
  Buffer shown;
  o.major = gss_display_name(&minor, mn.h, &shown.b, &o.type);
  o.shown = shown.str();
  return o;
}

TEST(NamesLikeMit, TrailingNulEndsTheName) {
  // libgssrpc and kadmind import strlen(name) + 1 bytes (svc_auth_gssapi.c, ovsec_kadmd.c).
  for (auto [text, type, shown] : {
           std::tuple{std::string("kadmin/admin@APX.TEST\0", 22), GSS_KRB5_NT_PRINCIPAL_NAME,
                      "kadmin/admin@APX.TEST"},
           std::tuple{std::string("user\0", 5), GSS_C_NT_USER_NAME, "user@APX.TEST"},
           std::tuple{std::string("user\0\0", 6), GSS_C_NO_OID, "user@APX.TEST"},
           std::tuple{std::string("host@localhost\0", 15), GSS_C_NT_HOSTBASED_SERVICE,
                      "host/localhost@APX.TEST"},
           std::tuple{std::string("u@example.com\0", 14), GSS_KRB5_NT_ENTERPRISE_NAME,
                      "u\\@example.com@APX.TEST"},
       }) {
    const Outcome mit = import_for(text, type, &kKrb5Oid);
    const Outcome apx = import_for(text, type, &kApxOid);
    EXPECT_EQ(mit.major, GSS_S_COMPLETE) << shown;
    EXPECT_EQ(mit.shown, shown);
    EXPECT_EQ(apx.major, GSS_S_COMPLETE) << shown << ": " << std::hex << apx.major;
    EXPECT_EQ(apx.shown, mit.shown);
  }
}

TEST(NamesLikeMit, NulInsideTheNameIsRefused) {
  // MIT reads "us\0er" as "us"; apx refuses a name whose C-string and counted readings
  // differ rather than authenticate a different principal than the buffer spells.
  const std::string text("us\0er", 5);
  EXPECT_EQ(import_for(text, GSS_C_NT_USER_NAME, &kKrb5Oid).shown, "us@APX.TEST");
  EXPECT_EQ(import_for(text, GSS_C_NT_USER_NAME, &kApxOid).major, GSS_S_BAD_NAME);
}

TEST(NamesLikeMit, PrincipalObjectNameType) {
  // GSS_KRB5_NT_PRINCIPAL: the buffer holds a krb5_principal (the kadmin client library's
  // client_init.c names kadmin/admin this way).
  krb5_context k = nullptr;
  ASSERT_EQ(krb5_init_context(&k), 0);
  krb5_principal p = nullptr;
  ASSERT_EQ(krb5_parse_name(k, "kadmin/admin@APX.TEST", &p), 0);
  const std::string bytes(reinterpret_cast<const char*>(&p), sizeof p);
  const Outcome mit = import_for(bytes, const_cast<gss_OID>(gss_nt_krb5_principal), &kKrb5Oid);
  const Outcome apx = import_for(bytes, const_cast<gss_OID>(gss_nt_krb5_principal), &kApxOid);
  EXPECT_EQ(mit.major, GSS_S_COMPLETE);
  EXPECT_EQ(mit.shown, "kadmin/admin@APX.TEST");
  EXPECT_EQ(apx.major, GSS_S_COMPLETE) << std::hex << apx.major;
  EXPECT_EQ(apx.shown, mit.shown);
  EXPECT_EQ(apx.type, mit.type);
  // A buffer of another size is no principal, for either.
  const std::string short_bytes = bytes.substr(0, 4);
  const auto type = const_cast<gss_OID>(gss_nt_krb5_principal);
  EXPECT_EQ(GSS_ROUTINE_ERROR(import_for(short_bytes, type, &kKrb5Oid).major), GSS_S_BAD_NAME);
  EXPECT_EQ(GSS_ROUTINE_ERROR(import_for(short_bytes, type, &kApxOid).major), GSS_S_BAD_NAME);
  krb5_free_principal(k, p);
  krb5_free_context(k);
}

TEST(NamesLikeMit, DisplayedTypeIsTheLibraryConstant) {
  // kadmind compares gss_display_name's type with gss_nt_krb5_name by pointer
  // (kadm_rpc_svc.c gss_to_krb5_name_1).
  for (gss_OID mech : {&kKrb5Oid, &kApxOid}) {
    const Outcome user = import_for("user", GSS_C_NT_USER_NAME, mech);
    EXPECT_EQ(user.type, gss_nt_krb5_name);
    EXPECT_EQ(user.type, GSS_KRB5_NT_PRINCIPAL_NAME);
    const Outcome anon = import_for("", GSS_C_NT_ANONYMOUS, mech);
    EXPECT_EQ(anon.type, GSS_C_NT_ANONYMOUS);
  }
}

TEST(NamesLikeMit, AcceptorSeesTheClientUnderTheLibraryConstant) {
  // What kadmind does with every RPC: display the initiator name of an accepted context.
  for (gss_OID mech : {&kKrb5Oid, &kApxOid}) {
    Name target = import("host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
    OM_uint32 minor, major;
    Ctx init, acc;
    Buffer tok, rep;
    major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &init.h, target.h, mech, 0, 0,
                                 nullptr, nullptr, nullptr, &tok.b, nullptr, nullptr);
    ASSERT_EQ(major, GSS_S_COMPLETE) << minor_text(minor, mech);
    Name client;
    major = gss_accept_sec_context(&minor, &acc.h, GSS_C_NO_CREDENTIAL, &tok.b, nullptr,
                                   &client.h, nullptr, &rep.b, nullptr, nullptr, nullptr);
    ASSERT_EQ(major, GSS_S_COMPLETE) << minor_text(minor, mech);
    Buffer shown;
    gss_OID type = GSS_C_NO_OID;
    ASSERT_EQ(gss_display_name(&minor, client.h, &shown.b, &type), GSS_S_COMPLETE);
    EXPECT_EQ(shown.str(), Realm::shared().user_principal());
    EXPECT_EQ(type, gss_nt_krb5_name);
  }
}

}  // namespace
}  // namespace apx::test
