/* cred_tool — one side of a credential handed between processes with gss_export_cred and
 * gss_import_cred, for cred_export_test.cc.
 *
 * Linked only against MIT's libgssapi_krb5: GSS_MECH_CONFIG decides whether apx (the
 * interposer's mech.conf) or MIT's built-in mechanism (an empty mech.conf) serves the
 * krb5 OID.
 *
 *   cred_tool export-initiator OUT [PRINCIPAL]   default (or named) initiator cred
 *   cred_tool export-acceptor OUT [SERVICE]      default (or host-based) acceptor cred
 *   cred_tool export-delegated OUT TARGET        tickets delegated to TARGET's acceptor
 *   cred_tool initiate CRED TARGET OUT           imported cred → first context token
 *   cred_tool accept CRED TOKEN                  imported cred accepts TOKEN
 *
 * TARGET and SERVICE are host-based names (service@host). Prints "ok" and, for accept,
 * "src_name=..." on success; on failure the step and gss_display_status texts on stderr,
 * exit 1. Usage errors exit 2. */
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gss_OID_desc krb5_oid = {9, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};
static gss_OID_set_desc krb5_set = {1, &krb5_oid};

static void show(OM_uint32 code, int type) {
  OM_uint32 minor, ctx = 0;
  gss_buffer_desc text;
  do {
    if (gss_display_status(&minor, code, type, &krb5_oid, &ctx, &text) != GSS_S_COMPLETE) break;
    fprintf(stderr, "  %.*s\n", (int)text.length, (char*)text.value);
    gss_release_buffer(&minor, &text);
  } while (ctx != 0);
}

/* `minor` is read after the call that sets it (a pointer: argument order is unspecified). */
static int check(const char* step, OM_uint32 major, const OM_uint32* minor) {
  if (!GSS_ERROR(major)) return 0;
  fprintf(stderr, "%s failed: major 0x%x minor %u\n", step, major, *minor);
  show(major, GSS_C_GSS_CODE);
  show(*minor, GSS_C_MECH_CODE);
  return 1;
}

static int write_file(const char* path, const gss_buffer_desc* b) {
  FILE* f = fopen(path, "wb");
  if (f == NULL) return 1;
  size_t n = fwrite(b->value, 1, b->length, f);
  return (fclose(f) != 0 || n != b->length) ? 1 : 0;
}

/* The file's bytes in a malloc'ed buffer (released with free). */
static int read_file(const char* path, gss_buffer_desc* b) {
  FILE* f = fopen(path, "rb");
  if (f == NULL) return 1;
  size_t cap = 4096, len = 0, n;
  char* p = malloc(cap);
  while (p != NULL && (n = fread(p + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) p = realloc(p, cap *= 2);
  }
  fclose(f);
  if (p == NULL) return 1;
  b->value = p;
  b->length = len;
  return 0;
}

static gss_name_t import_name(const char* text, gss_OID type) {
  OM_uint32 minor;
  gss_name_t n = GSS_C_NO_NAME;
  gss_buffer_desc b = {strlen(text), (void*)text};
  if (check("gss_import_name", gss_import_name(&minor, &b, type, &n), &minor)) exit(1);
  return n;
}

static int export_to(gss_cred_id_t cred, const char* out) {
  OM_uint32 minor;
  gss_buffer_desc tok = GSS_C_EMPTY_BUFFER;
  if (check("gss_export_cred", gss_export_cred(&minor, cred, &tok), &minor)) return 1;
  int rc = write_file(out, &tok);
  gss_release_buffer(&minor, &tok);
  return rc;
}

static int export_acquired(const char* out, const char* name, gss_OID type,
                           gss_cred_usage_t usage) {
  OM_uint32 minor;
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  gss_name_t n = name ? import_name(name, type) : GSS_C_NO_NAME;
  if (check("gss_acquire_cred",
            gss_acquire_cred(&minor, n, 0, &krb5_set, usage, &cred, NULL, NULL), &minor))
    return 1;
  int rc = export_to(cred, out);
  gss_release_cred(&minor, &cred);
  gss_release_name(&minor, &n);
  return rc;
}

static int export_delegated(const char* out, const char* target) {
  OM_uint32 minor, major;
  gss_name_t t = import_name(target, GSS_C_NT_HOSTBASED_SERVICE);
  gss_ctx_id_t ic = GSS_C_NO_CONTEXT, ac = GSS_C_NO_CONTEXT;
  gss_buffer_desc tok = GSS_C_EMPTY_BUFFER, rep = GSS_C_EMPTY_BUFFER;
  gss_cred_id_t deleg = GSS_C_NO_CREDENTIAL;
  major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ic, t, &krb5_oid, GSS_C_DELEG_FLAG,
                               0, NULL, NULL, NULL, &tok, NULL, NULL);
  if (check("gss_init_sec_context", major, &minor)) return 1;
  major = gss_accept_sec_context(&minor, &ac, GSS_C_NO_CREDENTIAL, &tok, NULL, NULL, NULL, &rep,
                                 NULL, NULL, &deleg);
  if (check("gss_accept_sec_context", major, &minor)) return 1;
  if (deleg == GSS_C_NO_CREDENTIAL) {
    fprintf(stderr, "no delegated credential\n");
    return 1;
  }
  int rc = export_to(deleg, out);
  gss_release_cred(&minor, &deleg);
  gss_release_buffer(&minor, &tok);
  gss_release_buffer(&minor, &rep);
  gss_delete_sec_context(&minor, &ic, NULL);
  gss_delete_sec_context(&minor, &ac, NULL);
  gss_release_name(&minor, &t);
  return rc;
}

