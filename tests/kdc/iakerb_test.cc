// IAKERB with apx as the interposer on both sides, in one process, against the realm's
// KDC: the relayed exchange and its tokens on the wire, the finished checksum over the
// conversation (a changed token is caught), and hostile IAKERB tokens given to the
// acceptor, each refused with a clean GSS error. MIT's mechanism as the peer (both ways,
// a client that cannot reach the KDC) is tests/apps/gss_sample_test.sh.
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gtest/gtest.h>
#include <krb5/krb5.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "kdc/gss_helpers.h"
#include "support/realm.h"

extern std::string g_trace_path;

namespace apx::test {
namespace {

using Bytes = std::vector<uint8_t>;

gss_OID_desc kIakerbOid = {6, const_cast<char*>("\x2b\x06\x01\x05\x02\x05")};
const Bytes kIakerbDer = {0x2b, 0x06, 0x01, 0x05, 0x02, 0x05};

std::string trace_text() {
  std::ifstream in(g_trace_path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A FILE ccache holding only user's TGT (no service ticket: the TGS exchange must happen).
std::string fresh_tgt_ccache(const std::string& name) {
  const std::string path = Realm::shared().dir() + "/" + name;
  krb5_context c = nullptr;
  EXPECT_EQ(krb5_init_context(&c), 0);
  krb5_principal client = nullptr;
  krb5_keytab kt = nullptr;
  krb5_ccache cc = nullptr;
  krb5_creds creds{};
  EXPECT_EQ(krb5_parse_name(c, Realm::shared().user_principal().c_str(), &client), 0);
  EXPECT_EQ(krb5_kt_resolve(c, Realm::shared().user_keytab().c_str(), &kt), 0);
  EXPECT_EQ(krb5_get_init_creds_keytab(c, &creds, client, kt, 0, nullptr, nullptr), 0);
  EXPECT_EQ(krb5_cc_resolve(c, ("FILE:" + path).c_str(), &cc), 0);
  EXPECT_EQ(krb5_cc_initialize(c, cc, client), 0);
  EXPECT_EQ(krb5_cc_store_cred(c, cc, &creds), 0);
  krb5_cc_close(c, cc);
  krb5_free_cred_contents(c, &creds);
  krb5_kt_close(c, kt);
  krb5_free_principal(c, client);
  krb5_free_context(c);
  return "FILE:" + path;
}

Cred iakerb_initiator(const std::string& ccache) {
  Cred cred;
  OM_uint32 minor;
  gss_key_value_element_desc el = {"ccache", ccache.c_str()};
  gss_key_value_set_desc store = {1, &el};
  gss_OID_set_desc mechs = {1, &kIakerbOid};
  EXPECT_EQ(gss_acquire_cred_from(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_INITIATE, &store,
                                  &cred.h, nullptr, nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor);
  return cred;
}

struct Leg {
  OM_uint32 major = 0, minor = 0;
  Bytes token;
};

Leg init(Ctx& ctx, gss_cred_id_t cred, const Bytes& in) {
  Leg out;
  Name target = import("host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
  gss_buffer_desc b = buf(in);
  Buffer o;
  out.major = gss_init_sec_context(&out.minor, cred, &ctx.h, target.h, &kIakerbOid,
                                   GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG, 0,
                                   nullptr, in.empty() ? GSS_C_NO_BUFFER : &b, nullptr, &o.b,
                                   nullptr, nullptr);
  out.token = o.bytes();
  return out;
}

// IAKERB is not a default mechanism (GSS_C_MA_NOT_DFLT_MECH, as MIT's): the mechglue
// gives an acceptor IAKERB tokens only with a credential acquired for it.
gss_cred_id_t iakerb_acceptor() {
  static Cred cred = [] {
    Cred c;
    OM_uint32 minor;
    gss_OID_set_desc mechs = {1, &kIakerbOid};
    EXPECT_EQ(gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &mechs, GSS_C_ACCEPT, &c.h, nullptr,
                               nullptr),
              GSS_S_COMPLETE)
        << minor_text(minor);
    return c;
  }();
  return cred.h;
}

Leg accept(Ctx& ctx, const Bytes& in, gss_OID* mech = nullptr) {
  Leg out;
  gss_buffer_desc b = buf(in);
  Buffer o;
  out.major = gss_accept_sec_context(&out.minor, &ctx.h, iakerb_acceptor(), &b, nullptr,
                                     nullptr, mech, &o.b, nullptr, nullptr, nullptr);
  out.token = o.bytes();
  return out;
}

bool starts_with(const Bytes& b, const Bytes& prefix) {
  return b.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), b.begin());
}

// The RFC 2743 framing of a token: 0x60, a length, the OID, then the TOK_ID.
bool framed_with(const Bytes& t, const Bytes& oid, uint16_t tok_id) {
  if (t.size() < 2 || t[0] != 0x60) return false;
  size_t i = 2;
  if (t[1] & 0x80) i += t[1] & 0x7f;
  if (t.size() < i + 2 + oid.size() + 2 || t[i] != 0x06 || t[i + 1] != oid.size()) return false;
  if (!std::equal(oid.begin(), oid.end(), t.begin() + static_cast<long>(i) + 2)) return false;
  const size_t k = i + 2 + oid.size();
  return t[k] == (tok_id >> 8) && t[k + 1] == (tok_id & 0xff);
}

// DER header of `n` content octets with `tag`.
Bytes der(uint8_t tag, const Bytes& content) {
  Bytes out = {tag};
  const size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else if (n < 0x100) {
    out.insert(out.end(), {0x81, static_cast<uint8_t>(n)});
  } else {
    out.insert(out.end(), {0x82, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

// An initiator's first IAKERB token around `header` (the IAKERB-HEADER) and `message`.
Bytes first_token(const Bytes& header, const Bytes& message) {
  Bytes inner = {0x06, static_cast<uint8_t>(kIakerbDer.size())};
  inner.insert(inner.end(), kIakerbDer.begin(), kIakerbDer.end());
  inner.insert(inner.end(), {0x05, 0x01});
  inner.insert(inner.end(), header.begin(), header.end());
  inner.insert(inner.end(), message.begin(), message.end());
  return der(0x60, inner);
}

Bytes header_for(const std::string& realm) {
  return der(0x30, der(0xa1, der(0x04, Bytes(realm.begin(), realm.end()))));
}

// The KDC message of a real first IAKERB token (a TGS-REQ) and its header, split.
struct Split {
  Bytes header, message;
};
Split split_first(const Bytes& t) {
  size_t i = 2;
  if (t[1] & 0x80) i += t[1] & 0x7f;
  i += 2 + kIakerbDer.size() + 2;  // OID TLV, TOK_ID
  size_t len = t[i + 1], hl = 2;
  if (len & 0x80) {
    const size_t n = len & 0x7f;
    len = 0;
    for (size_t k = 0; k < n; ++k) len = (len << 8) | t[i + 2 + k];
    hl += n;
  }
  Split s;
  s.header.assign(t.begin() + static_cast<long>(i), t.begin() + static_cast<long>(i + hl + len));
  s.message.assign(t.begin() + static_cast<long>(i + hl + len), t.end());
  return s;
}

TEST(Iakerb, TgsRelayedThenApExchangeUnderIakerbOid) {
  Cred cred = iakerb_initiator(fresh_tgt_ccache("iakerb-tgs.ccache"));
  Ctx ic, ac;
  Leg i1 = init(ic, cred.h, {});
  ASSERT_EQ(i1.major, GSS_S_CONTINUE_NEEDED) << minor_text(i1.minor);
  // draft-ietf-kitten-iakerb §3: the first token is framed with the IAKERB OID, TOK_ID 05 01,
  // then the IAKERB-HEADER for the client's realm and a TGS-REQ ([APPLICATION 12]).
  EXPECT_TRUE(framed_with(i1.token, kIakerbDer, 0x0501));
  const Split s = split_first(i1.token);
  EXPECT_EQ(s.header, header_for("APX.TEST"));
  ASSERT_FALSE(s.message.empty());
  EXPECT_EQ(s.message[0], 0x6c);

  Leg a1 = accept(ac, i1.token);
  ASSERT_EQ(a1.major, GSS_S_CONTINUE_NEEDED) << minor_text(a1.minor);
  // Later tokens: the TOK_ID alone, then the header and the KDC's TGS-REP.
  ASSERT_TRUE(starts_with(a1.token, {0x05, 0x01}));
  const Bytes reply_header = header_for("APX.TEST");
  ASSERT_TRUE(std::equal(reply_header.begin(), reply_header.end(), a1.token.begin() + 2));
  EXPECT_EQ(a1.token[2 + reply_header.size()], 0x6d);

  // Mid-exchange, as MIT's iakerb_gss_inquire_context: IAKERB, not open, no flags.
  for (gss_ctx_id_t h : {ic.h, ac.h}) {
    OM_uint32 minor, flags = 99, life = 99;
    gss_OID m = GSS_C_NO_OID;
    int open = 1;
    ASSERT_EQ(gss_inquire_context(&minor, h, nullptr, nullptr, &life, &m, &flags, nullptr, &open),
              GSS_S_COMPLETE);
    EXPECT_EQ(flags, 0u);
    EXPECT_EQ(life, 0u);
    EXPECT_EQ(open, 0);
    ASSERT_NE(m, GSS_C_NO_OID);
    EXPECT_EQ(Bytes(static_cast<uint8_t*>(m->elements),
                    static_cast<uint8_t*>(m->elements) + m->length),
              kIakerbDer);
  }
  Leg i2 = init(ic, cred.h, a1.token);
  ASSERT_EQ(i2.major, GSS_S_CONTINUE_NEEDED) << minor_text(i2.minor);
  EXPECT_TRUE(framed_with(i2.token, kIakerbDer, 0x0100));  // the AP-REQ, IAKERB's OID
  {
    // The AP-REQ sent: the krb5 flags, without TRANS until established.
    OM_uint32 minor, flags = 0;
    ASSERT_EQ(gss_inquire_context(&minor, ic.h, nullptr, nullptr, nullptr, nullptr, &flags,
                                  nullptr, nullptr),
              GSS_S_COMPLETE);
    EXPECT_EQ(flags, static_cast<OM_uint32>(GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG));
  }
  gss_OID mech = GSS_C_NO_OID;
  Leg a2 = accept(ac, i2.token, &mech);
  ASSERT_EQ(a2.major, GSS_S_COMPLETE) << minor_text(a2.minor);
  ASSERT_NE(mech, GSS_C_NO_OID);
  EXPECT_EQ(Bytes(static_cast<uint8_t*>(mech->elements),
                  static_cast<uint8_t*>(mech->elements) + mech->length),
            kIakerbDer);
  EXPECT_TRUE(framed_with(a2.token, kIakerbDer, 0x0200));
  Leg i3 = init(ic, cred.h, a2.token);
  ASSERT_EQ(i3.major, GSS_S_COMPLETE) << minor_text(i3.minor);

  // Messages flow both ways.
  OM_uint32 minor;
  const std::string text = "through the relay";
  gss_buffer_desc in = buf(text);
  Buffer wrapped, plain;
  int conf = 0;
  ASSERT_EQ(gss_wrap(&minor, ic.h, 1, GSS_C_QOP_DEFAULT, &in, &conf, &wrapped.b), GSS_S_COMPLETE);
  ASSERT_EQ(gss_unwrap(&minor, ac.h, &wrapped.b, &plain.b, &conf, nullptr), GSS_S_COMPLETE);
  EXPECT_EQ(plain.str(), text);
  const std::string trace = trace_text();
  EXPECT_NE(trace.find("IAKERB: relayed the initiator's TGS request for APX.TEST"), std::string::npos);
  EXPECT_NE(trace.find("IAKERB finished checksum verified"), std::string::npos);
}

// The initiator's view of the conversation differs from the acceptor's (a reply changed on
// the way, here by a cookie the acceptor never sent): the finished checksum does not match.
TEST(Iakerb, ChangedTokenFailsTheFinishedChecksum) {
  Cred cred = iakerb_initiator(fresh_tgt_ccache("iakerb-changed.ccache"));
  Ctx ic, ac;
  Leg i1 = init(ic, cred.h, {});
  ASSERT_EQ(i1.major, GSS_S_CONTINUE_NEEDED);
  Leg a1 = accept(ac, i1.token);
  ASSERT_EQ(a1.major, GSS_S_CONTINUE_NEEDED) << minor_text(a1.minor);
  // Rebuild the reply with a cookie [2] in its header.
  const Bytes header = header_for("APX.TEST");
  const Bytes reply(a1.token.begin() + 2 + static_cast<long>(header.size()), a1.token.end());
  Bytes fields = der(0xa1, der(0x04, Bytes{'A', 'P', 'X', '.', 'T', 'E', 'S', 'T'}));
  const Bytes cookie = der(0xa2, der(0x04, Bytes{1, 2, 3}));
  fields.insert(fields.end(), cookie.begin(), cookie.end());
  Bytes changed = {0x05, 0x01};
  const Bytes h2 = der(0x30, fields);
  changed.insert(changed.end(), h2.begin(), h2.end());
  changed.insert(changed.end(), reply.begin(), reply.end());
  Leg i2 = init(ic, cred.h, changed);
  ASSERT_EQ(i2.major, GSS_S_CONTINUE_NEEDED) << minor_text(i2.minor);
  Leg a2 = accept(ac, i2.token);
  EXPECT_EQ(a2.major, GSS_S_FAILURE);
  EXPECT_NE(minor_text(a2.minor).find("finished checksum does not cover the tokens"),
            std::string::npos)
      << minor_text(a2.minor);
}

// After relaying, an AP-REQ without the finished extension (an IAKERB initiator that
// needed no relay) is refused: GSS_S_BAD_SIG, as MIT.
TEST(Iakerb, ApReqWithoutFinishedAfterRelayIsRefused) {
  const std::string cc = fresh_tgt_ccache("iakerb-nofinished.ccache");
  Cred relayed = iakerb_initiator(cc);
  Ctx ic, ac;
  Leg i1 = init(ic, relayed.h, {});
  Leg a1 = accept(ac, i1.token);
  ASSERT_EQ(a1.major, GSS_S_CONTINUE_NEEDED) << minor_text(a1.minor);
  Leg i2 = init(ic, relayed.h, a1.token);  // stores the service ticket in the ccache
  ASSERT_EQ(i2.major, GSS_S_CONTINUE_NEEDED) << minor_text(i2.minor);
  // A second IAKERB initiator finds the ticket cached: its first token is the AP-REQ.
  Cred direct = iakerb_initiator(cc);
  Ctx ic2;
  Leg d1 = init(ic2, direct.h, {});
  ASSERT_EQ(d1.major, GSS_S_CONTINUE_NEEDED) << minor_text(d1.minor);
  ASSERT_TRUE(framed_with(d1.token, kIakerbDer, 0x0100));
  // ... which a fresh acceptor takes ...
  {
    Ctx fresh;
    Leg ok = accept(fresh, d1.token);
    EXPECT_EQ(ok.major, GSS_S_COMPLETE) << minor_text(ok.minor);
  }
  // ... but not one that relayed an exchange this AP-REQ does not account for. (A new
  // AP-REQ: the replay cache saw the one above.)
  Ctx ic3;
  Cred direct2 = iakerb_initiator(cc);
  Leg d2 = init(ic3, direct2.h, {});
  ASSERT_EQ(d2.major, GSS_S_CONTINUE_NEEDED);
  Leg a2 = accept(ac, d2.token);
  EXPECT_EQ(a2.major, GSS_S_BAD_SIG) << minor_text(a2.minor);
  EXPECT_NE(minor_text(a2.minor).find("no finished checksum"), std::string::npos)
      << minor_text(a2.minor);
}

TEST(Iakerb, HostileFirstTokensAreDefective) {
  Cred cred = iakerb_initiator(fresh_tgt_ccache("iakerb-hostile.ccache"));
  Ctx ic;
  Leg i1 = init(ic, cred.h, {});
  ASSERT_EQ(i1.major, GSS_S_CONTINUE_NEEDED);
  const Split s = split_first(i1.token);
  const Bytes as_rep_like = [&] {
    Bytes m = s.message;
    m[0] = 0x6b;  // an AS-REP is not relayed to a KDC
    return m;
  }();
  std::vector<std::pair<std::string, Bytes>> cases = {
      {"empty realm", first_token(header_for(""), s.message)},
      {"reply type", first_token(s.header, as_rep_like)},
      {"no KDC message", first_token(s.header, {})},
      {"truncated KDC message", first_token(s.header, Bytes(s.message.begin(), s.message.end() - 5))},
      {"trailing bytes", [&] {
         Bytes m = s.message;
         m.push_back(0);
         return first_token(s.header, m);
       }()},
      {"header not a SEQUENCE", first_token(der(0x31, der(0xa1, der(0x04, Bytes{'A'}))), s.message)},
      {"unframed first token", [&] {
         Bytes t = {0x05, 0x01};
         t.insert(t.end(), s.header.begin(), s.header.end());
         t.insert(t.end(), s.message.begin(), s.message.end());
         return t;
       }()},
  };
  // Every prefix of the real token too.
  for (size_t n = 1; n < i1.token.size(); n += 7)
    cases.emplace_back("cut at " + std::to_string(n),
                       Bytes(i1.token.begin(), i1.token.begin() + static_cast<long>(n)));
  for (const auto& [what, token] : cases) {
    Ctx ac;
    Leg a = accept(ac, token);
    EXPECT_TRUE(a.major == GSS_S_DEFECTIVE_TOKEN || a.major == GSS_S_BAD_MECH) << what << ": "
        << a.major << " " << minor_text(a.minor);
    EXPECT_EQ(ac.h, GSS_C_NO_CONTEXT) << what;
    EXPECT_TRUE(a.token.empty()) << what;
  }
}

// A realm no KDC is known for: the acceptor answers with a KRB-ERROR (the draft's
// KDC-not-found code, 85) inside the IAKERB reply, and the initiator fails cleanly.
TEST(Iakerb, UnknownRealmGetsKdcNotFound) {
  Cred cred = iakerb_initiator(fresh_tgt_ccache("iakerb-norealm.ccache"));
  Ctx ic, ac;
  Leg i1 = init(ic, cred.h, {});
  const Split s = split_first(i1.token);
  Leg a1 = accept(ac, first_token(header_for("NO-SUCH-REALM.INVALID"), s.message));
  ASSERT_EQ(a1.major, GSS_S_CONTINUE_NEEDED) << minor_text(a1.minor);
  const Bytes header = header_for("NO-SUCH-REALM.INVALID");
  ASSERT_GT(a1.token.size(), 2 + header.size());
  EXPECT_EQ(a1.token[2 + header.size()], 0x7e);  // KRB-ERROR
  // error-code [6] INTEGER 85 inside it.
  const Bytes code85 = {0xa6, 0x03, 0x02, 0x01, 0x55};
  EXPECT_NE(std::search(a1.token.begin(), a1.token.end(), code85.begin(), code85.end()),
            a1.token.end());
  // Handed to the initiator, whose TGS exchange cannot use it.
  Bytes reply = {0x05, 0x01};
  const Bytes h = header_for("APX.TEST");
  reply.insert(reply.end(), h.begin(), h.end());
  reply.insert(reply.end(), a1.token.begin() + 2 + static_cast<long>(header.size()), a1.token.end());
  // libkrb5's TGS step may try again (another request) before it gives up; every further
  // request goes to the unknown realm too, until one side stops: cleanly, within the
  // round-trip limit (MIT's 26), never completing.
  Leg i = init(ic, cred.h, reply);
  int rounds = 0;
  Ctx ac2;
  while (i.major == GSS_S_CONTINUE_NEEDED && rounds++ < 40) {
    const Bytes body(i.token.begin() + 2, i.token.end());  // later tokens: TOK_ID, body
    size_t hl = 2 + (body[1] & 0x80 ? (body[1] & 0x7f) : 0);
    size_t len = body[1] & 0x80 ? 0 : body[1];
    for (size_t k = 2; k < hl; ++k) len = (len << 8) | body[k];
    const Bytes message(body.begin() + static_cast<long>(hl + len), body.end());
    Bytes req = {0x05, 0x01};
    req.insert(req.end(), header.begin(), header.end());
    req.insert(req.end(), message.begin(), message.end());
    Leg a = accept(ac, req);
    if (a.major != GSS_S_CONTINUE_NEEDED) {
      EXPECT_EQ(a.major, GSS_S_FAILURE) << minor_text(a.minor);
      break;
    }
    Bytes back = {0x05, 0x01};
    back.insert(back.end(), h.begin(), h.end());
    back.insert(back.end(), a.token.begin() + 2 + static_cast<long>(header.size()), a.token.end());
    i = init(ic, cred.h, back);
  }
  EXPECT_LE(rounds, 27);
  EXPECT_NE(i.major, GSS_S_COMPLETE);
  if (i.major != GSS_S_CONTINUE_NEEDED) {
    EXPECT_EQ(i.major, GSS_S_FAILURE);
    EXPECT_NE(minor_text(i.minor).find("(IAKERB)"), std::string::npos) << minor_text(i.minor);
  }
}

// An IAKERB credential with a password gets no tickets at acquisition (MIT): a wrong
// password shows at the context, through the relayed AS exchange.
TEST(Iakerb, PasswordCredentialDefersToTheContext) {
  for (const auto& [password, good] :
       {std::pair<std::string, bool>{"not-the-password", false}, {"apx-test-strong", true}}) {
    OM_uint32 minor;
    Name strong = import("strong@APX.TEST", GSS_C_NT_USER_NAME);
    gss_buffer_desc pw = buf(password);
    gss_OID_set_desc mechs = {1, &kIakerbOid};
    Cred cred;
    ASSERT_EQ(gss_acquire_cred_with_password(&minor, strong.h, &pw, 0, &mechs, GSS_C_INITIATE,
                                             &cred.h, nullptr, nullptr),
              GSS_S_COMPLETE)
        << minor_text(minor);
    Ctx ic, ac;
    Leg in = init(ic, cred.h, {});
    ASSERT_EQ(in.major, GSS_S_CONTINUE_NEEDED) << minor_text(in.minor);
    Leg out;
    for (int round = 0; round < 8; ++round) {
      out = accept(ac, in.token);
      if (out.major != GSS_S_CONTINUE_NEEDED && out.major != GSS_S_COMPLETE) break;
      if (out.major == GSS_S_COMPLETE) break;
      in = init(ic, cred.h, out.token);
      if (in.major != GSS_S_CONTINUE_NEEDED) break;
    }
    if (good) {
      EXPECT_EQ(out.major, GSS_S_COMPLETE) << minor_text(out.minor);
    } else {
      EXPECT_EQ(in.major, GSS_S_FAILURE);
      EXPECT_NE(minor_text(in.minor).find("Preauthentication failed"), std::string::npos)
          << minor_text(in.minor);
    }
  }
}

}  // namespace
}  // namespace apx::test
