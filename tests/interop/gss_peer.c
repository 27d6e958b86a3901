/* gss_peer — one end of a GSS-API security context, for the interop tests.
 *
 * Linked only against MIT's libgssapi_krb5: which mechanism serves the krb5 OID is
 * decided by the environment alone (GSS_MECH_CONFIG pointing at a mech.conf that
 * interposes apx, or at an empty file for MIT's built-in mechanism). The two peers
 * talk over an inherited socket with frames of a 4-byte big-endian length followed
 * by that many bytes.
 *
 * Output on stdout, one key=value a line: on failure step=, major=0x..., minor=,
 * status=<gss_display_status texts>; on success established=1, flags=, mech=,
 * lifetime=, session_key_enctype= (and src_name=, delegated= on the acceptor); with
 * --messages, every per-message check of peer_messages.c (msg.*=) and messages=ok or
 * messages=fail with message_* details. Exit 0 when established (and every message
 * check passed), 1 on a GSS or transport failure, 2 on a usage error. */
#define _GNU_SOURCE

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <gssapi/gssapi_apx.h>

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer_io.h"
#include "peer_messages.h"

enum { kMaxSizes = 64 };

/* The standalone apx mechanism, from apx's public header (nothing is linked from apx). */
static gss_OID_desc apx_mech_oid = {APX_MECH_OID_LENGTH, APX_MECH_OID_DER};
static gss_OID_desc krb5_mech_oid = {9, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};

struct options {
  int initiator;
  int fd;
  gss_OID mech;
  gss_OID_desc parsed_mech; /* --mech given as a dotted OID */
  unsigned char parsed_der[256];
  const char* target;
  OM_uint32 req_flags;
  const char* cb_app;
  const char* cb_addr;
  const char* cred_ccache;
  const char* keytab;
  size_t sizes[kMaxSizes];
  size_t nsizes;
  int messages;
  const char* checks;
  const char* replay_to;
  const char* token_from;
  unsigned timeout;
};

struct flag_name {
  OM_uint32 bit;
  const char* name;
};

static const struct flag_name flag_names[] = {
    {GSS_C_DELEG_FLAG, "deleg"},
    {GSS_C_MUTUAL_FLAG, "mutual"},
    {GSS_C_REPLAY_FLAG, "replay"},
    {GSS_C_SEQUENCE_FLAG, "sequence"},
    {GSS_C_CONF_FLAG, "conf"},
    {GSS_C_INTEG_FLAG, "integ"},
    {GSS_C_ANON_FLAG, "anon"},
    {GSS_C_PROT_READY_FLAG, "prot_ready"},
    {GSS_C_TRANS_FLAG, "trans"},
    {GSS_C_CHANNEL_BOUND_FLAG, "channel_bound"},
    {GSS_C_DCE_STYLE, "dce_style"},
    {GSS_C_IDENTIFY_FLAG, "identify"},
    {GSS_C_EXTENDED_ERROR_FLAG, "extended_error"},
    {GSS_C_DELEG_POLICY_FLAG, "deleg_policy"},
};

static void usage(void) {
  fprintf(stderr,
          "usage: gss_peer --role initiator|acceptor [--fd N] [--mech krb5|apx|OID]\n"
          "  [--target service@host] [--flags mutual,replay,sequence,conf,integ,deleg]\n"
          "  [--cb APPDATA] [--cb-addr INITIATOR_IPV4,ACCEPTOR_IPV4]\n"
          "  [--cred-ccache PATH] [--keytab PATH] [--messages SIZE,SIZE,...]\n"
          "  [--checks NAME,NAME,...]   (only these message checks; both peers alike)\n"
          "  [--replay-token-to FILE] [--token-from FILE] [--timeout SECONDS]\n"
          "   or: gss_peer --oid OID   (prints its DER and dotted forms)\n"
          "   or: gss_peer --list-checks   (the message checks: check.NAME=all|MAX_SIZE)\n");
  exit(2);
}

/* ---- output ---------------------------------------------------------------- */

static void print_failure(const char* step, OM_uint32 major, OM_uint32 minor, gss_OID mech) {
  printf("step=%s\n", step);
  print_status("", major, minor, mech);
}

