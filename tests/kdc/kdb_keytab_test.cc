// Acceptors on kadmind's "KDB:" keytab — keys read from the Kerberos database, a keytab
// type that cannot be walked (libkrb5 aborts the process when asked to) — with apx under
// its own OID beside MIT's mechanism in one process, the realm's database opened read-only
// as kadmind opens it.
#include <gtest/gtest.h>
#include <krb5/krb5.h>

extern "C" {  // kdb.h has no C++ guard
#include <kdb.h>
}

#include <stdexcept>
#include <string>

#include "gssapi/gssapi_apx.h"
#include "kdc/gss_helpers.h"
#include "support/realm.h"

// libkdb5 and libkrb5 export these for kadmind; their declarations (kdb_kt.h, k5-int.h)
// are not installed.
extern "C" {
extern const struct _krb5_kt_ops krb5_kt_kdb_ops;
krb5_error_code krb5_ktkdb_set_context(krb5_context ctx);
krb5_error_code krb5_kt_register(krb5_context ctx, const struct _krb5_kt_ops* ops);
}

namespace apx::test {
namespace {

gss_OID_desc kApxOid = {APX_MECH_OID_LENGTH, const_cast<char*>(APX_MECH_OID_DER)};

// The realm's database with its master keys, and the KDB: keytab type registered (as
// kadmind's setup_kdb_keytab does). Lives for the whole process, as in kadmind.
void open_kdb() {
  static const bool done = [] {
    Realm& realm = Realm::shared();
    krb5_context k = nullptr;
    if (krb5_init_context(&k) != 0) throw std::runtime_error("krb5_init_context");
    std::string dbname = "dbname=" + realm.dir() + "/principal";
    char* args[] = {dbname.data(), nullptr};
    if (krb5_db_open(k, args, KRB5_KDB_OPEN_RO | KRB5_KDB_SRV_TYPE_ADMIN) != 0)
      throw std::runtime_error("krb5_db_open");
    krb5_principal mname = nullptr;
    if (krb5_db_setup_mkey_name(k, nullptr, Realm::kName, nullptr, &mname) != 0)
      throw std::runtime_error("krb5_db_setup_mkey_name");
    std::string stash = realm.dir() + "/stash";
    krb5_keyblock mkey{};
    krb5_kvno kvno = 0;  // the stash's
    if (krb5_db_fetch_mkey(k, mname, ENCTYPE_UNKNOWN, FALSE, FALSE, stash.data(), &kvno,
                           nullptr, &mkey) != 0 ||
        krb5_db_fetch_mkey_list(k, mname, &mkey) != 0)
      throw std::runtime_error("cannot read the master key from " + stash);
    krb5_free_keyblock_contents(k, &mkey);
    krb5_free_principal(k, mname);
    if (krb5_ktkdb_set_context(k) != 0 || krb5_kt_register(k, &krb5_kt_kdb_ops) != 0)
      throw std::runtime_error("cannot register the KDB keytab type");
    return true;
  }();
  (void)done;
}

OM_uint32 acquire_kdb(gss_OID mech, gss_name_t name, Cred& out, OM_uint32& minor) {
  gss_key_value_element_desc el = {"keytab", "KDB:"};
  gss_key_value_set_desc store = {1, &el};
  gss_OID_set_desc mechs = {1, mech};
  return gss_acquire_cred_from(&minor, name, 0, &mechs, GSS_C_ACCEPT, &store, &out.h, nullptr,
                               nullptr);
}

// The user's tickets to `target` accepted with `cred`: the accept's major status.
OM_uint32 accept_with(gss_OID mech, const char* target, gss_cred_id_t cred) {
  Name t = import(target, GSS_C_NT_HOSTBASED_SERVICE);
  OM_uint32 minor;
  Ctx init, acc;
  Buffer tok, rep;
  OM_uint32 major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &init.h, t.h, mech, 0, 0,
                                         nullptr, nullptr, nullptr, &tok.b, nullptr, nullptr);
  EXPECT_EQ(major, GSS_S_COMPLETE) << minor_text(minor, mech);
  if (major != GSS_S_COMPLETE) return major;
  major = gss_accept_sec_context(&minor, &acc.h, cred, &tok.b, nullptr, nullptr, nullptr, &rep.b,
                                 nullptr, nullptr, nullptr);
  EXPECT_EQ(major, GSS_S_COMPLETE) << minor_text(minor, mech);
  return major;
}

class KdbKeytab : public testing::TestWithParam<gss_OID> {
 protected:
  void SetUp() override { open_kdb(); }
};

TEST_P(KdbKeytab, NamedAcceptorsLookKeysUp) {
  // kadmind's names, imported as libgssrpc does (strlen + 1 bytes), and a host-based one.
  for (auto [text, type] : {std::pair{std::string("kadmin/admin@APX.TEST", 22),
                                      GSS_KRB5_NT_PRINCIPAL_NAME},
                            std::pair{std::string("host@localhost"), GSS_C_NT_HOSTBASED_SERVICE}}) {
    Name n = import(text, type);
    Cred c;
    OM_uint32 minor;
    EXPECT_EQ(acquire_kdb(GetParam(), n.h, c, minor), GSS_S_COMPLETE)
        << text << ": " << minor_text(minor, GetParam());
  }
  Name host = import("host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
  Cred c;
  OM_uint32 minor;
  ASSERT_EQ(acquire_kdb(GetParam(), host.h, c, minor), GSS_S_COMPLETE);
  EXPECT_EQ(accept_with(GetParam(), "host@localhost", c.h), GSS_S_COMPLETE);
}

TEST_P(KdbKeytab, AbsentPrincipalIsNoCred) {
  Name n = import("nosuch/localhost@APX.TEST", GSS_KRB5_NT_PRINCIPAL_NAME);
  Cred c;
  OM_uint32 minor;
  EXPECT_EQ(GSS_ROUTINE_ERROR(acquire_kdb(GetParam(), n.h, c, minor)), GSS_S_NO_CRED);
}

TEST_P(KdbKeytab, AnyServiceAndAnyHost) {
  // No name: any key of the database (MIT checks nothing it cannot walk). A service
  // without a host: any host for that service. krb5_rd_req looks the ticket's server up.
  Cred any;
  OM_uint32 minor;
  ASSERT_EQ(acquire_kdb(GetParam(), GSS_C_NO_NAME, any, minor), GSS_S_COMPLETE)
      << minor_text(minor, GetParam());
  EXPECT_EQ(accept_with(GetParam(), "sha1@localhost", any.h), GSS_S_COMPLETE);
  Name service = import("host", GSS_C_NT_HOSTBASED_SERVICE);
  Cred c;
  ASSERT_EQ(acquire_kdb(GetParam(), service.h, c, minor), GSS_S_COMPLETE)
      << minor_text(minor, GetParam());
  EXPECT_EQ(accept_with(GetParam(), "host@localhost", c.h), GSS_S_COMPLETE);
}

INSTANTIATE_TEST_SUITE_P(MitAndApx, KdbKeytab, testing::Values(&kKrb5Oid, &kApxOid),
                         [](const testing::TestParamInfo<gss_OID>& p) {
                           return std::string(p.param == &kKrb5Oid ? "Mit" : "Apx");
                         });

}  // namespace
}  // namespace apx::test