static int import_from(const char* path, gss_cred_id_t* cred) {
  OM_uint32 minor;
  gss_buffer_desc tok;
  if (read_file(path, &tok)) return 1;
  int rc = check("gss_import_cred", gss_import_cred(&minor, &tok, cred), &minor);
  free(tok.value);
  return rc;
}

static int initiate(const char* cred_file, const char* target, const char* out) {
  OM_uint32 minor;
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  if (import_from(cred_file, &cred)) return 1;
  gss_name_t t = import_name(target, GSS_C_NT_HOSTBASED_SERVICE);
  gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
  gss_buffer_desc tok = GSS_C_EMPTY_BUFFER;
  OM_uint32 major = gss_init_sec_context(&minor, cred, &ctx, t, &krb5_oid, 0, 0, NULL, NULL,
                                         NULL, &tok, NULL, NULL);
  if (check("gss_init_sec_context", major, &minor)) return 1;
  int rc = write_file(out, &tok);
  gss_release_buffer(&minor, &tok);
  gss_delete_sec_context(&minor, &ctx, NULL);
  gss_release_cred(&minor, &cred);
  gss_release_name(&minor, &t);
  return rc;
}

static int accept_token(const char* cred_file, const char* token_file) {
  OM_uint32 minor;
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  if (import_from(cred_file, &cred)) return 1;
  gss_buffer_desc tok, out = GSS_C_EMPTY_BUFFER, shown = GSS_C_EMPTY_BUFFER;
  if (read_file(token_file, &tok)) return 1;
  gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
  gss_name_t src = GSS_C_NO_NAME;
  OM_uint32 major = gss_accept_sec_context(&minor, &ctx, cred, &tok, NULL, &src, NULL, &out,
                                           NULL, NULL, NULL);
  free(tok.value);
  if (check("gss_accept_sec_context", major, &minor)) return 1;
  if (check("gss_display_name", gss_display_name(&minor, src, &shown, NULL), &minor)) return 1;
  printf("src_name=%.*s\n", (int)shown.length, (char*)shown.value);
  gss_release_buffer(&minor, &shown);
  gss_release_buffer(&minor, &out);
  gss_release_name(&minor, &src);
  gss_delete_sec_context(&minor, &ctx, NULL);
  gss_release_cred(&minor, &cred);
  return 0;
}

static int run(int argc, char** argv) {
  const char* mode = argv[1];
  if (strcmp(mode, "export-initiator") == 0 && (argc == 3 || argc == 4))
    return export_acquired(argv[2], argc == 4 ? argv[3] : NULL, GSS_KRB5_NT_PRINCIPAL_NAME,
                           GSS_C_INITIATE);
  if (strcmp(mode, "export-acceptor") == 0 && (argc == 3 || argc == 4))
    return export_acquired(argv[2], argc == 4 ? argv[3] : NULL, GSS_C_NT_HOSTBASED_SERVICE,
                           GSS_C_ACCEPT);
  if (strcmp(mode, "export-delegated") == 0 && argc == 4) return export_delegated(argv[2], argv[3]);
  if (strcmp(mode, "initiate") == 0 && argc == 5) return initiate(argv[2], argv[3], argv[4]);
  if (strcmp(mode, "accept") == 0 && argc == 4) return accept_token(argv[2], argv[3]);
  return -1;
}

int main(int argc, char** argv) {
  int rc = argc >= 2 ? run(argc, argv) : -1;
  if (rc < 0) {
    fprintf(stderr, "usage: see the comment at the top of cred_tool.c\n");
    return 2;
  }
  if (rc == 0) printf("ok\n");
  return rc;
}