static void print_flags(OM_uint32 flags) {
  printf("flags=0x%x", flags);
  const char* sep = " ";
  for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; ++i) {
    if (flags & flag_names[i].bit) {
      printf("%s%s", sep, flag_names[i].name);
      sep = ",";
    }
  }
  printf("\n");
}

/* ---- OIDs ----------------------------------------------------------------------
 * Done here rather than with gss_oid_to_str / gss_str_to_oid: MIT's versions keep each
 * arc in an unsigned long, and apx's UUID OID (2.25.<128-bit arc>) does not fit. */

/* dec = dec * mul + add, on a little-endian array of decimal digits. */
static void dec_mul_add(unsigned char* dec, size_t* len, size_t cap, unsigned mul, unsigned add) {
  unsigned carry = add;
  for (size_t i = 0; i < *len; ++i) {
    unsigned v = dec[i] * mul + carry;
    dec[i] = (unsigned char)(v % 10);
    carry = v / 10;
  }
  while (carry > 0 && *len < cap) {
    dec[(*len)++] = (unsigned char)(carry % 10);
    carry /= 10;
  }
}

/* Renders a DER OID body as dotted decimal into out; -1 if malformed. */
static int oid_to_dotted(const unsigned char* der, size_t n, char* out, size_t cap) {
  size_t used = 0;
  int first = 1;
  for (size_t i = 0; i < n;) {
    unsigned char dec[128] = {0};
    size_t len = 1;
    size_t start = i;
    do {
      if (i == n || i - start >= 32) return -1;
      dec_mul_add(dec, &len, sizeof dec, 128, der[i] & 0x7f);
    } while (der[i++] & 0x80);
    if (first) {
      /* X.690 §8.19.4: the first subidentifier is 40 * arc1 + arc2. */
      unsigned long long x = 0;
      if (len > 19) return -1;
      for (size_t k = len; k-- > 0;) x = x * 10 + dec[k];
      unsigned long long arc1 = x < 40 ? 0 : x < 80 ? 1 : 2;
      used += (size_t)snprintf(out + used, cap - used, "%llu.%llu", arc1, x - arc1 * 40);
      first = 0;
    } else {
      if (used + len + 2 > cap) return -1;
      out[used++] = '.';
      for (size_t k = len; k-- > 0;) out[used++] = (char)('0' + dec[k]);
      out[used] = '\0';
    }
    if (used >= cap) return -1;
  }
  return first ? -1 : 0;
}

/* Appends one arc, given in decimal, as a base-128 subidentifier; -1 on error. */
static int append_arc(const char* digits, size_t ndigits, unsigned long long plus,
                      unsigned char* der, size_t* used, size_t cap) {
  /* Big-endian decimal with room in front for the carry of the offset. */
  enum { kPad = 24 };
  unsigned char dec[128 + kPad] = {0};
  if (ndigits == 0 || ndigits > 128) return -1;
  for (size_t k = 0; k < ndigits; ++k) {
    if (digits[k] < '0' || digits[k] > '9') return -1;
    dec[kPad + k] = (unsigned char)(digits[k] - '0');
  }
  size_t len = kPad + ndigits;
  /* Add the first-arc offset (40 * arc1). */
  for (size_t k = len; k-- > 0 && plus > 0;) {
    unsigned long long v = dec[k] + plus;
    dec[k] = (unsigned char)(v % 10);
    plus = v / 10;
  }
  if (plus > 0) return -1;
  /* Repeated division by 128 yields the base-128 digits, least significant first. */
  unsigned char b128[64];
  size_t nb = 0;
  for (;;) {
    unsigned rem = 0;
    int nonzero = 0;
    for (size_t k = 0; k < len; ++k) {
      unsigned v = rem * 10 + dec[k];
      dec[k] = (unsigned char)(v / 128);
      rem = v % 128;
      nonzero |= dec[k] != 0;
    }
    if (nb == sizeof b128) return -1;
    b128[nb++] = (unsigned char)rem;
    if (!nonzero) break;
  }
  if (*used + nb > cap) return -1;
  while (nb-- > 0) der[(*used)++] = (unsigned char)(b128[nb] | (nb > 0 ? 0x80 : 0));
  return 0;
}

