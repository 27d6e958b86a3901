// The "establish" and "wrap" steps of `apx doctor`: the GSS calls an application makes,
// through the mechglue of this process, initiator and acceptor in one process.
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include <cstring>
#include <string>

#include "doctor.h"

namespace apx::cli {
namespace {

// Owns the GSS objects of one establishment.
struct GssObjects {
  OM_uint32 minor = 0;
  gss_name_t target = GSS_C_NO_NAME;
  gss_OID_set mechs = GSS_C_NO_OID_SET;
  gss_cred_id_t initiator = GSS_C_NO_CREDENTIAL;
  gss_cred_id_t acceptor = GSS_C_NO_CREDENTIAL;
  gss_ctx_id_t init_ctx = GSS_C_NO_CONTEXT;
  gss_ctx_id_t accept_ctx = GSS_C_NO_CONTEXT;
  ~GssObjects() {
    gss_delete_sec_context(&minor, &init_ctx, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&minor, &accept_ctx, GSS_C_NO_BUFFER);
    gss_release_cred(&minor, &initiator);
    gss_release_cred(&minor, &acceptor);
    gss_release_oid_set(&minor, &mechs);
    gss_release_name(&minor, &target);
  }
};

constexpr OM_uint32 kFlags =
    GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG | GSS_C_SEQUENCE_FLAG;

struct Failure {
  std::string what;  // empty: no failure
  OM_uint32 major = 0, minor = 0;
};

Failure acquire(GssObjects& g, gss_OID mech, const std::string& service,
                const std::string& keytab) {
  gss_buffer_desc name{service.size(), const_cast<char*>(service.data())};
  OM_uint32 major = gss_import_name(&g.minor, &name, GSS_C_NT_HOSTBASED_SERVICE, &g.target);
  if (GSS_ERROR(major)) return {"gss_import_name(" + service + ")", major, g.minor};
  (void)gss_create_empty_oid_set(&g.minor, &g.mechs);
  (void)gss_add_oid_set_member(&g.minor, mech, &g.mechs);
  major = gss_acquire_cred(&g.minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, g.mechs, GSS_C_INITIATE,
                           &g.initiator, nullptr, nullptr);
  if (GSS_ERROR(major)) return {"the initiator's credential (ccache)", major, g.minor};
  gss_key_value_element_desc kt{"keytab", keytab.c_str()};
  gss_key_value_set_desc store{1, &kt};
  major = gss_acquire_cred_from(&g.minor, g.target, GSS_C_INDEFINITE, g.mechs, GSS_C_ACCEPT,
                                keytab.empty() ? GSS_C_NO_CRED_STORE : &store, &g.acceptor,
                                nullptr, nullptr);
  if (GSS_ERROR(major)) return {"the acceptor's credential (keytab)", major, g.minor};
  return {};
}

// Token exchange until both sides are complete (two legs for mutual authentication).
Failure exchange(GssObjects& g, gss_OID mech) {
  gss_buffer_desc in{}, out{};
  OM_uint32 init_major = GSS_S_CONTINUE_NEEDED, accept_major = GSS_S_CONTINUE_NEEDED;
  for (int leg = 0; leg < 4 && init_major == GSS_S_CONTINUE_NEEDED; ++leg) {
    init_major = gss_init_sec_context(&g.minor, g.initiator, &g.init_ctx, g.target, mech,
                                      kFlags, 0, GSS_C_NO_CHANNEL_BINDINGS, &in, nullptr,
                                      &out, nullptr, nullptr);
    gss_release_buffer(&g.minor, &in);
    if (GSS_ERROR(init_major)) return {"gss_init_sec_context", init_major, g.minor};
    if (out.length == 0) break;
    accept_major = gss_accept_sec_context(&g.minor, &g.accept_ctx, g.acceptor, &out,
                                          GSS_C_NO_CHANNEL_BINDINGS, nullptr, nullptr, &in,
                                          nullptr, nullptr, nullptr);
    gss_release_buffer(&g.minor, &out);
    if (GSS_ERROR(accept_major)) return {"gss_accept_sec_context", accept_major, g.minor};
  }
  gss_release_buffer(&g.minor, &in);
  if (init_major != GSS_S_COMPLETE || accept_major != GSS_S_COMPLETE)
    return {"the exchange did not complete", init_major, 0};
  return {};
}

Failure wrap_once(GssObjects& g, size_t* token_size) {
  static const char kText[] = "apx doctor: one message";
  gss_buffer_desc msg{sizeof kText - 1, const_cast<char*>(kText)}, token{}, back{};
  int conf = 0;
  OM_uint32 major = gss_wrap(&g.minor, g.init_ctx, 1, GSS_C_QOP_DEFAULT, &msg, &conf, &token);
  if (GSS_ERROR(major)) return {"gss_wrap", major, g.minor};
  *token_size = token.length;
  int conf_back = 0;
  major = gss_unwrap(&g.minor, g.accept_ctx, &token, &back, &conf_back, nullptr);
  gss_release_buffer(&g.minor, &token);
  if (GSS_ERROR(major)) return {"gss_unwrap", major, g.minor};
  const bool same = back.length == msg.length && std::memcmp(back.value, kText, msg.length) == 0;
  gss_release_buffer(&g.minor, &back);
  if (!same || conf == 0 || conf_back == 0)
    return {"the unwrapped message differs or was not encrypted", GSS_S_FAILURE, 0};
  return {};
}

}  // namespace

bool check_establish(Report& r, const Routing& routing, const std::string& service,
                     const std::string& keytab, const TraceFile& trace) {
  gss_OID mech = const_cast<gss_OID>(&routing.mech);
  GssObjects g;
  Failure f = acquire(g, mech, service, keytab);
  if (f.what.empty()) f = exchange(g, mech);
  if (!f.what.empty()) {
    r.fail("establish", f.what + " failed: " + gss_text(f.major, f.minor, mech));
    r.skip("wrap", "no context");
    return false;
  }
  if (trace.owned() && !(trace.contains("init_sec_context") &&
                         trace.contains("accept_sec_context"))) {
    r.fail("establish", "a context was established, but not by apx (its trace is empty): "
                        "the mechglue routes Kerberos elsewhere; run `apx status`");
    r.skip("wrap", "the context is not apx's");
    return false;
  }
  r.pass("establish", "initiator from the ccache and acceptor from the keytab agreed on a "
                      "mutually authenticated context through apx (" + routing.mode + ")");
  size_t token_size = 0;
  f = wrap_once(g, &token_size);
  if (!f.what.empty()) {
    r.fail("wrap", f.what + " failed: " + gss_text(f.major, f.minor, mech));
    return false;
  }
  r.pass("wrap", "one message wrapped with confidentiality (token of " +
                     std::to_string(token_size) + " bytes) and unwrapped through apx");
  return true;
}

}  // namespace apx::cli
