// gss_krb5_set_allowable_enctypes on an acceptor credential (MIT's t_enctypes): the ticket's
// session key and the acceptor subkey are limited to the list. apx (its own OID) and MIT
// (the krb5 OID) given the same tickets, side by side.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gssapi/gssapi_apx.h"
#include "kdc/gss_helpers.h"

namespace apx::test {
namespace {

gss_OID_desc kApx = {APX_MECH_OID_LENGTH, const_cast<char*>(APX_MECH_OID_DER)};

struct Result {
  OM_uint32 major = 0;
  std::vector<uint8_t> session_key_oid;  // the acceptor's view of the context key enctype
};

Result accept_with(gss_OID mech, const char* target, std::vector<int32_t> allowed) {
  Result r;
  OM_uint32 minor = 0;
  Cred acred;
  gss_OID_set_desc mechs = {1, mech};
  EXPECT_EQ(gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_ACCEPT, &acred.h, nullptr,
                             nullptr),
            GSS_S_COMPLETE);
  EXPECT_EQ(gss_krb5_set_allowable_enctypes(&minor, acred.h,
                                            static_cast<OM_uint32>(allowed.size()),
                                            allowed.data()),
            GSS_S_COMPLETE)
      << minor_text(minor, mech);
  Name t = import(target, GSS_C_NT_HOSTBASED_SERVICE);
  Ctx ic, ac;
  Buffer tok, rep;
  EXPECT_FALSE(GSS_ERROR(gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ic.h, t.h, mech,
                                              GSS_C_MUTUAL_FLAG, 0, nullptr, nullptr, nullptr,
                                              &tok.b, nullptr, nullptr)));
  r.major = gss_accept_sec_context(&minor, &ac.h, acred.h, &tok.b, nullptr, nullptr, nullptr,
                                   &rep.b, nullptr, nullptr, nullptr);
  if (r.major == GSS_S_COMPLETE) {
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    EXPECT_EQ(gss_inquire_sec_context_by_oid(&minor, ac.h,
                                             const_cast<gss_OID>(GSS_C_INQ_SSPI_SESSION_KEY), &set),
              GSS_S_COMPLETE);
    if (set != GSS_C_NO_BUFFER_SET && set->count == 2) {
      auto* p = static_cast<uint8_t*>(set->elements[1].value);
      r.session_key_oid.assign(p, p + set->elements[1].length);
    }
    gss_release_buffer_set(&minor, &set);
  }
  return r;
}

TEST(AcceptorEnctypes, AllowableListLimitsTicketAndSubkeyAsMit) {
  setenv("KRB5RCACHETYPE", "none", 1);
  constexpr int32_t kAes256Sha1 = 18, kAes128Sha1 = 17, kAes256Sha384 = 20;
  struct Row {
    const char* target;
    std::vector<int32_t> allowed;
  };
  const Row rows[] = {
      {"sha1@localhost", {kAes256Sha1}},                 // the ticket's own enctype
      {"sha1@localhost", {kAes128Sha1}},                 // ticket refused
      {"sha1@localhost", {kAes256Sha384}},               // ticket refused
      {"host@localhost", {kAes256Sha1, kAes128Sha1}},    // subkey chosen from the list
      {"host@localhost", {kAes128Sha1, kAes256Sha1}},
  };
  int refused = 0;
  for (const Row& row : rows) {
    SCOPED_TRACE(std::string(row.target) + " allowed " + std::to_string(row.allowed[0]));
    const Result mit = accept_with(const_cast<gss_OID>(&kKrb5Oid), row.target, row.allowed);
    const Result apx = accept_with(&kApx, row.target, row.allowed);
    EXPECT_EQ(apx.major, mit.major);
    EXPECT_EQ(apx.session_key_oid, mit.session_key_oid);
    if (GSS_ERROR(mit.major)) ++refused;
  }
  EXPECT_GE(refused, 2);  // the list really limits MIT's acceptor too
}

}  // namespace
}  // namespace apx::test
