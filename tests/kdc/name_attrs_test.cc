// RFC 6680 name attributes of accepted contexts, apx (its own OID) beside MIT's mechanism
// (the krb5 OID) in one process, against the realm's real KDC: the same attribute names,
// values and authenticated/complete flags for the same ticket; the krb5_pac mapping; the
// krb5 authorization-data query; composite names handed between processes (name_tool) in
// both directions; and tickets whose authorization data was rewritten with the service
// key from the test keytab (hostile PACs and CAMMACs), where both must decide alike and
// cleanly. The replay cache is off in this process: each ticket is accepted by both.
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <gtest/gtest.h>
#include <krb5/krb5.h>
#include <dlfcn.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "gssapi/gssapi_apx.h"
#include "kdc/gss_helpers.h"
#include "support/realm.h"

// libkrb5 exports these (symbol version krb5_3_MIT) but declares them only in its private
// k5-int.h: the test re-encrypts a ticket it rewrote, as a KDC would.
extern "C" krb5_error_code krb5_encrypt_tkt_part(krb5_context, const krb5_keyblock*,
                                                 krb5_ticket*);
extern "C" krb5_error_code encode_krb5_ticket(const krb5_ticket*, krb5_data**);

namespace apx::test {
namespace {

using Bytes = std::vector<uint8_t>;

gss_OID_desc kApx = {APX_MECH_OID_LENGTH, const_cast<char*>(APX_MECH_OID_DER)};
constexpr krb5_authdatatype kAdCammac = 96;  // RFC 7751

std::string hex(const void* p, size_t n) {
  std::string out;
  char b[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, "%02x", static_cast<const uint8_t*>(p)[i]);
    out += b;
  }
  return out;
}

// One value of one attribute, as gss_get_name_attribute gives it.
struct Attr {
  std::string name;
  int authenticated = -1, complete = -1;
  std::string value, display;
  bool operator==(const Attr&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Attr& a) {
  return os << a.name << " auth=" << a.authenticated << " complete=" << a.complete
            << " value=" << a.value << " display=" << a.display;
}

// The calls that read attributes: the mechglue's, or apx's own entry points.
struct NameApi {
  decltype(&gss_inquire_name) inquire = gss_inquire_name;
  decltype(&gss_get_name_attribute) get = gss_get_name_attribute;
};

std::vector<Attr> attributes(gss_name_t name, const NameApi& api = {}) {
  std::vector<Attr> out;
  OM_uint32 minor;
  gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
  EXPECT_EQ(api.inquire(&minor, name, nullptr, nullptr, &set), GSS_S_COMPLETE)
      << minor_text(minor);
  for (size_t i = 0; set != GSS_C_NO_BUFFER_SET && i < set->count; ++i) {
    int more = -1;
    while (more != 0) {
      Attr a;
      a.name.assign(static_cast<char*>(set->elements[i].value), set->elements[i].length);
      Buffer value, display;
      const OM_uint32 major = api.get(&minor, name, &set->elements[i],
                                                     &a.authenticated, &a.complete, &value.b,
                                                     &display.b, &more);
      if (major == GSS_S_UNAVAILABLE) {
        // MIT's mspac module lists the buffers of a PAC whose signature did not verify
        // but will not give their values ("pretend it didn't exist").
        a.value = "<unavailable>";
        out.push_back(a);
        break;
      }
      EXPECT_EQ(major, GSS_S_COMPLETE) << a.name << ": " << minor_text(minor);
      if (major != GSS_S_COMPLETE) break;
      a.value = hex(value.b.value, value.b.length);
      a.display = display.str();
      out.push_back(a);
    }
  }
  gss_release_buffer_set(&minor, &set);
  return out;
}

const Attr* find(const std::vector<Attr>& v, const std::string& name) {
  for (const Attr& a : v)
    if (a.name == name) return &a;
  return nullptr;
}

// An initiator credential from a ccache (a FILE path or MEMORY:name).
Cred initiator_from(const std::string& ccache) {
  Cred c;
  OM_uint32 minor;
  gss_key_value_element_desc el = {"ccache", ccache.c_str()};
  gss_key_value_set_desc store = {1, &el};
  EXPECT_EQ(gss_acquire_cred_from(&minor, GSS_C_NO_NAME, 0, GSS_C_NO_OID_SET, GSS_C_INITIATE,
                                  &store, &c.h, nullptr, nullptr),
            GSS_S_COMPLETE)
      << minor_text(minor);
  return c;
}

// One context to host@localhost under `mech`; the acceptor's view.
struct Accepted {
  OM_uint32 major = 0, minor = 0;
  Ctx ictx, actx;
  Name src;
  std::string text;
};

void establish(gss_OID mech, gss_cred_id_t icred, Accepted& out) {
  Name target = import("host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
  Buffer tok, reply;
  OM_uint32 minor = 0;
  out.major = gss_init_sec_context(&minor, icred, &out.ictx.h, target.h, mech, 0, 0, nullptr,
                                   nullptr, nullptr, &tok.b, nullptr, nullptr);
  ASSERT_EQ(out.major, GSS_S_COMPLETE) << minor_text(minor, mech);
  out.major = gss_accept_sec_context(&out.minor, &out.actx.h, GSS_C_NO_CREDENTIAL, &tok.b,
                                     nullptr, &out.src.h, nullptr, &reply.b, nullptr, nullptr,
                                     nullptr);
  out.text = minor_text(out.minor, mech);
}

// The ticket of `user` (a PAC) and of `strong` (a PAC and the "spake" indicator).
std::string strong_ccache() {
  static const std::string path = [] {
    const std::string p = Realm::shared().dir() + "/strong.ccache";
    krb5_context c = nullptr;
    EXPECT_EQ(krb5_init_context(&c), 0);
    krb5_principal client = nullptr;
    EXPECT_EQ(krb5_parse_name(c, "strong@APX.TEST", &client), 0);
    krb5_creds creds{};
    const krb5_error_code code = krb5_get_init_creds_password(
        c, &creds, client, "apx-test-strong", nullptr, nullptr, 0, nullptr, nullptr);
    EXPECT_EQ(code, 0) << krb5_get_error_message(c, code);
    krb5_ccache cc = nullptr;
    EXPECT_EQ(krb5_cc_resolve(c, ("FILE:" + p).c_str(), &cc), 0);
    EXPECT_EQ(krb5_cc_initialize(c, cc, client), 0);
    EXPECT_EQ(krb5_cc_store_cred(c, cc, &creds), 0);
    krb5_cc_close(c, cc);
    krb5_free_cred_contents(c, &creds);
    krb5_free_principal(c, client);
    krb5_free_context(c);
    return p;
  }();
  return path;
}

void expect_same_attributes(const std::string& ccache, std::vector<Attr>* out = nullptr) {
  Cred icred = initiator_from(ccache);
  Accepted mit, apx;
  establish(&kKrb5Oid, icred.h, mit);
  establish(&kApx, icred.h, apx);
  ASSERT_EQ(mit.major, GSS_S_COMPLETE) << mit.text;
  ASSERT_EQ(apx.major, GSS_S_COMPLETE) << apx.text;
  const auto a = attributes(apx.src.h), m = attributes(mit.src.h);
  EXPECT_EQ(a, m);
  if (out != nullptr) *out = a;
}

TEST(NameAttributes, PacAttributesAreMits) {
  std::vector<Attr> got;
  expect_same_attributes(Realm::shared().ccache(), &got);
  // MIT 1.20's KDC signs a PAC into every ticket of a DB2 principal.
  for (const char* name : {"urn:mspac:", "urn:mspac:client-info", "urn:mspac:server-checksum",
                           "urn:mspac:privsvr-checksum"}) {
    const Attr* a = find(got, name);
    ASSERT_NE(a, nullptr) << name;
    EXPECT_EQ(a->authenticated, 1) << name;
    EXPECT_EQ(a->complete, 1) << name;
  }
  EXPECT_EQ(find(got, "auth-indicators"), nullptr);
}

TEST(NameAttributes, AuthIndicatorsAreMits) {
  std::vector<Attr> got;
  expect_same_attributes(strong_ccache(), &got);
  const Attr* a = find(got, "auth-indicators");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->value, hex("spake", 5));
  EXPECT_EQ(a->authenticated, 1);
  EXPECT_EQ(a->complete, 1);
  EXPECT_NE(find(got, "urn:mspac:"), nullptr);
}

TEST(NameAttributes, UnknownAttributeIsUnavailableAsInMit) {
  Cred icred = initiator_from(Realm::shared().ccache());
  for (gss_OID mech : {&kKrb5Oid, &kApx}) {
    Accepted acc;
    establish(mech, icred.h, acc);
    ASSERT_EQ(acc.major, GSS_S_COMPLETE) << acc.text;
    OM_uint32 minor;
    int more = -1, auth = -1, complete = -1;
    Buffer v, d;
    const std::string none = "urn:example:none";
    gss_buffer_desc attr = buf(none);
    EXPECT_EQ(gss_get_name_attribute(&minor, acc.src.h, &attr, &auth, &complete, &v.b, &d.b,
                                     &more),
              GSS_S_UNAVAILABLE);
    // libkrb5's ENOENT (the mechglue renumbers minor codes per mechanism).
    EXPECT_NE(minor_text(minor, mech).find(std::strerror(ENOENT)), std::string::npos)
        << minor_text(minor, mech);
  }
}

// "urn:mspac:<n>" names a PAC buffer by number (16, the ticket signature MIT 1.20's KDC puts
// in every service ticket). libkrb5 parses the number with strtoul and wants a NUL after
// it, so MIT's mechanism reads past the caller's buffer and refuses a name whose next byte
// in memory is not NUL. apx hands every attribute name out NUL-terminated and
// gives libkrb5 a terminated copy of every name it is asked for: the name's length decides.
TEST(NameAttributes, NumberedPacBufferByItsLengthAlone) {
  Cred icred = initiator_from(Realm::shared().ccache());
  const std::string followed = "urn:mspac:16x";
  gss_buffer_desc exact = {followed.size() - 1, const_cast<char*>(followed.data())};
  std::string values[2];
  for (gss_OID mech : {&kKrb5Oid, &kApx}) {
    Accepted acc;
    establish(mech, icred.h, acc);
    ASSERT_EQ(acc.major, GSS_S_COMPLETE) << acc.text;
    OM_uint32 minor;
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    ASSERT_EQ(gss_inquire_name(&minor, acc.src.h, nullptr, nullptr, &set), GSS_S_COMPLETE);
    bool listed = false;
    for (size_t i = 0; i < set->count; ++i) {
      const auto& e = set->elements[i];
      // (MIT terminates the numbered names it prints, not all the names it copies.)
      if (mech == &kApx) {
        EXPECT_EQ(static_cast<const char*>(e.value)[e.length], '\0') << "member " << i;
      }
      listed |= std::string(static_cast<char*>(e.value), e.length) == "urn:mspac:16";
    }
    gss_release_buffer_set(&minor, &set);
    EXPECT_TRUE(listed) << "the KDC's ticket signature buffer is listed";
    int more = -1, auth = -1, complete = -1;
    Buffer v, d;
    const OM_uint32 major =
        gss_get_name_attribute(&minor, acc.src.h, &exact, &auth, &complete, &v.b, &d.b, &more);
    if (mech == &kKrb5Oid) {
      EXPECT_EQ(major, GSS_S_UNAVAILABLE) << "MIT's mechanism reads the 'x' beyond the name";
      // Asked with a terminated name, MIT gives the buffer: the control value.
      const std::string whole = "urn:mspac:16";
      gss_buffer_desc terminated = buf(whole);
      more = -1;
      ASSERT_EQ(gss_get_name_attribute(&minor, acc.src.h, &terminated, &auth, &complete, &v.b,
                                       &d.b, &more),
                GSS_S_COMPLETE);
      values[0] = hex(v.b.value, v.b.length);
    } else {
      ASSERT_EQ(major, GSS_S_COMPLETE) << minor_text(minor, mech);
      EXPECT_EQ(auth, 1);
      EXPECT_EQ(complete, 1);
      values[1] = hex(v.b.value, v.b.length);
    }
  }
  EXPECT_FALSE(values[0].empty());
  EXPECT_EQ(values[1], values[0]);
}

// A service that sets or deletes attributes changes its own copy: a PAC it sets is not
// authenticated, and a deleted buffer is gone, in apx as in MIT.
TEST(NameAttributes, SetAndDeleteAsInMit) {
  Cred icred = initiator_from(strong_ccache());
  std::vector<std::vector<Attr>> after;
  std::vector<std::vector<OM_uint32>> majors;
  for (gss_OID mech : {&kKrb5Oid, &kApx}) {
    Accepted acc;
    establish(mech, icred.h, acc);
    ASSERT_EQ(acc.major, GSS_S_COMPLETE) << acc.text;
    OM_uint32 minor;
    std::vector<OM_uint32> m;
    Name dup;
    ASSERT_EQ(gss_duplicate_name(&minor, acc.src.h, &dup.h), GSS_S_COMPLETE);
    const auto before = attributes(acc.src.h);
    const Attr* whole = find(before, "urn:mspac:");
    ASSERT_NE(whole, nullptr);
    Bytes pac;
    for (size_t i = 0; i + 1 < whole->value.size(); i += 2)
      pac.push_back(static_cast<uint8_t>(std::stoi(whole->value.substr(i, 2), nullptr, 16)));
    const std::string whole_pac = "urn:mspac:", client_info = "urn:mspac:client-info",
                      indicators = "auth-indicators", otp = "otp";
    gss_buffer_desc a_pac = buf(whole_pac), v_pac = buf(pac);
    m.push_back(gss_set_name_attribute(&minor, dup.h, 1, &a_pac, &v_pac));
    gss_buffer_desc a_ci = buf(client_info);
    m.push_back(gss_delete_name_attribute(&minor, dup.h, &a_ci));
    gss_buffer_desc a_ai = buf(indicators), v_ai = buf(otp);
    m.push_back(gss_set_name_attribute(&minor, dup.h, 1, &a_ai, &v_ai));
    m.push_back(gss_delete_name_attribute(&minor, dup.h, &a_ai));
    after.push_back(attributes(dup.h));
    // The accepted name itself is unchanged.
    EXPECT_EQ(attributes(acc.src.h), before);
    majors.push_back(m);
  }
  EXPECT_EQ(majors[1], majors[0]);
  EXPECT_EQ(after[1], after[0]);
  // A PAC the service set is not verified: MIT lists it but gives no value.
  const Attr* whole = find(after[1], "urn:mspac:");
  ASSERT_NE(whole, nullptr);
  EXPECT_EQ(whole->value, "<unavailable>");
}

TEST(NameAttributes, MapNameToAnyGivesMitsPac) {
  Cred icred = initiator_from(Realm::shared().ccache());
  std::vector<std::string> types;
  for (gss_OID mech : {&kKrb5Oid, &kApx}) {
    Accepted acc;
    establish(mech, icred.h, acc);
    ASSERT_EQ(acc.major, GSS_S_COMPLETE) << acc.text;
    OM_uint32 minor;
    gss_buffer_desc type_id = {5, const_cast<char*>("mspac")};
    krb5_pac pac = nullptr;
    ASSERT_EQ(gss_map_name_to_any(&minor, acc.src.h, 1, &type_id,
                                  reinterpret_cast<gss_any_t*>(&pac)),
              GSS_S_COMPLETE)
        << minor_text(minor, mech);
    krb5_context c = nullptr;
    ASSERT_EQ(krb5_init_context(&c), 0);
    size_t n = 0;
    krb5_ui_4* t = nullptr;
    ASSERT_EQ(krb5_pac_get_types(c, pac, &n, &t), 0);
    std::string s;
    for (size_t i = 0; i < n; ++i) s += std::to_string(t[i]) + " ";
    types.push_back(s);
    free(t);
    krb5_free_context(c);
    EXPECT_EQ(gss_release_any_name_mapping(&minor, acc.src.h, &type_id,
                                           reinterpret_cast<gss_any_t*>(&pac)),
              GSS_S_COMPLETE);
    EXPECT_EQ(pac, nullptr);
    gss_buffer_desc other = {8, const_cast<char*>("krb5_pac")};
    gss_any_t none = nullptr;
    EXPECT_EQ(gss_map_name_to_any(&minor, acc.src.h, 1, &other, &none), GSS_S_UNAVAILABLE);
  }
  EXPECT_EQ(types[1], types[0]);
  // MIT's KDC writes client info (10), the ticket signature (16) and the two checksums.
  EXPECT_NE(types[0].find("10 "), std::string::npos) << types[0];
}

TEST(NameAttributes, AuthzDataAsInMit) {
  Cred icred = initiator_from(strong_ccache());
  std::vector<std::string> got;
  for (gss_OID mech : {&kKrb5Oid, &kApx}) {
    Accepted acc;
    establish(mech, icred.h, acc);
    ASSERT_EQ(acc.major, GSS_S_COMPLETE) << acc.text;
    OM_uint32 minor;
    // The query itself: type 1 matches the two AD-IF-RELEVANT containers the KDC wrote
    // (the PAC's and the CAMMAC's), in the ticket's order.
    gss_OID_desc oid = {12, const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x0a\x01")};
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    ASSERT_EQ(gss_inquire_sec_context_by_oid(&minor, acc.actx.h, &oid, &set), GSS_S_COMPLETE)
        << minor_text(minor, mech);
    ASSERT_NE(set, GSS_C_NO_BUFFER_SET);
    EXPECT_EQ(set->count, 2u);
    std::string all;
    for (size_t i = 0; i < set->count; ++i)
      all += hex(set->elements[i].value, set->elements[i].length) + "\n";
    got.push_back(all);
    gss_release_buffer_set(&minor, &set);
    // gsskrb5_extract_authz_data_from_sec_context wants exactly one element: two is a
    // failure, none (type 128 is not in the ticket) too.
    Buffer ad, none;
    EXPECT_EQ(gsskrb5_extract_authz_data_from_sec_context(&minor, acc.actx.h, 1, &ad.b),
              GSS_S_FAILURE);
    EXPECT_EQ(gsskrb5_extract_authz_data_from_sec_context(&minor, acc.actx.h, 128, &none.b),
              GSS_S_FAILURE);
    // Ad-type 0 is refused (MIT's generic_gss_oid_decompose).
    oid.elements = const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x0a\x00");
    EXPECT_EQ(gss_inquire_sec_context_by_oid(&minor, acc.actx.h, &oid, &set), GSS_S_FAILURE);
  }
  EXPECT_EQ(got[1], got[0]);
}

// name_tool under GSS_MECH_CONFIG `conf` (apx's interposer line, or none for MIT's own
// mechanism) in a separate process; its output.
std::string name_tool(const std::string& conf, const std::string& args, int& status,
                      const std::string& env = "") {
  const std::string cmd = env + " GSS_MECH_CONFIG='" + conf + "' " NAME_TOOL_PATH " " + args;
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char b[4096];
  size_t n;
  while (p != nullptr && (n = fread(b, 1, sizeof b, p)) > 0) out.append(b, n);
  status = p != nullptr ? pclose(p) : -1;
  return out;
}

std::string listing(gss_name_t name, const NameApi& api = {}) {
  std::string out;
  for (const Attr& a : attributes(name, api)) {
    if (a.value == "<unavailable>") continue;
    out += "attr=" + a.name + " authenticated=" + std::to_string(a.authenticated) +
           " complete=" + std::to_string(a.complete) + " value=" + a.value +
           " display=" + a.display + "\n";
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// apx (interposed) exports in one process, MIT imports in another. Where apx interposes,
// the mechglue gives every exported-name import to MIT's built-in mechanism (it looks the
// token's krb5 OID up directly, as for context imports), so the other direction is MIT's
// token read by apx's own import entry point (gssi_import_name_by_mech), in this process.
TEST(CompositeName, ApxExportsMitImportsAndBack) {
  const std::string dir = Realm::shared().dir();
  const std::string apx_tok = dir + "/apx.composite", mit_tok = dir + "/mit.composite";
  const std::string trace = dir + "/name_tool.trace";
  int st = 0;
  const std::string apx_listing =
      name_tool(APX_INTERPOSER_CONF, "export " + apx_tok, st, "APX_TRACE=" + trace);
  ASSERT_EQ(st, 0) << apx_listing;
  EXPECT_NE(read_file(trace).find("accept_sec_context: accepted user@APX.TEST"),
            std::string::npos)
      << "apx did not accept in name_tool";
  const std::string mit_listing = name_tool("/dev/null", "export " + mit_tok, st);
  ASSERT_EQ(st, 0) << mit_listing;
  EXPECT_NE(apx_listing.find("attr=urn:mspac: authenticated=1 complete=1"), std::string::npos)
      << apx_listing;
  // The same ticket from the same ccache: the same attributes, the same token.
  EXPECT_EQ(apx_listing, mit_listing);
  EXPECT_EQ(read_file(apx_tok), read_file(mit_tok));
  // MIT reads apx's composite name in another process.
  EXPECT_EQ(name_tool("/dev/null", "import " + apx_tok, st), apx_listing);
  EXPECT_EQ(st, 0);

  // apx reads MIT's, through its own entry points.
  void* h = dlopen(APX_MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr) << dlerror();
  auto import_by_mech = reinterpret_cast<OM_uint32 (*)(OM_uint32*, gss_const_OID, gss_buffer_t,
                                                       gss_OID, gss_name_t*)>(
      dlsym(h, "gssi_import_name_by_mech"));
  auto release = reinterpret_cast<decltype(&gss_release_name)>(dlsym(h, "gssi_release_name"));
  NameApi apx_api;
  apx_api.inquire = reinterpret_cast<decltype(&gss_inquire_name)>(dlsym(h, "gssi_inquire_name"));
  apx_api.get = reinterpret_cast<decltype(&gss_get_name_attribute)>(
      dlsym(h, "gssi_get_name_attribute"));
  auto export_comp = reinterpret_cast<decltype(&gss_export_name_composite)>(
      dlsym(h, "gssi_export_name_composite"));
  ASSERT_TRUE(import_by_mech && release && apx_api.inquire && apx_api.get && export_comp);
  std::string tok = read_file(mit_tok);
  gss_buffer_desc in = {tok.size(), tok.data()};
  OM_uint32 minor;
  gss_name_t n = GSS_C_NO_NAME;
  ASSERT_EQ(import_by_mech(&minor, &kKrb5Oid, &in, GSS_C_NT_COMPOSITE_EXPORT, &n),
            GSS_S_COMPLETE);
  const std::string mit_lines = mit_listing.substr(mit_listing.find('\n') + 1);  // no name=
  EXPECT_EQ(listing(n, apx_api), mit_lines);
  Buffer again;
  ASSERT_EQ(export_comp(&minor, n, &again.b), GSS_S_COMPLETE);
  EXPECT_EQ(again.str(), tok);
  release(&minor, &n);
  dlclose(h);
}

TEST(CompositeName, ImportedNameWithoutAttributes) {
  // 04 02, the krb5 OID, "a@b", an empty attribute blob (t_export_name -c).
  const Bytes tok = {0x04, 0x02, 0x00, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12,
                     0x01, 0x02, 0x02, 0x00, 0x00, 0x00, 0x03, 'a',  '@',  'b',  0x00, 0x00,
                     0x00, 0x00};
  OM_uint32 minor;
  Name mn;
  gss_buffer_desc in = buf(tok);
  ASSERT_EQ(gss_import_name(&minor, &in, GSS_C_NT_COMPOSITE_EXPORT, &mn.h), GSS_S_COMPLETE);
  Name canon;
  ASSERT_EQ(gss_canonicalize_name(&minor, mn.h, &kApx, &canon.h), GSS_S_COMPLETE);
  EXPECT_TRUE(attributes(canon.h).empty());
}

// ---- Tickets rewritten with the service key ----

// A rewrite of a ticket's authorization data (enc_part2), with the service key at hand.
using Rewrite = std::function<void(krb5_context, const krb5_keyblock&, krb5_enc_tkt_part&)>;

// Copies the ccache's TGT and a host/localhost ticket whose authorization data `rewrite`
// changed (re-encrypted with the service key) into a MEMORY ccache; returns its name.
std::string rewritten_ccache(const std::string& from, const Rewrite& rewrite, int serial) {
  krb5_context c = nullptr;
  EXPECT_EQ(krb5_init_context(&c), 0);
  krb5_ccache src = nullptr, dst = nullptr;
  EXPECT_EQ(krb5_cc_resolve(c, ("FILE:" + from).c_str(), &src), 0);
  krb5_creds in{}, *creds = nullptr;
  EXPECT_EQ(krb5_cc_get_principal(c, src, &in.client), 0);
  EXPECT_EQ(krb5_parse_name(c, "host/localhost@APX.TEST", &in.server), 0);
  EXPECT_EQ(krb5_get_credentials(c, 0, src, &in, &creds), 0);
  krb5_ticket* t = nullptr;
  EXPECT_EQ(krb5_decode_ticket(&creds->ticket, &t), 0);
  krb5_keytab kt = nullptr;
  EXPECT_EQ(krb5_kt_resolve(c, Realm::shared().keytab().c_str(), &kt), 0);
  EXPECT_EQ(krb5_server_decrypt_ticket_keytab(c, kt, t), 0);
  krb5_keytab_entry e{};
  EXPECT_EQ(krb5_kt_get_entry(c, kt, t->server, t->enc_part.kvno, t->enc_part.enctype, &e), 0);
  rewrite(c, e.key, *t->enc_part2);
  EXPECT_EQ(krb5_encrypt_tkt_part(c, &e.key, t), 0);
  krb5_data* enc = nullptr;
  EXPECT_EQ(encode_krb5_ticket(t, &enc), 0);
  krb5_free_data_contents(c, &creds->ticket);
  creds->ticket = *enc;
  free(enc);
  const std::string name = "MEMORY:apx-attrs-" + std::to_string(serial);
  EXPECT_EQ(krb5_cc_resolve(c, name.c_str(), &dst), 0);
  EXPECT_EQ(krb5_cc_initialize(c, dst, in.client), 0);
  // Everything but the original service ticket, which the initiator would find first.
  krb5_cc_cursor cur = nullptr;
  krb5_creds each{};
  EXPECT_EQ(krb5_cc_start_seq_get(c, src, &cur), 0);
  while (krb5_cc_next_cred(c, src, &cur, &each) == 0) {
    if (!krb5_principal_compare(c, each.server, in.server)) {
      EXPECT_EQ(krb5_cc_store_cred(c, dst, &each), 0);
    }
    krb5_free_cred_contents(c, &each);
  }
  krb5_cc_end_seq_get(c, src, &cur);
  EXPECT_EQ(krb5_cc_store_cred(c, dst, creds), 0);
  // The MEMORY cache lives in libkrb5's process table until destroyed: close the handle.
  krb5_cc_close(c, dst);
  krb5_cc_close(c, src);
  krb5_kt_free_entry(c, &e);
  krb5_kt_close(c, kt);
  krb5_free_ticket(c, t);
  krb5_free_creds(c, creds);
  krb5_free_cred_contents(c, &in);
  krb5_free_context(c);
  return name;
}

// The elements of a ticket's AD-IF-RELEVANT containers (the KDC writes the PAC and the
// CAMMAC in separate ones); the decoded containers are kept in `owned` until freed.
struct Inner {
  krb5_context c;
  std::vector<krb5_authdata**> owned;
  std::vector<krb5_authdata> elems;
  ~Inner() {
    for (krb5_authdata** o : owned) krb5_free_authdata(c, o);
  }
};

void inner_elements(krb5_enc_tkt_part& p, Inner& in) {
  for (krb5_authdata** ad = p.authorization_data; ad && *ad; ++ad) {
    if ((*ad)->ad_type != KRB5_AUTHDATA_IF_RELEVANT) continue;
    krb5_authdata** decoded = nullptr;
    EXPECT_EQ(krb5_decode_authdata_container(in.c, KRB5_AUTHDATA_IF_RELEVANT, *ad, &decoded), 0);
    in.owned.push_back(decoded);
    for (krb5_authdata** e = decoded; e && *e; ++e) in.elems.push_back(**e);
  }
}

void set_inner(krb5_context c, krb5_enc_tkt_part& p, std::vector<krb5_authdata>& elems) {
  std::vector<krb5_authdata*> list;
  for (auto& e : elems) list.push_back(&e);
  list.push_back(nullptr);
  krb5_authdata** container = nullptr;
  ASSERT_EQ(krb5_encode_authdata_container(c, KRB5_AUTHDATA_IF_RELEVANT, list.data(), &container), 0);
  krb5_free_authdata(c, p.authorization_data);
  p.authorization_data = container;
}

// Replaces the ticket's PAC with `pac` bytes (all else kept).
void put_pac(krb5_context c, krb5_enc_tkt_part& p, Bytes pac) {
  Inner in{c, {}, {}};
  inner_elements(p, in);
  for (auto& e : in.elems)
    if (e.ad_type == KRB5_AUTHDATA_WIN2K_PAC) {
      e.contents = pac.data();
      e.length = static_cast<unsigned int>(pac.size());
    }
  set_inner(c, p, in.elems);
}

// A PAC signed with the service key (and the same key as KDC key: MIT's acceptor checks
// only the server signature) holding a logon-info buffer of `logon` bytes.
Bytes signed_pac(krb5_context c, const krb5_keyblock& key, const krb5_enc_tkt_part& p,
                 const Bytes& logon) {
  krb5_pac pac = nullptr;
  EXPECT_EQ(krb5_pac_init(c, &pac), 0);
  krb5_data d = {KV5M_DATA, static_cast<unsigned int>(logon.size()),
                 const_cast<char*>(reinterpret_cast<const char*>(logon.data()))};
  EXPECT_EQ(krb5_pac_add_buffer(c, pac, 1, &d), 0);
  krb5_data out{};
  EXPECT_EQ(krb5_pac_sign(c, pac, p.times.authtime, p.client, &key, &key, &out), 0);
  Bytes b(out.data, out.data + out.length);
  krb5_free_data_contents(c, &out);
  krb5_pac_free(c, pac);
  return b;
}

void put_le32(Bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

// MS-PAC §2.3, §2.4: cBuffers, Version, then 16-octet PAC_INFO_BUFFERs
// (ulType, cbBufferSize, Offset as 64 bits), all little-endian.
constexpr size_t kInfo = 8;
constexpr size_t kInfoSize = 16;

struct Outcome {
  OM_uint32 major = 0;
  OM_uint32 minor = 0;
  std::string text;  // the minor code's gss_display_status text
  std::vector<Attr> attrs;
  int pac_mapping = -1;  // gss_map_name_to_any("mspac", authenticated only) succeeded
};

Outcome accept_rewritten(gss_OID mech, const std::string& ccache) {
  Outcome o;
  Cred icred = initiator_from(ccache);
  Accepted acc;
  establish(mech, icred.h, acc);
  o.major = acc.major;
  o.minor = acc.minor;
  o.text = GSS_ERROR(acc.major) ? acc.text : "";
  if (acc.major != GSS_S_COMPLETE) return o;
  o.attrs = attributes(acc.src.h);
  OM_uint32 minor;
  gss_buffer_desc type_id = {5, const_cast<char*>("mspac")};
  gss_any_t any = nullptr;
  o.pac_mapping = gss_map_name_to_any(&minor, acc.src.h, 1, &type_id, &any) == GSS_S_COMPLETE;
  if (any != nullptr) gss_release_any_name_mapping(&minor, acc.src.h, &type_id, &any);
  return o;
}

struct Hostile {
  const char* name;
  bool strong;  // start from strong's ticket (with a CAMMAC)
  Rewrite rewrite;
};

// Every case goes to both mechanisms; both must agree on the major status, the minor
// code and, when accepted, on every attribute and flag.
Outcome run(const Hostile& h, int serial) {
  const std::string from = h.strong ? strong_ccache() : Realm::shared().ccache();
  const std::string cc = rewritten_ccache(from, h.rewrite, serial);
  Outcome mit = accept_rewritten(&kKrb5Oid, cc);
  Outcome apx = accept_rewritten(&kApx, cc);
  // A refusal: MIT says GSS_S_FAILURE for every krb5_rd_req failure, apx says
  // GSS_S_DEFECTIVE_TOKEN for libkrb5's ASN.1 decoding errors (acceptor.cc); the minor
  // code is libkrb5's in both (the mechglue numbers it per mechanism: compare its text).
  EXPECT_EQ(GSS_ERROR(apx.major) != 0, GSS_ERROR(mit.major) != 0) << h.name;
  if (!GSS_ERROR(mit.major)) {
    EXPECT_EQ(apx.major, mit.major) << h.name;
  }
  EXPECT_NE(apx.text.find(mit.text), std::string::npos)
      << h.name << ": apx '" << apx.text << "', MIT '" << mit.text << "'";
  EXPECT_EQ(apx.attrs, mit.attrs) << h.name;
  EXPECT_EQ(apx.pac_mapping, mit.pac_mapping) << h.name;
  return apx;
}

Bytes logon_bytes() { return Bytes(40, 0x5a); }

TEST(HostileAuthdata, SignedPacIsAuthenticated) {
  const Outcome o = run({"signed", false,
                         [](krb5_context c, const krb5_keyblock& k, krb5_enc_tkt_part& p) {
                           put_pac(c, p, signed_pac(c, k, p, logon_bytes()));
                         }},
                        1);
  ASSERT_EQ(o.major, GSS_S_COMPLETE);
  const Attr* logon = find(o.attrs, "urn:mspac:logon-info");
  ASSERT_NE(logon, nullptr);
  EXPECT_EQ(logon->authenticated, 1);
  EXPECT_EQ(logon->value, hex(logon_bytes().data(), 40));
  EXPECT_EQ(o.pac_mapping, 1);
}

// A PAC changed after signing: accepted (MIT does not fail the authentication on it, a
// KDC may copy PACs it cannot sign) but MIT lists its buffers without giving any value
// ("pretend it didn't exist") and refuses the authenticated-only mapping.
TEST(HostileAuthdata, BadServerSignatureIsNotAuthenticated) {
  const Outcome o = run({"bad signature", false,
                         [](krb5_context c, const krb5_keyblock& k, krb5_enc_tkt_part& p) {
                           Bytes pac = signed_pac(c, k, p, logon_bytes());
                           // The logon-info buffer follows the header and 4 info buffers.
                           pac[kInfo + 4 * kInfoSize + 3] ^= 0x01;
                           put_pac(c, p, pac);
                         }},
                        2);
  ASSERT_EQ(o.major, GSS_S_COMPLETE);
  ASSERT_NE(find(o.attrs, "urn:mspac:logon-info"), nullptr);
  for (const Attr& a : o.attrs) EXPECT_EQ(a.value, "<unavailable>") << a;
  EXPECT_EQ(o.pac_mapping, 0);
}

TEST(HostileAuthdata, PacSignedWithAnotherKeyIsNotAuthenticated) {
  const Outcome o = run({"other key", false,
                         [](krb5_context c, const krb5_keyblock& k, krb5_enc_tkt_part& p) {
                           krb5_keyblock other{};
                           ASSERT_EQ(krb5_c_make_random_key(c, k.enctype, &other), 0);
                           put_pac(c, p, signed_pac(c, other, p, logon_bytes()));
                           krb5_free_keyblock_contents(c, &other);
                         }},
                        3);
  ASSERT_EQ(o.major, GSS_S_COMPLETE);
  ASSERT_FALSE(o.attrs.empty());
  for (const Attr& a : o.attrs) EXPECT_EQ(a.value, "<unavailable>") << a;
  EXPECT_EQ(o.pac_mapping, 0);
}

// Malformed PACs: whatever MIT decides (a refused ticket, or values withheld as for an
// unverified PAC), apx decides the same, with a GSS error when refused, and nothing
// reaches past the PAC (the ASan build runs these too).
TEST(HostileAuthdata, MalformedPacsDecideAsMit) {
  using Edit = std::function<void(Bytes&)>;
  const std::vector<std::pair<const char*, Edit>> edits = {
      {"truncated header", [](Bytes& b) { b.resize(6); }},
      {"truncated info", [](Bytes& b) { b.resize(kInfo + kInfoSize + 5); }},
      {"truncated buffers", [](Bytes& b) { b.resize(b.size() - 9); }},
      {"huge count", [](Bytes& b) { put_le32(b, 0, 0xffffffffu); }},
      {"count one too many", [](Bytes& b) { put_le32(b, 0, 5); }},
      {"zero count", [](Bytes& b) { put_le32(b, 0, 0); }},
      {"version 1", [](Bytes& b) { put_le32(b, 4, 1); }},
      {"size past end", [](Bytes& b) { put_le32(b, kInfo + 4, 0x7fffffffu); }},
      {"offset past end", [](Bytes& b) { put_le32(b, kInfo + 8, 0x7ffffff8u); }},
      {"offset high word", [](Bytes& b) { put_le32(b, kInfo + 12, 1); }},
      {"offset unaligned", [](Bytes& b) { put_le32(b, kInfo + 8, 0x4c); }},
      {"offset into header", [](Bytes& b) { put_le32(b, kInfo + 8, 8); }},
      {"overlapping buffers",
       [](Bytes& b) {
         // The second buffer (client info) starts where the first (logon info) does.
         for (int i = 0; i < 8; ++i) b[kInfo + kInfoSize + 8 + i] = b[kInfo + 8 + i];
       }},
      {"duplicate type", [](Bytes& b) { put_le32(b, kInfo + kInfoSize, 1); }},
      {"server checksum short",
       [](Bytes& b) {
         // Buffer 3 is the server checksum: claim 4 octets (only the signature type).
         put_le32(b, kInfo + 2 * kInfoSize + 4, 4);
       }},
      {"empty", [](Bytes& b) { b.clear(); }},
  };
  int serial = 10;
  for (const auto& named_edit : edits) {
    const auto& name = named_edit.first;
    const auto& edit = named_edit.second;  // (clang cannot capture a structured binding)
    SCOPED_TRACE(name);
    const Outcome o = run({name, false,
                           [&](krb5_context c, const krb5_keyblock& k, krb5_enc_tkt_part& p) {
                             Bytes pac = signed_pac(c, k, p, logon_bytes());
                             edit(pac);
                             put_pac(c, p, pac);
                           }},
                          serial++);
    if (o.major == GSS_S_COMPLETE) {
      // Accepted: nothing the damaged PAC says may be given out.
      for (const Attr& a : o.attrs)
        if (a.name.rfind("urn:mspac:", 0) == 0) {
          EXPECT_EQ(a.value, "<unavailable>") << a;
        }
    } else {
      EXPECT_TRUE(GSS_ERROR(o.major));
      EXPECT_NE(o.minor, 0u);
    }
  }
}

// The CAMMAC (RFC 7751) that carries auth indicators: damaged, its indicators are not
// believed, as in MIT.
TEST(HostileAuthdata, DamagedCammacDecidesAsMit) {
  using Edit = std::function<void(krb5_authdata&, Bytes&)>;
  const std::vector<std::pair<const char*, Edit>> edits = {
      {"indicator changed",
       [](krb5_authdata&, Bytes& b) {
         const std::string s(b.begin(), b.end());
         const size_t at = s.find("spake");
         ASSERT_NE(at, std::string::npos);
         b[at] = 'S';
       }},
      {"truncated", [](krb5_authdata&, Bytes& b) { b.resize(b.size() / 2); }},
      {"last byte flipped", [](krb5_authdata&, Bytes& b) { b.back() ^= 0x01; }},
      {"empty", [](krb5_authdata&, Bytes& b) { b.clear(); }},
  };
  int serial = 100;
  for (const auto& named_edit : edits) {
    const auto& name = named_edit.first;
    const auto& edit = named_edit.second;  // (clang cannot capture a structured binding)
    SCOPED_TRACE(name);
    const Outcome o = run(
        {name, true,
         [&](krb5_context c, const krb5_keyblock&, krb5_enc_tkt_part& p) {
           Inner in{c, {}, {}};
           inner_elements(p, in);
           Bytes keep;
           bool found = false;
           for (auto& e : in.elems) {
             if (e.ad_type != kAdCammac) continue;
             keep.assign(e.contents, e.contents + e.length);
             edit(e, keep);
             e.contents = keep.data();
             e.length = static_cast<unsigned int>(keep.size());
             found = true;
           }
           EXPECT_TRUE(found) << "no CAMMAC in strong's ticket";
           set_inner(c, p, in.elems);
         }},
        serial++);
    if (o.major == GSS_S_COMPLETE) {
      EXPECT_EQ(find(o.attrs, "auth-indicators"), nullptr);
    } else {
      EXPECT_TRUE(GSS_ERROR(o.major));
    }
  }
}

}  // namespace
}  // namespace apx::test

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  apx::test::Realm::shared();
  setenv("GSS_MECH_CONFIG", APX_MECH_CONF, 1);
  setenv("KRB5RCACHETYPE", "none", 1);
  return RUN_ALL_TESTS();
}
