/* Frames and status texts for gss_peer (see peer_io.h). */
#define _GNU_SOURCE

#include "peer_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int write_all(int fd, const void* buf, size_t len) {
  const unsigned char* p = buf;
  while (len > 0) {
    ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == ENOTSOCK) n = write(fd, p, len);
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int read_all(int fd, void* buf, size_t len) {
  unsigned char* p = buf;
  while (len > 0) {
    ssize_t n = read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int send_frame(int fd, const void* data, size_t len) {
  if (fd < 0 || len > kMaxFrame) return -1;
  unsigned char hdr[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
                          (unsigned char)(len >> 8), (unsigned char)len};
  if (write_all(fd, hdr, sizeof hdr) != 0) return -1;
  return len == 0 ? 0 : write_all(fd, data, len);
}

int recv_frame(int fd, gss_buffer_desc* out) {
  unsigned char hdr[4];
  out->value = NULL;
  out->length = 0;
  if (fd < 0 || read_all(fd, hdr, sizeof hdr) != 0) return -1;
  size_t len = ((size_t)hdr[0] << 24) | ((size_t)hdr[1] << 16) | ((size_t)hdr[2] << 8) | hdr[3];
  if (len > kMaxFrame) return -1;
  out->value = malloc(len > 0 ? len : 1);
  if (out->value == NULL) return -1;
  if (len > 0 && read_all(fd, out->value, len) != 0) {
    free(out->value);
    out->value = NULL;
    return -1;
  }
  out->length = len;
  return 0;
}

void free_frame(gss_buffer_desc* buf) {
  free(buf->value);
  buf->value = NULL;
  buf->length = 0;
}

/* Appends every gss_display_status text of one status value to out. */
static void append_status(char* out, size_t cap, OM_uint32 code, int type, gss_OID mech) {
  OM_uint32 ctx = 0;
  do {
    OM_uint32 minor = 0;
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    OM_uint32 major = gss_display_status(&minor, code, type, mech, &ctx, &text);
    if (GSS_ERROR(major)) break;
    size_t used = strlen(out);
    snprintf(out + used, cap - used, "%s%.*s", used > 0 ? "; " : "", (int)text.length,
             (const char*)text.value);
    gss_release_buffer(&minor, &text);
  } while (ctx != 0);
}

void format_status(char* out, size_t cap, OM_uint32 major, OM_uint32 minor, gss_OID mech) {
  if (cap == 0) return;
  out[0] = '\0';
  append_status(out, cap, major, GSS_C_GSS_CODE, GSS_C_NO_OID);
  if (minor != 0) append_status(out, cap, minor, GSS_C_MECH_CODE, mech);
  for (char* p = out; *p != '\0'; ++p) {
    if (*p == '\n' || *p == '\r') *p = ' ';
  }
}

void print_status(const char* prefix, OM_uint32 major, OM_uint32 minor, gss_OID mech) {
  char text[2048];
  format_status(text, sizeof text, major, minor, mech);
  printf("%smajor=0x%08x\n%sminor=%u\n%sstatus=%s\n", prefix, major, prefix, minor, prefix,
         text);
}
