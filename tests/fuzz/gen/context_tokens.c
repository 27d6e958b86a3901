/* context_tokens — seeds for fuzz_framing and fuzz_name from MIT's own krb5 mechanism.
 *
 *   context_tokens KEYTAB STALE_KEYTAB FRAMING_DIR NAME_DIR
 *
 * Run by gen/context_tokens.sh inside the test realm (scripts/realm), with MIT's built-in
 * mechanism only (GSS_MECH_CONFIG names an empty file) and no replay cache. One process
 * is both initiator (the realm's ccache) and acceptor (KEYTAB). Writes:
 *   FRAMING_DIR/ap-req-*, ap-rep-*, dce-*   every context token of each exchange
 *   FRAMING_DIR/krb-error-*                 acceptor error tokens (unknown service, stale key)
 *   FRAMING_DIR/cksum-*                     the 0x8003 authenticator checksum of an AP-REQ,
 *                                           read back with krb5_rd_req from KEYTAB
 *   NAME_DIR/export-*                       gss_export_name output for a few names
 *   NAME_DIR/text-*                         the texts those names were imported from */
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char* framing_dir;
static const char* name_dir;

static void die(const char* what, OM_uint32 major, OM_uint32 minor) {
  fprintf(stderr, "context_tokens: %s: major 0x%x minor %u\n", what, major, minor);
  exit(1);
}

static void save(const char* dir, const char* name, const void* data, size_t len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE* f = fopen(path, "wb");
  if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
    fprintf(stderr, "context_tokens: cannot write %s\n", path);
    exit(1);
  }
}

static gss_name_t import(const char* text, gss_OID type) {
  OM_uint32 minor;
  gss_buffer_desc buf = {strlen(text), (void*)text};
  gss_name_t name = GSS_C_NO_NAME;
  OM_uint32 major = gss_import_name(&minor, &buf, type, &name);
  if (GSS_ERROR(major)) die(text, major, minor);
  return name;
}

/* The 0x8003 checksum inside the AP-REQ of a framed initial token. */
static void save_checksum(const gss_buffer_desc* token, const char* keytab, const char* label) {
  const unsigned char* p = token->value;
  size_t len = token->length, i = 1, hdr;
  /* RFC 2743 §3.1: 0x60, DER length, 0x06 OID, TOK_ID 01 00, AP-REQ. */
  if (len < 2 || p[0] != 0x60) return;
  i += (p[1] & 0x80) ? 1 + (p[1] & 0x7f) : 1;
  hdr = i + 2 + p[i + 1] + 2;
  krb5_context ctx;
  krb5_auth_context ac = NULL;
  krb5_keytab kt;
  krb5_authenticator* auth = NULL;
  krb5_data ap_req = {0, (unsigned int)(len - hdr), (char*)p + hdr};
  if (krb5_init_context(&ctx) || krb5_kt_resolve(ctx, keytab, &kt)) die("krb5 init", 0, 0);
  krb5_error_code code = krb5_rd_req(ctx, &ac, &ap_req, NULL, kt, NULL, NULL);
  if (code) die("krb5_rd_req", 0, (OM_uint32)code);
  if (krb5_auth_con_getauthenticator(ctx, ac, &auth) == 0 && auth->checksum != NULL &&
      auth->checksum->checksum_type == 0x8003) {
    char name[256];
    snprintf(name, sizeof name, "cksum-%s", label);
    save(framing_dir, name, auth->checksum->contents, auth->checksum->length);
  }
  krb5_free_authenticator(ctx, auth);
  krb5_auth_con_free(ctx, ac);
  krb5_kt_close(ctx, kt);
  krb5_free_context(ctx);
}

static gss_cred_id_t acceptor_cred(const char* keytab) {
  OM_uint32 major, minor;
  gss_key_value_element_desc el = {"keytab", keytab};
  gss_key_value_set_desc store = {1, &el};
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, GSS_C_NO_OID_SET,
                                GSS_C_ACCEPT, &store, &cred, NULL, NULL);
  if (GSS_ERROR(major)) die("gss_acquire_cred_from", major, minor);
  return cred;
}