/* Parses "1.2.840.113554.1.2.2" into der; returns its length or -1. */
static long dotted_to_oid(const char* text, unsigned char* der, size_t cap) {
  const char* arcs[64];
  size_t lens[64], n = 0;
  for (const char* p = text;; ++p) {
    const char* dot = strchr(p, '.');
    size_t len = dot != NULL ? (size_t)(dot - p) : strlen(p);
    if (n == 64) return -1;
    arcs[n] = p;
    lens[n++] = len;
    if (dot == NULL) break;
    p = dot;
  }
  if (n < 2 || lens[0] != 1 || arcs[0][0] < '0' || arcs[0][0] > '2') return -1;
  size_t used = 0;
  if (append_arc(arcs[1], lens[1], 40ull * (unsigned)(arcs[0][0] - '0'), der, &used, cap) != 0) {
    return -1;
  }
  for (size_t i = 2; i < n; ++i) {
    if (append_arc(arcs[i], lens[i], 0, der, &used, cap) != 0) return -1;
  }
  return (long)used;
}

static void print_oid(const char* key, gss_OID oid) {
  char text[512];
  if (oid == GSS_C_NO_OID || oid_to_dotted(oid->elements, oid->length, text, sizeof text) != 0) {
    printf("%s=\n", key);
    return;
  }
  printf("%s=%s\n", key, text);
}

static void print_name(const char* key, gss_name_t name) {
  OM_uint32 minor = 0;
  gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
  OM_uint32 major = gss_display_name(&minor, name, &text, NULL);
  if (GSS_ERROR(major)) {
    printf("%s=<gss_display_name failed 0x%08x>\n", key, major);
    return;
  }
  printf("%s=%.*s\n", key, (int)text.length, (const char*)text.value);
  gss_release_buffer(&minor, &text);
}

/* ---- files ------------------------------------------------------------------- */

static int read_file(const char* path, gss_buffer_desc* out) {
  FILE* f = fopen(path, "rb");
  if (f == NULL) return -1;
  unsigned char* data = malloc(kMaxFrame);
  size_t n = data != NULL ? fread(data, 1, kMaxFrame, f) : 0;
  int bad = ferror(f);
  fclose(f);
  if (data == NULL || bad) {
    free(data);
    return -1;
  }
  out->value = data;
  out->length = n;
  return 0;
}

static int write_file(const char* path, const gss_buffer_desc* buf) {
  FILE* f = fopen(path, "wb");
  if (f == NULL) return -1;
  size_t n = buf->length > 0 ? fwrite(buf->value, 1, buf->length, f) : 0;
  return (fclose(f) == 0 && n == buf->length) ? 0 : -1;
}

/* ---- options --------------------------------------------------------------------- */

static OM_uint32 parse_flags(const char* list) {
  OM_uint32 flags = 0;
  char* copy = strdup(list);
  char* save = NULL;
  for (char* tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
    OM_uint32 bit = 0;
    for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; ++i) {
      if (strcmp(tok, flag_names[i].name) == 0) bit = flag_names[i].bit;
    }
    if (bit == 0 && strcmp(tok, "none") != 0) {
      fprintf(stderr, "gss_peer: unknown flag %s\n", tok);
      usage();
    }
    flags |= bit;
  }
  free(copy);
  return flags;
}

static void parse_sizes(const char* list, struct options* o) {
  char* copy = strdup(list);
  char* save = NULL;
  for (char* tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
    char* end = NULL;
    unsigned long long v = strtoull(tok, &end, 10);
    if (*end != '\0' || v > kMaxFrame - 4096 || o->nsizes == kMaxSizes) usage();
    o->sizes[o->nsizes++] = (size_t)v;
  }
  free(copy);
  o->messages = 1;
}

static void parse_mech(const char* arg, struct options* o) {
  if (strcmp(arg, "krb5") == 0) {
    o->mech = &krb5_mech_oid;
  } else if (strcmp(arg, "apx") == 0) {
    o->mech = &apx_mech_oid;
  } else {
    long len = dotted_to_oid(arg, o->parsed_der, sizeof o->parsed_der);
    if (len <= 0) {
      fprintf(stderr, "gss_peer: bad OID %s\n", arg);
      usage();
    }
    o->parsed_mech.length = (OM_uint32)len;
    o->parsed_mech.elements = o->parsed_der;
    o->mech = &o->parsed_mech;
  }
}

