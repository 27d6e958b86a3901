// gss_export_cred / gss_import_cred with apx interposing the krb5 OID: MIT's "K5C1"
// token (lib/gssapi/krb5/export_cred.c), used again in this process, and handed to other
// processes (cred_tool) served by apx or by MIT's built-in mechanism, both ways.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "kdc/gss_helpers.h"
#include "support/memory_ccaches.h"
#include "support/realm.h"

extern std::string g_trace_path;

namespace apx::test {
namespace {

const char* const kTarget = "host@localhost";

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_all(const std::string& path, const std::vector<uint8_t>& b) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

std::string scratch(const std::string& what) {
  return Realm::shared().dir() + "/credx-" + what + "-" + std::to_string(getpid());
}

// The mechglue's token (g_export_cred.c): per mechanism, a 4-byte big-endian OID length,
// the public OID, a 4-byte big-endian token length, the mechanism's token. One element:
// the krb5 OID and MIT's JSON.
std::string krb5_element(const std::vector<uint8_t>& t) {
  auto be32 = [&](size_t at) {
    return (uint32_t{t[at]} << 24) | (uint32_t{t[at + 1]} << 16) | (uint32_t{t[at + 2]} << 8) |
           t[at + 3];
  };
  if (t.size() < 4 + 9 + 4 || be32(0) != 9 ||
      std::string(t.begin() + 4, t.begin() + 13) !=
          std::string(static_cast<char*>(kKrb5Oid.elements), 9) ||
      be32(13) != t.size() - 17)
    return "";
  return std::string(t.begin() + 17, t.end());
}

std::vector<uint8_t> export_cred(gss_cred_id_t c) {
  OM_uint32 minor;
  Buffer out;
  EXPECT_EQ(gss_export_cred(&minor, c, &out.b), GSS_S_COMPLETE) << minor_text(minor);
  return out.bytes();
}

OM_uint32 import_cred(const std::vector<uint8_t>& token, Cred& out, OM_uint32& minor) {
  gss_buffer_desc b = buf(token);
  return gss_import_cred(&minor, &b, &out.h);
}

// (The RAII holders of gss_helpers.h are not to be copied: outputs go by reference.)
void acquire(Cred& c, gss_cred_usage_t usage, const std::string& name = "",
             gss_OID type = GSS_C_NO_OID) {
  OM_uint32 minor;
  gss_name_t n = GSS_C_NO_NAME;
  gss_buffer_desc b = buf(name);
  if (!name.empty()) {
    ASSERT_EQ(gss_import_name(&minor, &b, type, &n), GSS_S_COMPLETE);
  }
  gss_OID_set_desc mechs = {1, &kKrb5Oid};
  EXPECT_EQ(gss_acquire_cred(&minor, n, 0, &mechs, usage, &c.h, nullptr, nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor);
  if (n != GSS_C_NO_NAME) gss_release_name(&minor, &n);
}

// A first context token from `cred` (no mutual authentication: one leg).
std::vector<uint8_t> initiate(gss_cred_id_t cred, OM_uint32 flags = 0) {
  Name target = import(kTarget, GSS_C_NT_HOSTBASED_SERVICE);
  Ctx ctx;
  Buffer tok;
  OM_uint32 minor;
  EXPECT_EQ(gss_init_sec_context(&minor, cred, &ctx.h, target.h, &kKrb5Oid, flags, 0, nullptr,
                                 nullptr, nullptr, &tok.b, nullptr, nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor);
  return tok.bytes();
}

// Accepts `token` with `cred`; the initiator's name, or "" on failure.
std::string accept(gss_cred_id_t cred, const std::vector<uint8_t>& token,
                   gss_cred_id_t* delegated = nullptr) {
  Ctx ctx;
  Buffer out, shown;
  Name src;
  OM_uint32 minor;
  gss_buffer_desc in = buf(token);
  const OM_uint32 major = gss_accept_sec_context(&minor, &ctx.h, cred, &in, nullptr, &src.h,
                                                 nullptr, &out.b, nullptr, nullptr, delegated);
  EXPECT_EQ(major, GSS_S_COMPLETE) << minor_text(minor);
  if (major != GSS_S_COMPLETE) return "";
  EXPECT_EQ(gss_display_name(&minor, src.h, &shown.b, nullptr), GSS_S_COMPLETE);
  return shown.str();
}

// Tickets delegated to this process's acceptor, in the MEMORY ccache of a credential.
void delegated_cred(Cred& deleg) {
  EXPECT_EQ(accept(GSS_C_NO_CREDENTIAL, initiate(GSS_C_NO_CREDENTIAL, GSS_C_DELEG_FLAG), &deleg.h),
            Realm::shared().user_principal());
  EXPECT_NE(deleg.h, GSS_C_NO_CREDENTIAL);
}

size_t trace_count(const std::string& path, const std::string& step) {
  const std::string t = read_all(path);
  size_t n = 0;
  for (size_t at = t.find(step); at != std::string::npos; at = t.find(step, at + 1)) ++n;
  return n;
}

// ---- in this process ----

TEST(CredExport, InitiatorCredentialTravelsByCacheName) {
  Cred c;
  acquire(c, GSS_C_INITIATE);
  const size_t exports = trace_count(g_trace_path, "export_cred:");
  const std::vector<uint8_t> token = export_cred(c.h);
  EXPECT_EQ(trace_count(g_trace_path, "export_cred:"), exports + 1) << "apx did not export";
  const std::string json = krb5_element(token);
  const std::string user = Realm::shared().user_principal();
  ASSERT_EQ(json.rfind("[\"K5C1\",[1,[\"" + user + "\",null,null]", 0), 0u)
      << json;
  // A FILE cache goes by name, as MIT's json_ccache: no keys in the token.
  EXPECT_NE(json.find("\"FILE:" + Realm::shared().ccache() + "\""), std::string::npos) << json;
  Cred imported;
  OM_uint32 minor;
  ASSERT_EQ(import_cred(token, imported, minor), GSS_S_COMPLETE) << minor_text(minor);
  EXPECT_EQ(accept(GSS_C_NO_CREDENTIAL, initiate(imported.h)), Realm::shared().user_principal());
  OM_uint32 lifetime = 0;
  gss_cred_usage_t usage = -1;
  EXPECT_EQ(gss_inquire_cred(&minor, imported.h, nullptr, &lifetime, &usage, nullptr),
            GSS_S_COMPLETE);
  EXPECT_EQ(usage, GSS_C_INITIATE);
  EXPECT_GT(lifetime, 3600u);
}

TEST(CredExport, AcceptorCredentialKeepsKeytabAndName) {
  for (const char* name : {"host@localhost", "host"}) {
    SCOPED_TRACE(name);
    Cred c;
    acquire(c, GSS_C_ACCEPT, name, GSS_C_NT_HOSTBASED_SERVICE);
    const std::string json = krb5_element(export_cred(c.h));
    EXPECT_NE(json.find("\"FILE:" + Realm::shared().keytab() + "\""), std::string::npos) << json;
    // A host-based name without a host keeps its service (any host will do).
    if (std::string(name) == "host") {
      EXPECT_NE(json.find(",\"host\",null]"), std::string::npos) << json;
    }
    Cred imported;
    OM_uint32 minor;
    ASSERT_EQ(import_cred(export_cred(c.h), imported, minor), GSS_S_COMPLETE) << minor_text(minor);
    EXPECT_EQ(accept(imported.h, initiate(GSS_C_NO_CREDENTIAL)), Realm::shared().user_principal());
  }
}

TEST(CredExport, AcceptorNameStillRestrictsAfterImport) {
  // An acceptor credential for another service keeps refusing host tickets.
  Cred c;
  acquire(c, GSS_C_ACCEPT, "host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
  std::vector<uint8_t> token = export_cred(c.h);
  std::string json = krb5_element(token);
  const std::string from = "host/localhost@";
  const size_t at = json.find(from);
  ASSERT_NE(at, std::string::npos) << json;
  json.replace(at, 4, "ftp0");  // same length: the element length stays right
  std::copy(json.begin(), json.end(), token.begin() + 17);
  Cred imported;
  OM_uint32 minor;
  ASSERT_EQ(import_cred(token, imported, minor), GSS_S_COMPLETE) << minor_text(minor);
  Ctx ctx;
  Buffer out;
  std::vector<uint8_t> ap = initiate(GSS_C_NO_CREDENTIAL);
  gss_buffer_desc in = buf(ap);
  EXPECT_NE(gss_accept_sec_context(&minor, &ctx.h, imported.h, &in, nullptr, nullptr, nullptr,
                                   &out.b, nullptr, nullptr, nullptr),
            GSS_S_COMPLETE);
}

TEST(CredExport, DelegatedTicketsTravelInTheToken) {
  MemoryCcacheWatch watch(scratch("krb5trace"));
  {
    Cred deleg;
    delegated_cred(deleg);
    const std::string json = krb5_element(export_cred(deleg.h));
    // MIT's json_ccache_contents: [principal, creds...], each cred with its session key.
    const std::string user = Realm::shared().user_principal();
    const std::string contents =
        "[\"" + user + "\",[\"" + user + "\",\"krbtgt/APX.TEST@APX.TEST\",[";
    EXPECT_NE(json.find(contents), std::string::npos) << json.substr(0, 300);
    EXPECT_EQ(json.find("MEMORY:"), std::string::npos);
    Cred imported;
    OM_uint32 minor;
    ASSERT_EQ(import_cred(export_cred(deleg.h), imported, minor), GSS_S_COMPLETE)
        << minor_text(minor);
    // The original cache goes; the imported one stands alone.
    ASSERT_EQ(gss_release_cred(&minor, &deleg.h), GSS_S_COMPLETE);
    // The delegated TGT gets a new service ticket from the KDC.
    EXPECT_EQ(accept(GSS_C_NO_CREDENTIAL, initiate(imported.h)), Realm::shared().user_principal());
  }
  // The imported cache went with its credential.
  EXPECT_GE(watch.seen().size(), 2u);
  EXPECT_EQ(watch.live(), std::vector<std::string>{});
}

TEST(CredExport, ExportNeedsACredential) {
  OM_uint32 minor;
  Buffer out;
  EXPECT_EQ(GSS_ROUTINE_ERROR(gss_export_cred(&minor, GSS_C_NO_CREDENTIAL, &out.b)),
            GSS_S_NO_CRED);
}

// ---- hostile tokens through the mechglue: refused, never a crash or a credential ----

TEST(CredExport, HostileTokensAreRefused) {
  Cred deleg;
  delegated_cred(deleg);
  const std::vector<uint8_t> good = export_cred(deleg.h);
  ASSERT_FALSE(good.empty());
  OM_uint32 minor;
  // Every truncation.
  for (size_t n = 1; n < good.size(); ++n) {
    Cred c;
    std::vector<uint8_t> t(good.begin(), good.begin() + static_cast<ptrdiff_t>(n));
    const OM_uint32 major = import_cred(t, c, minor);
    ASSERT_NE(major, GSS_S_COMPLETE) << "truncated to " << n;
    EXPECT_EQ(c.h, GSS_C_NO_CREDENTIAL);
  }
  // A flipped bit in every byte of the mechanism token's JSON structure: a credential
  // only when the change kept it well formed.
  size_t refused = 0;
  for (size_t i = 17; i < good.size(); ++i) {
    std::vector<uint8_t> t = good;
    t[i] ^= 0x20;
    Cred c;
    if (import_cred(t, c, minor) != GSS_S_COMPLETE) ++refused;
  }
  EXPECT_GT(refused, (good.size() - 17) / 4);
  // A proxy credential's impersonator (MIT's S4U2Proxy credentials) is held and reported.
  std::string json = krb5_element(good);
  const std::string first = "[\"K5C1\",[1,";
  ASSERT_EQ(json.rfind(first, 0), 0u);
  const size_t name_end = json.find("],null,");
  ASSERT_NE(name_end, std::string::npos);
  const auto rebuilt = [&](const std::string& body) {
    std::vector<uint8_t> t(good.begin(), good.begin() + 13);
    const uint32_t len = static_cast<uint32_t>(body.size());
    for (int k = 3; k >= 0; --k) t.push_back(static_cast<uint8_t>(len >> (8 * k)));
    t.insert(t.end(), body.begin(), body.end());
    return t;
  };
  std::string s4u = json;
  s4u.replace(name_end + 2, 4, "\"someone@APX.TEST\"");
  {
    Cred c;
    ASSERT_EQ(import_cred(rebuilt(s4u), c, minor), GSS_S_COMPLETE) << minor_text(minor);
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    ASSERT_EQ(gss_inquire_cred_by_oid(&minor, c.h, GSS_KRB5_GET_CRED_IMPERSONATOR, &set),
              GSS_S_COMPLETE);
    ASSERT_EQ(set->count, 1u);
    EXPECT_EQ(std::string(static_cast<char*>(set->elements[0].value), set->elements[0].length),
              "someone@APX.TEST");
    gss_release_buffer_set(&minor, &set);
  }
  // Fields MIT's format allows but apx cannot hold are refused as unavailable: an IAKERB
  // credential (the field after default_identity).
  std::string iakerb = json;
  const size_t iakerb_at = iakerb.find(',', name_end + 7) + 1;
  ASSERT_EQ(iakerb.compare(iakerb_at, 5, "false"), 0) << iakerb;
  iakerb.replace(iakerb_at, 5, "true");
  Cred c;
  EXPECT_EQ(import_cred(rebuilt(iakerb), c, minor), GSS_S_UNAVAILABLE);
  EXPECT_NE(minor_text(minor).find("IAKERB"), std::string::npos) << minor_text(minor);
}

// ---- across processes: cred_tool served by apx or by MIT's built-in mechanism ----

struct Peer {
  const char* label;
  bool apx;
};
const Peer kPeers[] = {{"apx", true}, {"MIT", false}};

struct ToolRun {
  int rc = -1;
  std::string out;
  size_t apx_lines = 0;  // lines in the child's APX_TRACE
};

ToolRun run_tool(const Peer& peer, const std::string& args) {
  const std::string out = scratch("tool.out"), trace = scratch("tool.trace");
  std::remove(trace.c_str());
  const std::string conf =
      peer.apx ? std::string(APX_MECH_CONF) : Realm::shared().dir() + "/empty-mech.conf";
  const std::string cmd = "GSS_MECH_CONFIG=" + conf + " APX_TRACE=" + trace + " " +
                          CRED_TOOL_PATH + " " + args + " > " + out + " 2>&1";
  ToolRun r;
  const int st = std::system(cmd.c_str());
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = read_all(out);
  const std::string t = read_all(trace);
  for (char ch : t) r.apx_lines += ch == '\n';
  return r;
}

void expect_served(const Peer& peer, const ToolRun& r) {
  if (peer.apx) {
    EXPECT_GT(r.apx_lines, 0u) << "apx did not serve the other process";
  } else {
    EXPECT_EQ(r.apx_lines, 0u) << "apx served the MIT-only process";
  }
}

TEST(CredExportAcrossProcesses, ApxExportsTheOtherProcessInitiates) {
  Cred init, deleg;
  acquire(init, GSS_C_INITIATE);
  delegated_cred(deleg);
  for (const Peer& p : kPeers) {
    for (auto [what, cred] : {std::pair{"initiator", init.h}, std::pair{"delegated", deleg.h}}) {
      SCOPED_TRACE(std::string(p.label) + " imports apx's " + what + " credential");
      const std::string cred_file = scratch("cred"), tok_file = scratch("tok");
      write_all(cred_file, export_cred(cred));
      std::remove(tok_file.c_str());
      const ToolRun r = run_tool(p, "initiate " + cred_file + " " + kTarget + " " + tok_file);
      ASSERT_EQ(r.rc, 0) << r.out;
      expect_served(p, r);
      const std::string tok = read_all(tok_file);
      EXPECT_EQ(accept(GSS_C_NO_CREDENTIAL, std::vector<uint8_t>(tok.begin(), tok.end())),
                Realm::shared().user_principal());
    }
  }
}

TEST(CredExportAcrossProcesses, ApxExportsTheOtherProcessAccepts) {
  for (const char* name : {"host@localhost", "host"}) {
    Cred acc;
    acquire(acc, GSS_C_ACCEPT, name, GSS_C_NT_HOSTBASED_SERVICE);
    for (const Peer& p : kPeers) {
      SCOPED_TRACE(std::string(p.label) + " imports apx's acceptor credential for " + name);
      const std::string cred_file = scratch("cred"), tok_file = scratch("tok");
      write_all(cred_file, export_cred(acc.h));
      write_all(tok_file, initiate(GSS_C_NO_CREDENTIAL));
      const ToolRun r = run_tool(p, "accept " + cred_file + " " + tok_file);
      ASSERT_EQ(r.rc, 0) << r.out;
      expect_served(p, r);
      EXPECT_NE(r.out.find("src_name=" + Realm::shared().user_principal()), std::string::npos)
          << r.out;
    }
  }
}

TEST(CredExportAcrossProcesses, TheOtherProcessExportsApxImports) {
  // MIT's default initiator credential is exported unresolved (no name, no cache: MIT
  // looks them up at first use); a named one carries its FILE cache's name; a delegated
  // one its tickets; a host-based acceptor its service and MIT's rcache name ("dfl:").
  const std::string user = Realm::shared().user_principal();
  const std::string modes[] = {"export-initiator", "export-initiator " + user,
                               std::string("export-delegated ") + kTarget, "export-acceptor",
                               "export-acceptor host"};
  for (const Peer& p : kPeers) {
    for (const std::string& mode : modes) {
      SCOPED_TRACE(std::string(p.label) + " " + mode);
      const std::string cred_file = scratch("cred");
      const size_t space = mode.find(' ');
      const std::string args = mode.substr(0, space) + " " + cred_file +
                               (space == std::string::npos ? "" : mode.substr(space));
      const ToolRun r = run_tool(p, args);
      ASSERT_EQ(r.rc, 0) << r.out;
      expect_served(p, r);
      const std::string bytes = read_all(cred_file);
      const std::vector<uint8_t> token(bytes.begin(), bytes.end());
      ASSERT_EQ(krb5_element(token).rfind("[\"K5C1\",[", 0), 0u) << bytes;
      const size_t imports = trace_count(g_trace_path, "import_cred:");
      Cred imported;
      OM_uint32 minor;
      ASSERT_EQ(import_cred(token, imported, minor), GSS_S_COMPLETE) << minor_text(minor);
      EXPECT_EQ(trace_count(g_trace_path, "import_cred:"), imports + 1) << "apx did not import";
      if (mode.rfind("export-acceptor", 0) == 0) {
        EXPECT_EQ(accept(imported.h, initiate(GSS_C_NO_CREDENTIAL)), user);
      } else {
        EXPECT_EQ(accept(GSS_C_NO_CREDENTIAL, initiate(imported.h)), user);
      }
    }
  }
}

}  // namespace
}  // namespace apx::test
