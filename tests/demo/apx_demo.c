/* apx_demo: one Kerberos GSS-API exchange between two processes, both served by whatever
 * mechanism GSS_MECH_CONFIG selects (scripts/demo points it at apx as the interposer).
 * The initiator authenticates to host@localhost with mutual authentication, then each side
 * protects a message for the other. Prints each step. Linked only to MIT's libgssapi_krb5. */
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *who = "?";

static void say(const char *fmt, const char *detail) {
  printf("  [%s] ", who);
  printf(fmt, detail);
  printf("\n");
  fflush(stdout);
}

static void fail(const char *what, OM_uint32 major, OM_uint32 minor) {
  OM_uint32 m, ctx = 0;
  gss_buffer_desc a = GSS_C_EMPTY_BUFFER, b = GSS_C_EMPTY_BUFFER;
  gss_display_status(&m, major, GSS_C_GSS_CODE, GSS_C_NO_OID, &ctx, &a);
  printf("  [%s] %s failed: %.*s", who, what, (int)a.length, (char *)a.value);
  /* The minor code's text may come in parts (RFC 2744 message_context). */
  ctx = 0;
  do {
    if (GSS_ERROR(gss_display_status(&m, minor, GSS_C_MECH_CODE, GSS_C_NO_OID, &ctx, &b)))
      break;
    printf("; %.*s", (int)b.length, (char *)b.value);
    gss_release_buffer(&m, &b);
  } while (ctx != 0);
  printf("\n");
  exit(1);
}

static void send_frame(int fd, const void *p, size_t n) {
  uint32_t len = htonl((uint32_t)n);
  if (write(fd, &len, 4) != 4 || (n && write(fd, p, n) != (ssize_t)n)) exit(2);
}

static gss_buffer_desc recv_frame(int fd) {
  uint32_t len;
  gss_buffer_desc b = GSS_C_EMPTY_BUFFER;
  if (read(fd, &len, 4) != 4) exit(2);
  b.length = ntohl(len);
  b.value = malloc(b.length ? b.length : 1);
  size_t got = 0;
  while (got < b.length) {
    ssize_t r = read(fd, (char *)b.value + got, b.length - got);
    if (r <= 0) exit(2);
    got += (size_t)r;
  }
  return b;
}

static void show_name(const char *label, gss_name_t name) {
  OM_uint32 minor;
  gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
  gss_display_name(&minor, name, &out, NULL);
  char line[512];
  snprintf(line, sizeof line, "%s %.*s", label, (int)out.length, (char *)out.value);
  say("%s", line);
  gss_release_buffer(&minor, &out);
}

static void flags_line(const char *label, OM_uint32 f) {
  char line[256];
  snprintf(line, sizeof line, "%s%s%s%s%s%s%s", label, (f & GSS_C_MUTUAL_FLAG) ? " mutual" : "",
           (f & GSS_C_REPLAY_FLAG) ? " replay" : "", (f & GSS_C_SEQUENCE_FLAG) ? " sequence" : "",
           (f & GSS_C_CONF_FLAG) ? " conf" : "", (f & GSS_C_INTEG_FLAG) ? " integ" : "",
           (f & GSS_C_DELEG_FLAG) ? " deleg" : "");
  say("%s", line);
}

