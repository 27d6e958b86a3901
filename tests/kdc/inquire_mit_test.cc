// gss_inquire_cred and gss_inquire_context where MIT's own tests pin the answer (t_inq_cred
// -a, t_inq_ctx), apx under its own OID beside MIT's mechanism in one process.
#include <gtest/gtest.h>

#include <string>

#include "gssapi/gssapi_apx.h"
#include "kdc/gss_helpers.h"

namespace apx::test {
namespace {

gss_OID_desc kApxOid = {APX_MECH_OID_LENGTH, const_cast<char*>(APX_MECH_OID_DER)};

std::string shown(gss_name_t n) {
  if (n == GSS_C_NO_NAME) return "(no name)";
  OM_uint32 minor;
  Buffer out;
  EXPECT_EQ(gss_display_name(&minor, n, &out.b, nullptr), GSS_S_COMPLETE);
  return out.str();
}

// The name gss_inquire_cred gives for an acceptor credential acquired with no name.
std::string default_acceptor_name(gss_OID mech) {
  OM_uint32 minor;
  gss_OID_set_desc mechs = {1, mech};
  Cred c;
  EXPECT_EQ(gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_ACCEPT, &c.h, nullptr,
                             nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor, mech);
  Name n;
  EXPECT_EQ(gss_inquire_cred(&minor, c.h, &n.h, nullptr, nullptr, nullptr), GSS_S_COMPLETE)
      << minor_text(minor, mech);
  return shown(n.h);
}

TEST(InquireLikeMit, DefaultAcceptorIsNamedByTheKeytabsFirstPrincipal) {
  const std::string mit = default_acceptor_name(&kKrb5Oid);
  EXPECT_EQ(mit, "host/localhost@APX.TEST");  // service.keytab's first entry
  EXPECT_EQ(default_acceptor_name(&kApxOid), mit);
}

// gss_inquire_context on an initiator waiting for the AP-REP: names, open.
struct HalfOpen {
  OM_uint32 major = 0;
  std::string src, targ;
  int open = -1, local = -1;
};

HalfOpen inquire_half_open(gss_OID mech) {
  Name target = import("host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
  OM_uint32 minor;
  Ctx ctx;
  Buffer tok;
  HalfOpen h;
  h.major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ctx.h, target.h, mech,
                                 GSS_C_MUTUAL_FLAG, 0, nullptr, nullptr, nullptr, &tok.b, nullptr,
                                 nullptr);
  EXPECT_EQ(h.major, GSS_S_CONTINUE_NEEDED) << minor_text(minor, mech);
  Name src, targ;
  h.major = gss_inquire_context(&minor, ctx.h, &src.h, &targ.h, nullptr, nullptr, nullptr,
                                &h.local, &h.open);
  h.src = shown(src.h);
  h.targ = shown(targ.h);
  return h;
}

TEST(InquireLikeMit, HalfEstablishedContextHasNoNames) {
  const HalfOpen mit = inquire_half_open(&kKrb5Oid);
  const HalfOpen apx = inquire_half_open(&kApxOid);
  EXPECT_EQ(mit.major, GSS_S_COMPLETE);
  EXPECT_EQ(mit.src, "(no name)");
  EXPECT_EQ(mit.targ, "(no name)");
  EXPECT_EQ(mit.open, 0);
  EXPECT_EQ(mit.local, 1);
  EXPECT_EQ(apx.major, mit.major);
  EXPECT_EQ(apx.src, mit.src);
  EXPECT_EQ(apx.targ, mit.targ);
  EXPECT_EQ(apx.open, mit.open);
  EXPECT_EQ(apx.local, mit.local);
}

}  // namespace
}  // namespace apx::test
