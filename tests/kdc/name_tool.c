/* name_tool — one side of a composite name handed between processes (RFC 6680
 * gss_export_name_composite → gss_import_name with GSS_C_NT_COMPOSITE_EXPORT), for
 * name_attrs_test.cc.
 *
 * Linked only against MIT's libgssapi_krb5: GSS_MECH_CONFIG decides whether apx (the
 * interposer's mech.conf) or MIT's built-in mechanism (an empty mech.conf) serves the
 * krb5 OID.
 *
 *   name_tool export OUT      accept a context from the default ccache to host@localhost
 *                             (default keytab), write the client name's composite export
 *                             to OUT, print its attributes
 *   name_tool import IN       import the composite name in IN, print its attributes
 *
 * The attribute listing, one line per value:
 *   name=<display name>
 *   attr=<name> authenticated=<0|1> complete=<0|1> value=<hex> display=<text>
 * On failure the step and gss_display_status texts on stderr, exit 1. Usage errors exit 2. */
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gss_OID_desc krb5_oid = {9, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};

static void show(OM_uint32 code, int type) {
  OM_uint32 minor, ctx = 0;
  gss_buffer_desc text;
  do {
    if (gss_display_status(&minor, code, type, &krb5_oid, &ctx, &text) != GSS_S_COMPLETE) break;
    fprintf(stderr, "  %.*s\n", (int)text.length, (char*)text.value);
    gss_release_buffer(&minor, &text);
  } while (ctx != 0);
}

static int check(const char* step, OM_uint32 major, const OM_uint32* minor) {
  if (!GSS_ERROR(major)) return 0;
  fprintf(stderr, "%s failed: major 0x%x minor %u\n", step, major, *minor);
  show(major, GSS_C_GSS_CODE);
  show(*minor, GSS_C_MECH_CODE);
  return 1;
}

static void print_hex(const gss_buffer_desc* b) {
  for (size_t i = 0; i < b->length; i++) printf("%02x", ((unsigned char*)b->value)[i]);
}

static int list_attributes(gss_name_t name) {
  OM_uint32 major, minor;
  gss_buffer_desc disp;
  gss_buffer_set_t attrs = GSS_C_NO_BUFFER_SET;
  major = gss_display_name(&minor, name, &disp, NULL);
  if (check("gss_display_name", major, &minor)) return 1;
  printf("name=%.*s\n", (int)disp.length, (char*)disp.value);
  gss_release_buffer(&minor, &disp);
  major = gss_inquire_name(&minor, name, NULL, NULL, &attrs);
  if (check("gss_inquire_name", major, &minor)) return 1;
  for (size_t i = 0; attrs != GSS_C_NO_BUFFER_SET && i < attrs->count; i++) {
    int more = -1;
    while (more != 0) {
      int authenticated = 0, complete = 0;
      gss_buffer_desc value = GSS_C_EMPTY_BUFFER, display = GSS_C_EMPTY_BUFFER;
      major = gss_get_name_attribute(&minor, name, &attrs->elements[i], &authenticated,
                                     &complete, &value, &display, &more);
      if (check("gss_get_name_attribute", major, &minor)) return 1;
      printf("attr=%.*s authenticated=%d complete=%d value=", (int)attrs->elements[i].length,
             (char*)attrs->elements[i].value, authenticated, complete);
      print_hex(&value);
      printf(" display=%.*s\n", (int)display.length, (char*)display.value);
      gss_release_buffer(&minor, &value);
      gss_release_buffer(&minor, &display);
    }
  }
  gss_release_buffer_set(&minor, &attrs);
  return 0;
}

static int do_export(const char* out_path) {
  OM_uint32 major, minor;
  gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
  gss_buffer_desc tok = GSS_C_EMPTY_BUFFER, reply = GSS_C_EMPTY_BUFFER, exp = GSS_C_EMPTY_BUFFER;
  gss_buffer_desc target_text = {14, "host@localhost"};
  gss_name_t target = GSS_C_NO_NAME, src = GSS_C_NO_NAME;
  major = gss_import_name(&minor, &target_text, GSS_C_NT_HOSTBASED_SERVICE, &target);
  if (check("gss_import_name", major, &minor)) return 1;
  major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ictx, target, &krb5_oid, 0, 0,
                               NULL, NULL, NULL, &tok, NULL, NULL);
  if (check("gss_init_sec_context", major, &minor)) return 1;
  major = gss_accept_sec_context(&minor, &actx, GSS_C_NO_CREDENTIAL, &tok, NULL, &src, NULL,
                                 &reply, NULL, NULL, NULL);
  if (check("gss_accept_sec_context", major, &minor)) return 1;
  if (list_attributes(src)) return 1;
  major = gss_export_name_composite(&minor, src, &exp);
  if (check("gss_export_name_composite", major, &minor)) return 1;
  FILE* f = fopen(out_path, "wb");
  if (f == NULL || fwrite(exp.value, 1, exp.length, f) != exp.length || fclose(f) != 0) return 1;
  gss_release_buffer(&minor, &exp);
  gss_release_buffer(&minor, &tok);
  gss_release_buffer(&minor, &reply);
  gss_release_name(&minor, &target);
  gss_release_name(&minor, &src);
  gss_delete_sec_context(&minor, &ictx, NULL);
  gss_delete_sec_context(&minor, &actx, NULL);
  return 0;
}

static int do_import(const char* in_path) {
  OM_uint32 major, minor;
  static char data[1 << 16];
  FILE* f = fopen(in_path, "rb");
  if (f == NULL) return 1;
  size_t n = fread(data, 1, sizeof data, f);
  fclose(f);
  gss_buffer_desc in = {n, data};
  gss_name_t name = GSS_C_NO_NAME;
  major = gss_import_name(&minor, &in, GSS_C_NT_COMPOSITE_EXPORT, &name);
  if (check("gss_import_name", major, &minor)) return 1;
  int rc = list_attributes(name);
  gss_release_name(&minor, &name);
  return rc;
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "export") == 0) return do_export(argv[2]);
  if (argc == 3 && strcmp(argv[1], "import") == 0) return do_import(argv[2]);
  fprintf(stderr, "usage: name_tool export OUT | import IN\n");
  return 2;
}
