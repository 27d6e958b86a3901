/* One side of the S4U interop tests (s4u_test.cc), linked against MIT's libgssapi_krb5
 * only: GSS_MECH_CONFIG decides whether apx or MIT's mechanism serves it.
 *
 *   s4u_peer --fd N --user PRINCIPAL --target PRINCIPAL
 *
 * Acquires the default credential (the service's TGT in KRB5CCNAME) for initiating,
 * impersonates PRINCIPAL by S4U2Self (gss_acquire_cred_impersonate_name), then establishes
 * a context to the target on behalf of the user (S4U2Proxy) over the socket; the acceptor
 * is gss_peer. Prints key=value lines: impersonated_name, impersonator, established,
 * or step/major/minor/error on failure. */
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peer_io.h"

static gss_OID_desc krb5_oid = {9, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};

static void fail(const char* step, OM_uint32 major, OM_uint32 minor) {
  printf("step=%s\n", step);
  print_status("", major, minor, &krb5_oid);
}

static gss_name_t import(const char* text) {
  gss_buffer_desc b = {strlen(text), (void*)text};
  gss_name_t n = GSS_C_NO_NAME;
  OM_uint32 minor = 0, major = gss_import_name(&minor, &b, GSS_KRB5_NT_PRINCIPAL_NAME, &n);
  if (GSS_ERROR(major)) fail("import_name", major, minor);
  return n;
}

static void print_cred(gss_cred_id_t cred) {
  OM_uint32 minor = 0;
  gss_name_t name = GSS_C_NO_NAME;
  if (gss_inquire_cred(&minor, cred, &name, NULL, NULL, NULL) == GSS_S_COMPLETE) {
    gss_buffer_desc shown = GSS_C_EMPTY_BUFFER;
    if (gss_display_name(&minor, name, &shown, NULL) == GSS_S_COMPLETE)
      printf("impersonated_name=%.*s\n", (int)shown.length, (char*)shown.value);
    gss_release_buffer(&minor, &shown);
    gss_release_name(&minor, &name);
  }
  gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
  if (gss_inquire_cred_by_oid(&minor, cred, GSS_KRB5_GET_CRED_IMPERSONATOR, &set) ==
          GSS_S_COMPLETE && set != GSS_C_NO_BUFFER_SET && set->count == 1)
    printf("impersonator=%.*s\n", (int)set->elements[0].length, (char*)set->elements[0].value);
  gss_release_buffer_set(&minor, &set);
}

static int establish(int fd, gss_cred_id_t cred, gss_name_t target) {
  gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
  gss_buffer_desc input = GSS_C_EMPTY_BUFFER;
  int rc = -1;
  for (;;) {
    gss_buffer_desc output = GSS_C_EMPTY_BUFFER;
    OM_uint32 minor = 0, flags = 0;
    OM_uint32 major = gss_init_sec_context(&minor, cred, &ctx, target, &krb5_oid,
                                           GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG, 0,
                                           GSS_C_NO_CHANNEL_BINDINGS, &input, NULL, &output,
                                           &flags, NULL);
    free_frame(&input);
    int sent = output.length == 0 || send_frame(fd, output.value, output.length) == 0;
    OM_uint32 ignored = 0;
    gss_release_buffer(&ignored, &output);
    if (GSS_ERROR(major)) {
      fail("init_sec_context", major, minor);
      break;
    }
    if (!sent) {
      printf("transport_error=send failed\n");
      break;
    }
    if (!(major & GSS_S_CONTINUE_NEEDED)) {
      printf("established=1\n");
      rc = 0;
      break;
    }
    if (recv_frame(fd, &input) != 0) {
      printf("transport_error=peer closed before the context was established\n");
      break;
    }
  }
  OM_uint32 minor = 0;
  gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
  return rc;
}

int main(int argc, char** argv) {
  int fd = -1;
  const char *user = NULL, *target_text = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--fd") == 0) fd = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--user") == 0) user = argv[i + 1];
    else if (strcmp(argv[i], "--target") == 0) target_text = argv[i + 1];
  }
  if (fd < 0 || user == NULL || target_text == NULL) {
    fprintf(stderr, "usage: s4u_peer --fd N --user PRINCIPAL --target PRINCIPAL\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  alarm(120);
  OM_uint32 major, minor = 0;
  gss_OID_set_desc mechs = {1, &krb5_oid};
  gss_cred_id_t service = GSS_C_NO_CREDENTIAL, impersonated = GSS_C_NO_CREDENTIAL;
  gss_name_t user_name = import(user), target = import(target_text);
  int rc = 1;
  if (user_name == GSS_C_NO_NAME || target == GSS_C_NO_NAME) goto done;
  major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
                           &service, NULL, NULL);
  if (GSS_ERROR(major)) {
    fail("acquire_cred", major, minor);
    goto done;
  }
  major = gss_acquire_cred_impersonate_name(&minor, service, user_name, GSS_C_INDEFINITE,
                                            &mechs, GSS_C_INITIATE, &impersonated, NULL, NULL);
  if (GSS_ERROR(major)) {
    fail("acquire_cred_impersonate_name", major, minor);
    goto done;
  }
  print_cred(impersonated);
  rc = establish(fd, impersonated, target) == 0 ? 0 : 1;
done:
  gss_release_cred(&minor, &impersonated);
  gss_release_cred(&minor, &service);
  gss_release_name(&minor, &user_name);
  gss_release_name(&minor, &target);
  close(fd);
  fflush(stdout);
  return rc;
}