/* --oid OID: prints the DER and the dotted form read back, for the harness's own test. */
static void oid_roundtrip(const char* arg) {
  unsigned char der[256];
  char text[512];
  long len = dotted_to_oid(arg, der, sizeof der);
  if (len <= 0 || oid_to_dotted(der, (size_t)len, text, sizeof text) != 0) {
    printf("oid=invalid\n");
    exit(1);
  }
  printf("der=");
  for (long i = 0; i < len; ++i) printf("%02x", der[i]);
  printf("\noid=%s\n", text);
  exit(0);
}

static void parse_args(int argc, char** argv, struct options* o) {
  if (argc == 3 && strcmp(argv[1], "--oid") == 0) oid_roundtrip(argv[2]);
  if (argc == 2 && strcmp(argv[1], "--list-checks") == 0) {
    list_message_checks();
    exit(0);
  }
  memset(o, 0, sizeof *o);
  o->initiator = -1;
  o->fd = -1;
  o->mech = &krb5_mech_oid;
  o->target = "host@localhost";
  o->req_flags = GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_CONF_FLAG |
                 GSS_C_INTEG_FLAG;
  o->timeout = 120;
  for (int i = 1; i < argc; ++i) {
    const char* opt = argv[i];
    if (i + 1 >= argc) usage();
    const char* val = argv[++i];
    if (strcmp(opt, "--role") == 0) {
      if (strcmp(val, "initiator") == 0) o->initiator = 1;
      else if (strcmp(val, "acceptor") == 0) o->initiator = 0;
      else usage();
    } else if (strcmp(opt, "--fd") == 0) {
      o->fd = atoi(val);
    } else if (strcmp(opt, "--mech") == 0) {
      parse_mech(val, o);
    } else if (strcmp(opt, "--target") == 0) {
      o->target = val;
    } else if (strcmp(opt, "--flags") == 0) {
      o->req_flags = parse_flags(val);
    } else if (strcmp(opt, "--cb") == 0) {
      o->cb_app = val;
    } else if (strcmp(opt, "--cb-addr") == 0) {
      o->cb_addr = val;
    } else if (strcmp(opt, "--cred-ccache") == 0) {
      o->cred_ccache = val;
    } else if (strcmp(opt, "--keytab") == 0) {
      o->keytab = val;
    } else if (strcmp(opt, "--messages") == 0) {
      parse_sizes(val, o);
    } else if (strcmp(opt, "--checks") == 0) {
      o->checks = val;
    } else if (strcmp(opt, "--replay-token-to") == 0) {
      o->replay_to = val;
    } else if (strcmp(opt, "--token-from") == 0) {
      o->token_from = val;
    } else if (strcmp(opt, "--timeout") == 0) {
      o->timeout = (unsigned)atoi(val);
    } else {
      usage();
    }
  }
  if (o->initiator < 0) usage();
  if (o->fd < 0 && o->token_from == NULL) usage();
}

/* Channel bindings (RFC 2744 §3.11): application data and/or an IPv4 address pair. */
struct bindings {
  struct gss_channel_bindings_struct cb;
  struct in_addr init_addr, acc_addr;
};

static gss_channel_bindings_t make_bindings(const struct options* o, struct bindings* b) {
  if (o->cb_app == NULL && o->cb_addr == NULL) return GSS_C_NO_CHANNEL_BINDINGS;
  memset(b, 0, sizeof *b);
  if (o->cb_app != NULL) {
    b->cb.application_data.length = strlen(o->cb_app);
    b->cb.application_data.value = (void*)o->cb_app;
  }
  if (o->cb_addr != NULL) {
    char copy[128];
    snprintf(copy, sizeof copy, "%s", o->cb_addr);
    char* comma = strchr(copy, ',');
    if (comma == NULL) usage();
    *comma = '\0';
    if (inet_pton(AF_INET, copy, &b->init_addr) != 1 ||
        inet_pton(AF_INET, comma + 1, &b->acc_addr) != 1) {
      usage();
    }
    b->cb.initiator_addrtype = GSS_C_AF_INET;
    b->cb.initiator_address.length = sizeof b->init_addr;
    b->cb.initiator_address.value = &b->init_addr;
    b->cb.acceptor_addrtype = GSS_C_AF_INET;
    b->cb.acceptor_address.length = sizeof b->acc_addr;
    b->cb.acceptor_address.value = &b->acc_addr;
  }
  return &b->cb;
}