static void exchange_messages(int fd, gss_ctx_id_t ctx, int first) {
  OM_uint32 major, minor;
  const char *text = first ? "hello from the initiator" : "hello from the acceptor";
  for (int turn = 0; turn < 2; ++turn) {
    if ((turn == 0) == first) {
      gss_buffer_desc in = {strlen(text), (void *)text}, out = GSS_C_EMPTY_BUFFER;
      int conf = 0;
      major = gss_wrap(&minor, ctx, 1, GSS_C_QOP_DEFAULT, &in, &conf, &out);
      if (GSS_ERROR(major)) fail("gss_wrap", major, minor);
      char line[256];
      snprintf(line, sizeof line, "gss_wrap \"%s\" -> %zu-byte sealed token", text, out.length);
      say("%s", line);
      send_frame(fd, out.value, out.length);
      gss_release_buffer(&minor, &out);
    } else {
      gss_buffer_desc tok = recv_frame(fd), out = GSS_C_EMPTY_BUFFER;
      int conf = 0;
      major = gss_unwrap(&minor, ctx, &tok, &out, &conf, NULL);
      if (GSS_ERROR(major)) fail("gss_unwrap", major, minor);
      char line[256];
      snprintf(line, sizeof line, "gss_unwrap -> \"%.*s\" (confidential: %s)", (int)out.length,
               (char *)out.value, conf ? "yes" : "no");
      say("%s", line);
      free(tok.value);
      gss_release_buffer(&minor, &out);
    }
  }
}

static int initiator(int fd) {
  who = "initiator";
  OM_uint32 major, minor, flags = 0;
  gss_buffer_desc tname = {14, "host@localhost"}, in = GSS_C_EMPTY_BUFFER, out;
  gss_name_t target;
  gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
  major = gss_import_name(&minor, &tname, GSS_C_NT_HOSTBASED_SERVICE, &target);
  if (GSS_ERROR(major)) fail("gss_import_name", major, minor);
  say("%s", "gss_init_sec_context for host@localhost, mutual authentication requested");
  do {
    out.length = 0;
    out.value = NULL;
    major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ctx, target,
                                 (gss_OID)gss_mech_krb5,
                                 GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG, 0,
                                 NULL, in.length ? &in : NULL, NULL, &out, &flags, NULL);
    if (in.value) free(in.value);
    in.length = 0;
    in.value = NULL;
    if (GSS_ERROR(major)) fail("gss_init_sec_context", major, minor);
    if (out.length) {
      char line[64];
      snprintf(line, sizeof line, "sends a %zu-byte token", out.length);
      say("%s", line);
      send_frame(fd, out.value, out.length);
      gss_release_buffer(&minor, &out);
    }
    if (major == GSS_S_CONTINUE_NEEDED) {
      in = recv_frame(fd);
      char line[64];
      snprintf(line, sizeof line, "received a %zu-byte reply (AP-REP)", in.length);
      say("%s", line);
    }
  } while (major == GSS_S_CONTINUE_NEEDED);
  say("%s", "context established: the acceptor proved its identity");
  flags_line("flags:", flags);
  exchange_messages(fd, ctx, 1);
  gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
  gss_release_name(&minor, &target);
  return 0;
}

static int acceptor(int fd) {
  who = "acceptor";
  OM_uint32 major, minor, flags = 0;
  gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
  gss_name_t src = GSS_C_NO_NAME;
  gss_buffer_desc in = recv_frame(fd), out = GSS_C_EMPTY_BUFFER;
  char line[64];
  snprintf(line, sizeof line, "received a %zu-byte token (AP-REQ)", in.length);
  say("%s", line);
  major = gss_accept_sec_context(&minor, &ctx, GSS_C_NO_CREDENTIAL, &in, NULL, &src, NULL, &out,
                                 &flags, NULL, NULL);
  free(in.value);
  if (out.length) {
    snprintf(line, sizeof line, "answers with a %zu-byte token", out.length);
    say("%s", line);
    send_frame(fd, out.value, out.length);
    gss_release_buffer(&minor, &out);
  }
  if (GSS_ERROR(major)) fail("gss_accept_sec_context", major, minor);
  show_name("authenticated client:", src);
  flags_line("flags:", flags);
  exchange_messages(fd, ctx, 0);
  gss_release_name(&minor, &src);
  gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
  return 0;
}

int main(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 2;
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    return acceptor(sv[1]);
  }
  close(sv[1]);
  int rc = initiator(sv[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return rc != 0 ? rc : (WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}
