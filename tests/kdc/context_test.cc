// Context establishment in one process, both ends apx (the krb5 OID interposed).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "kdc/gss_helpers.h"
#include "support/realm.h"

extern std::string g_trace_path;

namespace apx::test {
namespace {

struct Outcome {
  OM_uint32 init_major = 0, init_minor = 0, acc_major = 0, acc_minor = 0;
  // gss_display_status texts, read right after each call: both ends share this thread.
  std::string init_text, acc_text;
  OM_uint32 init_flags = 0, acc_flags = 0;
  std::string src_name;
  std::vector<uint8_t> first_token;
};

struct Exchange {
  std::string target = "host@localhost";
  OM_uint32 flags = GSS_C_MUTUAL_FLAG;
  gss_channel_bindings_t init_cb = GSS_C_NO_CHANNEL_BINDINGS;
  gss_channel_bindings_t acc_cb = GSS_C_NO_CHANNEL_BINDINGS;
  gss_cred_id_t acc_cred = GSS_C_NO_CREDENTIAL;
};

Outcome establish(const Exchange& s, Ctx& ic, Ctx& ac) {
  Outcome o;
  Name target = import(s.target, GSS_C_NT_HOSTBASED_SERVICE);
  Buffer token_in;  // acceptor -> initiator
  for (int round = 0; round < 3; ++round) {
    Buffer to_acc;
    o.init_major = gss_init_sec_context(&o.init_minor, GSS_C_NO_CREDENTIAL, &ic.h, target.h,
                                        const_cast<gss_OID>(&kKrb5Oid), s.flags, 0, s.init_cb,
                                        round == 0 ? GSS_C_NO_BUFFER : &token_in.b, nullptr,
                                        &to_acc.b, &o.init_flags, nullptr);
    if (round == 0) o.first_token = to_acc.bytes();
    o.init_text = minor_text(o.init_minor);
    if (GSS_ERROR(o.init_major) || to_acc.b.length == 0) break;
    Buffer to_init;
    Name src;
    o.acc_major = gss_accept_sec_context(&o.acc_minor, &ac.h, s.acc_cred, &to_acc.b, s.acc_cb,
                                         &src.h, nullptr, &to_init.b, &o.acc_flags, nullptr,
                                         nullptr);
    o.acc_text = minor_text(o.acc_minor);
    if (src.h != GSS_C_NO_NAME) {
      Buffer shown;
      OM_uint32 m;
      gss_display_name(&m, src.h, &shown.b, nullptr);
      o.src_name = shown.str();
    }
    if (GSS_ERROR(o.acc_major)) {
      if (to_init.b.length == 0) break;
    }
    if (o.init_major != GSS_S_CONTINUE_NEEDED) break;
    std::swap(token_in.b, to_init.b);
  }
  return o;
}

std::string trace_text() {
  std::ifstream f(g_trace_path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(Context, MutualAuthenticationThroughApx) {
  Ctx ic, ac;
  Outcome o = establish(Exchange{}, ic, ac);
  ASSERT_EQ(o.init_major, GSS_S_COMPLETE) << minor_text(o.init_minor);
  ASSERT_EQ(o.acc_major, GSS_S_COMPLETE) << minor_text(o.acc_minor);
  EXPECT_EQ(o.src_name, Realm::shared().user_principal());
  EXPECT_TRUE(o.init_flags & GSS_C_MUTUAL_FLAG);
  EXPECT_TRUE(o.acc_flags & GSS_C_MUTUAL_FLAG);
  EXPECT_TRUE(o.acc_flags & GSS_C_CONF_FLAG);
  // The first token is RFC 2743 framed with the krb5 OID and TOK_ID 01 00.
  ASSERT_GT(o.first_token.size(), 17u);
  EXPECT_EQ(o.first_token[0], 0x60);
  // Proof that apx, not MIT's built-in mechanism, served both ends.
  const std::string trace = trace_text();
  EXPECT_NE(trace.find("init_sec_context: AP-REQ"), std::string::npos);
  EXPECT_NE(trace.find("accept_sec_context: accepted"), std::string::npos);
  EXPECT_NE(trace.find("AP-REP verified"), std::string::npos);

  OM_uint32 minor, lifetime = 0, flags = 0;
  int local = -1, open = -1;
  Name src, targ;
  gss_OID mech = GSS_C_NO_OID;
  ASSERT_EQ(gss_inquire_context(&minor, ac.h, &src.h, &targ.h, &lifetime, &mech, &flags, &local,
                                &open),
            GSS_S_COMPLETE);
  EXPECT_EQ(local, 0);
  EXPECT_EQ(open, 1);
  EXPECT_GT(lifetime, 0u);
  EXPECT_TRUE(gss_oid_equal(mech, &kKrb5Oid));
  OM_uint32 t = 0;
  EXPECT_EQ(gss_context_time(&minor, ic.h, &t), GSS_S_COMPLETE);
  EXPECT_GT(t, 0u);
}

TEST(Context, WithoutMutualOneToken) {
  Ctx ic, ac;
  Exchange s;
  s.flags = GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG;
  Outcome o = establish(s, ic, ac);
  EXPECT_EQ(o.init_major, GSS_S_COMPLETE) << minor_text(o.init_minor);
  EXPECT_EQ(o.acc_major, GSS_S_COMPLETE) << minor_text(o.acc_minor);
  EXPECT_FALSE(o.acc_flags & GSS_C_MUTUAL_FLAG);
  EXPECT_TRUE(o.acc_flags & GSS_C_REPLAY_FLAG);
}

gss_channel_bindings_struct bindings(const char* data) {
  gss_channel_bindings_struct cb{};
  cb.application_data.value = const_cast<char*>(data);
  cb.application_data.length = strlen(data);
  return cb;
}

TEST(Context, ChannelBindings) {
  auto a = bindings("tls-server-end-point:aaaa");
  auto b = bindings("tls-server-end-point:bbbb");
  {
    Ctx ic, ac;
    Exchange s;
    s.init_cb = &a;
    s.acc_cb = &a;
    Outcome o = establish(s, ic, ac);
    ASSERT_EQ(o.acc_major, GSS_S_COMPLETE) << minor_text(o.acc_minor);
    EXPECT_TRUE(o.acc_flags & GSS_C_CHANNEL_BOUND_FLAG);
  }
  {
    Ctx ic, ac;
    Exchange s;
    s.init_cb = &a;
    s.acc_cb = &b;
    Outcome o = establish(s, ic, ac);
    EXPECT_EQ(o.acc_major, GSS_S_BAD_BINDINGS);
    EXPECT_NE(o.acc_text.find("channel bindings"), std::string::npos) << o.acc_text;
  }
  for (auto [init_cb, acc_cb] : {std::pair{&a, (gss_channel_bindings_struct*)nullptr},
                                 std::pair{(gss_channel_bindings_struct*)nullptr, &a}}) {
    Ctx ic, ac;
    Exchange s;
    s.init_cb = init_cb;
    s.acc_cb = acc_cb;
    Outcome o = establish(s, ic, ac);
    EXPECT_EQ(o.acc_major, GSS_S_COMPLETE) << minor_text(o.acc_minor);
    EXPECT_FALSE(o.acc_flags & GSS_C_CHANNEL_BOUND_FLAG);
  }
}

TEST(Context, ReplayedApReqIsDuplicate) {
  Ctx ic, ac;
  Exchange s;
  s.flags = 0;
  Outcome o = establish(s, ic, ac);
  ASSERT_EQ(o.acc_major, GSS_S_COMPLETE) << minor_text(o.acc_minor);
  Ctx again;
  OM_uint32 minor;
  Buffer out;
  gss_buffer_desc in = buf(o.first_token);
  const OM_uint32 major = gss_accept_sec_context(&minor, &again.h, GSS_C_NO_CREDENTIAL, &in,
                                                 GSS_C_NO_CHANNEL_BINDINGS, nullptr, nullptr,
                                                 &out.b, nullptr, nullptr, nullptr);
  // Refused with GSS_S_FAILURE alone, as MIT; the first part of the minor code's text is
  // libkrb5's own, exactly (MIT's t_err compares it), apx's advice comes as the second.
  EXPECT_EQ(major, static_cast<OM_uint32>(GSS_S_FAILURE)) << std::hex << major;
  EXPECT_EQ(minor_first_text(minor), "Request is a replay");
  EXPECT_NE(minor_text(minor).find("new context"), std::string::npos) << minor_text(minor);
}

TEST(Context, StaleKeytabNamesPrincipalAndKeytab) {
  Cred stale;
  OM_uint32 minor;
  gss_key_value_element_desc el = {"keytab", nullptr};
  const std::string kt = "FILE:" + Realm::shared().stale_keytab();
  el.value = kt.c_str();
  gss_key_value_set_desc store = {1, &el};
  gss_OID_set_desc mechs = {1, const_cast<gss_OID>(&kKrb5Oid)};
  ASSERT_EQ(gss_acquire_cred_from(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_ACCEPT, &store,
                                  &stale.h, nullptr, nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor);
  Ctx ic, ac;
  Exchange s;
  s.acc_cred = stale.h;
  Outcome o = establish(s, ic, ac);
  EXPECT_EQ(o.acc_major, GSS_S_FAILURE);
  const std::string text = o.acc_text;
  EXPECT_NE(text.find("host/localhost@APX.TEST"), std::string::npos) << text;
  EXPECT_NE(text.find("kvno"), std::string::npos) << text;
  EXPECT_NE(text.find(Realm::shared().stale_keytab()), std::string::npos) << text;
  // Mutual was asked: the initiator got a KRB-ERROR and reports the acceptor's reason.
  EXPECT_EQ(o.init_major, GSS_S_FAILURE);
  EXPECT_NE(o.init_text.find("acceptor refused"), std::string::npos) << o.init_text;
}

TEST(Context, UnknownServiceFailsWithKdcMessage) {
  Ctx ic, ac;
  Exchange s;
  s.target = "nosuch@localhost";
  Outcome o = establish(s, ic, ac);
  EXPECT_EQ(o.init_major, GSS_S_FAILURE);
  const std::string text = o.init_text;
  EXPECT_NE(text.find("nosuch/localhost@APX.TEST"), std::string::npos) << text;
  EXPECT_NE(text.find("not found"), std::string::npos) << text;
}

TEST(Context, NoCiFlagsOptionDropsConfAndInteg) {
  Cred c;
  OM_uint32 minor;
  gss_OID_set_desc mechs = {1, const_cast<gss_OID>(&kKrb5Oid)};
  ASSERT_EQ(gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_INITIATE, &c.h, nullptr,
                             nullptr),
            GSS_S_COMPLETE);
  gss_buffer_desc empty = GSS_C_EMPTY_BUFFER;
  ASSERT_EQ(gss_set_cred_option(&minor, &c.h, GSS_KRB5_CRED_NO_CI_FLAGS_X, &empty),
            GSS_S_COMPLETE);
  Name target = import("host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
  Ctx ic, ac;
  Buffer out;
  OM_uint32 flags = 0;
  ASSERT_EQ(gss_init_sec_context(&minor, c.h, &ic.h, target.h, const_cast<gss_OID>(&kKrb5Oid), 0,
                                 0, nullptr, nullptr, nullptr, &out.b, &flags, nullptr),
            GSS_S_COMPLETE);
  Buffer back;
  OM_uint32 acc_flags = 0;
  ASSERT_EQ(gss_accept_sec_context(&minor, &ac.h, GSS_C_NO_CREDENTIAL, &out.b, nullptr, nullptr,
                                   nullptr, &back.b, &acc_flags, nullptr, nullptr),
            GSS_S_COMPLETE);
  EXPECT_FALSE(acc_flags & (GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG));
}

TEST(Context, MechAttributesMarkAliasesDeprecated) {
  OM_uint32 minor;
  gss_OID_desc ms = {9, const_cast<char*>("\x2a\x86\x48\x82\xf7\x12\x01\x02\x02")};
  for (auto [mech, deprecated] : {std::pair{const_cast<gss_OID>(&kKrb5Oid), 0}, std::pair{&ms, 1}}) {
    gss_OID_set attrs = GSS_C_NO_OID_SET;
    ASSERT_EQ(apx_test_inquire_attrs_for_mech(&minor, mech, &attrs, nullptr), GSS_S_COMPLETE);
    int present = 0;
    gss_test_oid_set_member(&minor, const_cast<gss_OID>(GSS_C_MA_DEPRECATED), attrs, &present);
    EXPECT_EQ(present, deprecated);
    gss_test_oid_set_member(&minor, const_cast<gss_OID>(GSS_C_MA_MECH_CONCRETE), attrs, &present);
    EXPECT_EQ(present, 1);
    gss_release_oid_set(&minor, &attrs);
  }
}

}  // namespace
}  // namespace apx::test

namespace apx::test {
namespace {

// Lists the server principals in a ccache.
std::vector<std::string> servers_in(krb5_context c, krb5_ccache cc) {
  std::vector<std::string> out;
  krb5_cc_cursor cur;
  if (krb5_cc_start_seq_get(c, cc, &cur) != 0) return out;
  krb5_creds creds;
  while (krb5_cc_next_cred(c, cc, &cur, &creds) == 0) {
    char* name = nullptr;
    if (krb5_unparse_name(c, creds.server, &name) == 0) out.emplace_back(name);
    krb5_free_unparsed_name(c, name);
    krb5_free_cred_contents(c, &creds);
  }
  krb5_cc_end_seq_get(c, cc, &cur);
  return out;
}

TEST(Context, DelegatedTicketsCanBeStored) {
  Name target = import("host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
  OM_uint32 minor;
  Ctx ic, ac;
  Buffer tok, rep, none;
  ASSERT_EQ(gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ic.h, target.h, &kKrb5Oid,
                                 GSS_C_MUTUAL_FLAG | GSS_C_DELEG_FLAG, 0, nullptr, nullptr,
                                 nullptr, &tok.b, nullptr, nullptr),
            GSS_S_CONTINUE_NEEDED);
  Cred delegated;
  OM_uint32 flags = 0;
  ASSERT_EQ(gss_accept_sec_context(&minor, &ac.h, GSS_C_NO_CREDENTIAL, &tok.b, nullptr, nullptr,
                                   nullptr, &rep.b, &flags, nullptr, &delegated.h),
            GSS_S_COMPLETE);
  ASSERT_TRUE(flags & GSS_C_DELEG_FLAG);
  ASSERT_NE(delegated.h, GSS_C_NO_CREDENTIAL);

  // OpenSSH's way: gss_krb5_copy_ccache into a cache it initialised.
  krb5_context c = nullptr;
  ASSERT_EQ(krb5_init_context(&c), 0);
  krb5_ccache mem = nullptr;
  ASSERT_EQ(krb5_cc_new_unique(c, "MEMORY", nullptr, &mem), 0);
  krb5_principal user = nullptr;
  ASSERT_EQ(krb5_parse_name(c, "user@APX.TEST", &user), 0);
  ASSERT_EQ(krb5_cc_initialize(c, mem, user), 0);
  ASSERT_EQ(gss_krb5_copy_ccache(&minor, delegated.h, mem), GSS_S_COMPLETE) << minor_text(minor);
  const auto copied = servers_in(c, mem);
  EXPECT_NE(std::find(copied.begin(), copied.end(), "krbtgt/APX.TEST@APX.TEST"), copied.end());

  // gss_store_cred_into a FILE cache named in the store.
  const std::string file = "FILE:" + Realm::shared().dir() + "/stored.ccache";
  gss_key_value_element_desc el = {"ccache", file.c_str()};
  gss_key_value_set_desc store = {1, &el};
  ASSERT_EQ(gss_store_cred_into(&minor, delegated.h, GSS_C_INITIATE, &kKrb5Oid, 1, 0, &store,
                                nullptr, nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor);
  krb5_ccache stored = nullptr;
  ASSERT_EQ(krb5_cc_resolve(c, file.c_str(), &stored), 0);
  const auto in_file = servers_in(c, stored);
  EXPECT_NE(std::find(in_file.begin(), in_file.end(), "krbtgt/APX.TEST@APX.TEST"), in_file.end());
  krb5_cc_close(c, stored);
  krb5_cc_destroy(c, mem);
  krb5_free_principal(c, user);
  krb5_free_context(c);

  // Ticket flags and authentication time of the acceptor's ticket.
  krb5_flags tkt_flags = 0;
  ASSERT_EQ(gss_krb5_get_tkt_flags(&minor, ac.h, &tkt_flags), GSS_S_COMPLETE);
  EXPECT_TRUE(tkt_flags & TKT_FLG_FORWARDABLE) << std::hex << tkt_flags;
  krb5_timestamp authtime = 0;
  ASSERT_EQ(gsskrb5_extract_authtime_from_sec_context(&minor, ac.h, &authtime), GSS_S_COMPLETE);
  EXPECT_GT(authtime, 0);
}

}  // namespace
}  // namespace apx::test