/* A credential from an explicit store (--cred-ccache / --keytab), else the default. */
static int acquire_cred(const struct options* o, gss_cred_id_t* cred) {
  gss_key_value_element_desc elems[2];
  OM_uint32 n = 0;
  if (o->initiator && o->cred_ccache != NULL) elems[n++] = (gss_key_value_element_desc){"ccache", o->cred_ccache};
  if (o->initiator && o->keytab != NULL) elems[n++] = (gss_key_value_element_desc){"client_keytab", o->keytab};
  if (!o->initiator && o->keytab != NULL) elems[n++] = (gss_key_value_element_desc){"keytab", o->keytab};
  *cred = GSS_C_NO_CREDENTIAL;
  if (n == 0) return 0;
  gss_key_value_set_desc store = {n, elems};
  gss_OID_set_desc mechs = {1, o->mech};
  OM_uint32 minor = 0;
  OM_uint32 major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs,
                                          o->initiator ? GSS_C_INITIATE : GSS_C_ACCEPT, &store,
                                          cred, NULL, NULL);
  if (GSS_ERROR(major)) {
    print_failure("acquire_cred", major, minor, o->mech);
    return -1;
  }
  return 0;
}

/* The enctype of the key protecting messages (the acceptor subkey if there is one), as
 * GSS_C_INQ_SSPI_SESSION_KEY reports it: its second element is the OID
 * 1.2.840.113554.1.2.2.4.<enctype>. "unavailable" where the mechanism does not say. */
static void print_session_key_enctype(gss_ctx_id_t ctx) {
  static const unsigned char prefix[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x04};
  OM_uint32 minor = 0;
  gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
  OM_uint32 major = gss_inquire_sec_context_by_oid(&minor, ctx, GSS_C_INQ_SSPI_SESSION_KEY, &set);
  long enctype = -1;
  if (!GSS_ERROR(major) && set != GSS_C_NO_BUFFER_SET && set->count >= 2) {
    const gss_buffer_desc* oid = &set->elements[1];
    const unsigned char* p = oid->value;
    if (oid->length > sizeof prefix && oid->length <= sizeof prefix + 4 &&
        memcmp(p, prefix, sizeof prefix) == 0) {
      enctype = 0;
      for (size_t i = sizeof prefix; i < oid->length; ++i) enctype = (enctype << 7) | (p[i] & 0x7f);
    }
  }
  gss_release_buffer_set(&minor, &set);
  if (enctype < 0) printf("session_key_enctype=unavailable\n");
  else printf("session_key_enctype=%ld\n", enctype);
}

/* ---- establishment ------------------------------------------------------------ */

/* During establishment only CONTINUE_NEEDED may accompany success: a supplementary bit
 * such as GSS_S_DUPLICATE_TOKEN (not caught by GSS_ERROR) means the token was refused
 * (RFC 2743 §2.2.2). */
static int establishment_failed(OM_uint32 major) {
  return GSS_ERROR(major) || (major & ~(OM_uint32)GSS_S_CONTINUE_NEEDED) != 0;
}

static int run_initiator(const struct options* o, gss_cred_id_t cred, gss_ctx_id_t* ctx,
                         OM_uint32* flags) {
  OM_uint32 major, minor = 0;
  gss_buffer_desc name_buf = {strlen(o->target), (void*)o->target};
  gss_name_t target = GSS_C_NO_NAME;
  major = gss_import_name(&minor, &name_buf, GSS_C_NT_HOSTBASED_SERVICE, &target);
  if (GSS_ERROR(major)) {
    print_failure("import_name", major, minor, o->mech);
    return -1;
  }
  struct bindings b;
  gss_channel_bindings_t cb = make_bindings(o, &b);
  gss_buffer_desc input = GSS_C_EMPTY_BUFFER;
  int first = 1, rc = -1;
  for (;;) {
    gss_buffer_desc output = GSS_C_EMPTY_BUFFER;
    gss_OID actual = GSS_C_NO_OID;
    OM_uint32 ret_flags = 0, time_rec = 0;
    major = gss_init_sec_context(&minor, cred, ctx, target, o->mech, o->req_flags, 0, cb, &input,
                                 &actual, &output, &ret_flags, &time_rec);
    free_frame(&input);
    if (first && o->replay_to != NULL && output.length > 0 && write_file(o->replay_to, &output) != 0) {
      printf("transport_error=cannot write %s\n", o->replay_to);
    }
    first = 0;
    int sent = output.length == 0 || send_frame(o->fd, output.value, output.length) == 0;
    OM_uint32 ignored = 0;
    gss_release_buffer(&ignored, &output);
    if (establishment_failed(major)) {
      print_failure("init_sec_context", major, minor, o->mech);
      break;
    }
    if (!sent) {
      printf("transport_error=send failed\n");
      break;
    }
    if (!(major & GSS_S_CONTINUE_NEEDED)) {
      printf("established=1\n");
      print_flags(ret_flags);
      print_oid("mech", actual);
      printf("lifetime=%u\n", time_rec);
      print_session_key_enctype(*ctx);
      *flags = ret_flags;
      rc = 0;
      break;
    }
    if (recv_frame(o->fd, &input) != 0) {
      printf("transport_error=peer closed before the context was established\n");
      break;
    }
  }
  gss_release_name(&minor, &target);
  return rc;
}