/* One context establishment; every token is saved as <label>-<leg>. */
static void exchange(const char* label, const char* target, OM_uint32 flags, int bindings,
                     const char* keytab, int want_error) {
  OM_uint32 major = GSS_S_CONTINUE_NEEDED, amajor = GSS_S_CONTINUE_NEEDED, minor;
  gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
  gss_name_t name = import(target, GSS_C_NT_HOSTBASED_SERVICE);
  gss_cred_id_t acred = acceptor_cred(keytab);
  gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
  struct gss_channel_bindings_struct cb;
  memset(&cb, 0, sizeof cb);
  cb.application_data.value = "tls-server-end-point:0123456789abcdef";
  cb.application_data.length = strlen(cb.application_data.value);
  gss_channel_bindings_t chan = bindings ? &cb : GSS_C_NO_CHANNEL_BINDINGS;
  char name_buf[256];
  for (int leg = 1; leg < 8; ++leg) {
    if (leg % 2) {
      major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ictx, name, gss_mech_krb5,
                                   flags, 0, chan, &in, NULL, &out, NULL, NULL);
      if (GSS_ERROR(major) && !want_error) die("gss_init_sec_context", major, minor);
    } else {
      amajor = gss_accept_sec_context(&minor, &actx, acred, &in, chan, NULL, NULL, &out, NULL,
                                      NULL, NULL);
      if (GSS_ERROR(amajor) && !want_error) die("gss_accept_sec_context", amajor, minor);
    }
    if (out.length != 0) {
      const char* kind = leg == 1 ? "ap-req" : want_error ? "krb-error" : "reply";
      snprintf(name_buf, sizeof name_buf, "%s-%s-%d", kind, label, leg);
      save(framing_dir, name_buf, out.value, out.length);
      if (leg == 1 && !want_error) save_checksum(&out, keytab, label);
    }
    gss_release_buffer(&minor, &in);
    in = out;
    out.value = NULL;
    out.length = 0;
    if (in.length == 0 || GSS_ERROR(major) || GSS_ERROR(amajor)) break;
  }
  gss_release_buffer(&minor, &in);
  gss_delete_sec_context(&minor, &ictx, GSS_C_NO_BUFFER);
  gss_delete_sec_context(&minor, &actx, GSS_C_NO_BUFFER);
  gss_release_cred(&minor, &acred);
  gss_release_name(&minor, &name);
}

static void export_name(const char* label, const char* text, gss_OID type) {
  OM_uint32 major, minor;
  gss_name_t name = import(text, type), canon = GSS_C_NO_NAME;
  gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
  char file[256];
  major = gss_canonicalize_name(&minor, name, gss_mech_krb5, &canon);
  if (GSS_ERROR(major)) die(text, major, minor);
  major = gss_export_name(&minor, canon, &out);
  if (GSS_ERROR(major)) die(text, major, minor);
  snprintf(file, sizeof file, "export-%s", label);
  save(name_dir, file, out.value, out.length);
  snprintf(file, sizeof file, "text-%s", label);
  save(name_dir, file, text, strlen(text));
  gss_release_buffer(&minor, &out);
  gss_release_name(&minor, &canon);
  gss_release_name(&minor, &name);
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: context_tokens KEYTAB STALE_KEYTAB FRAMING_DIR NAME_DIR\n");
    return 2;
  }
  const char* keytab = argv[1];
  const char* stale = argv[2];
  framing_dir = argv[3];
  name_dir = argv[4];
  const OM_uint32 base = GSS_C_SEQUENCE_FLAG | GSS_C_REPLAY_FLAG | GSS_C_CONF_FLAG |
                         GSS_C_INTEG_FLAG;
  const OM_uint32 mutual = base | GSS_C_MUTUAL_FLAG;
  exchange("host-nomutual", "host@localhost", base, 0, keytab, 0);
  exchange("host-mutual", "host@localhost", mutual, 0, keytab, 0);
  exchange("host-deleg", "host@localhost", mutual | GSS_C_DELEG_FLAG, 0, keytab, 0);
  exchange("host-bindings", "host@localhost", mutual, 1, keytab, 0);
  exchange("host-dce", "host@localhost", mutual | GSS_C_DCE_STYLE, 0, keytab, 0);
  exchange("sha1-mutual", "sha1@localhost", mutual, 0, keytab, 0);
  exchange("sha1-nomutual", "sha1@localhost", base, 0, keytab, 0);
  exchange("sha2-mutual", "sha2@localhost", mutual, 0, keytab, 0);
  exchange("sha2-deleg-bindings", "sha2@localhost", mutual | GSS_C_DELEG_FLAG, 1, keytab, 0);
  exchange("sha2-dce", "sha2@localhost", mutual | GSS_C_DCE_STYLE, 0, keytab, 0);
  exchange("no-key", "other@localhost", mutual, 0, keytab, 1);
  exchange("stale-key", "host@localhost", mutual, 0, stale, 1);

  export_name("user", "user@APX.TEST", GSS_KRB5_NT_PRINCIPAL_NAME);
  export_name("user-norealm", "user", GSS_C_NT_USER_NAME);
  export_name("host", "host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
  export_name("service-referral", "HTTP@web.example.com", GSS_C_NT_HOSTBASED_SERVICE);
  export_name("quoted", "a\\/b\\@c/x@APX.TEST", GSS_KRB5_NT_PRINCIPAL_NAME);
  export_name("enterprise", "user@example.com", GSS_KRB5_NT_ENTERPRISE_NAME);
  export_name("anonymous", "", GSS_C_NT_ANONYMOUS);
  export_name("three-components", "a/b/c@OTHER.REALM", GSS_KRB5_NT_PRINCIPAL_NAME);
  return 0;
}