static int next_acceptor_token(const struct options* o, int first, gss_buffer_desc* input) {
  if (first && o->token_from != NULL) {
    if (read_file(o->token_from, input) != 0) {
      printf("transport_error=cannot read %s\n", o->token_from);
      return -1;
    }
    return 0;
  }
  if (recv_frame(o->fd, input) != 0) {
    printf("transport_error=peer closed before the context was established\n");
    return -1;
  }
  return 0;
}

static int run_acceptor(const struct options* o, gss_cred_id_t cred, gss_ctx_id_t* ctx,
                        OM_uint32* flags) {
  struct bindings b;
  gss_channel_bindings_t cb = make_bindings(o, &b);
  int first = 1;
  for (;;) {
    gss_buffer_desc input = GSS_C_EMPTY_BUFFER, output = GSS_C_EMPTY_BUFFER;
    if (next_acceptor_token(o, first, &input) != 0) return -1;
    first = 0;
    gss_name_t src = GSS_C_NO_NAME;
    gss_OID actual = GSS_C_NO_OID;
    gss_cred_id_t deleg = GSS_C_NO_CREDENTIAL;
    OM_uint32 minor = 0, ret_flags = 0, time_rec = 0;
    OM_uint32 major = gss_accept_sec_context(&minor, ctx, cred, &input, cb, &src, &actual, &output,
                                             &ret_flags, &time_rec, &deleg);
    free_frame(&input);
    /* A failing call may still carry a token (KRB-ERROR) for the initiator. */
    int sent = output.length == 0 || o->fd < 0 || send_frame(o->fd, output.value, output.length) == 0;
    OM_uint32 ignored = 0;
    gss_release_buffer(&ignored, &output);
    int rc = 1;
    if (establishment_failed(major)) {
      print_failure("accept_sec_context", major, minor, o->mech);
      rc = -1;
    } else if (!sent) {
      printf("transport_error=send failed\n");
      rc = -1;
    } else if (!(major & GSS_S_CONTINUE_NEEDED)) {
      printf("established=1\n");
      print_flags(ret_flags);
      print_oid("mech", actual);
      printf("lifetime=%u\n", time_rec);
      print_session_key_enctype(*ctx);
      print_name("src_name", src);
      printf("delegated=%d\n", deleg != GSS_C_NO_CREDENTIAL);
      *flags = ret_flags;
      rc = 0;
    }
    gss_release_name(&ignored, &src);
    gss_release_cred(&ignored, &deleg);
    if (rc <= 0) return rc;
  }
}

int main(int argc, char** argv) {
  struct options o;
  parse_args(argc, argv, &o);
  signal(SIGPIPE, SIG_IGN);
  if (o.timeout > 0) alarm(o.timeout);

  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
  OM_uint32 flags = 0;
  int rc = acquire_cred(&o, &cred);
  if (rc == 0) {
    rc = o.initiator ? run_initiator(&o, cred, &ctx, &flags) : run_acceptor(&o, cred, &ctx, &flags);
  }
  if (rc == 0 && o.messages) {
    struct message_plan plan = {o.fd, o.initiator, o.mech, flags, o.sizes, o.nsizes, o.checks};
    rc = run_messages(ctx, &plan);
  }

  OM_uint32 minor = 0;
  gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
  gss_release_cred(&minor, &cred);
  if (o.fd >= 0) close(o.fd);
  fflush(stdout);
  return rc == 0 ? 0 : 1;
}
