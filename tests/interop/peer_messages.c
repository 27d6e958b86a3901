/* Per-message checks between two gss_peer processes holding an established context.
 *
 * For every message size the initiator sends and the acceptor receives, then the
 * roles swap. Both sides walk the same table: for each check the sender makes tokens
 * with one call (gss_get_mic_iov, gss_wrap_iov without a trailer, ...) and sends them
 * as frames; the receiver consumes them with one call (gss_verify_mic, gss_unwrap_iov
 * with a STREAM buffer, ...) and judges the outcome. Every token is accepted exactly
 * once, in the order it was made, except in the replay and order checks, which know
 * what they skip; so the receiver's sequence window stays in step and each status is
 * predictable. A damaged token is refused and then its intact original accepted: a
 * refusal must not consume the sequence number.
 *
 * Frames of one check: "NAME COUNT" then COUNT frames, or "NAME -" when the sender
 * could not make its tokens (it reports that itself). Output, one line each:
 *   msg.NAME.DIR.sizeN=ok | fail <what>: major=0x... minor=... status=...
 * with DIR i2a (initiator to acceptor: printed by the acceptor) or a2i; a sender
 * prints the key only for its own failures. token.acceptor_subkey= and
 * token.mic_length= describe the first MIC token received. Then messages=ok, or
 * messages=fail with message_step=, message_detail= and message_major/minor/status=
 * of the first failure. */
#define _GNU_SOURCE

#include "peer_messages.h"

#include <gssapi/gssapi_ext.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer_io.h"

enum { kMaxFrames = 6, kKeyMax = 160, kDetailMax = 512 };

/* A wrap_size_limit of at least this many octets must leave room for a message. */
enum { kSizeLimitFloor = 256 };

/* Checks whose outcome cannot depend on the message length (header damage, the
 * sequence window) run for messages up to this size only: they would double the time
 * of the 1 MiB messages, MIT's own crypto doing about 100 MB/s. */
enum { kSizeIndependentMax = 65535 };

/* Signed, never sent: both peers know it (SIGN_ONLY buffers, gss_wrap_aead). */
static const char kAssoc[] = "apx interop associated data: signed, not sent";
static const char kAssocOther[] = "apx interop associated data: signed, not sent!";

struct frames {
  gss_buffer_desc f[kMaxFrames];
  size_t n;
};

/* Damage done to one frame before the receiver sees it (RFC 4121 §4.2.6 offsets). */
enum tamper {
  kIntact,
  kTokId,      /* byte 1: second octet of TOK_ID */
  kDirection,  /* byte 2 bit 0: SentByAcceptor */
  kSealed,     /* byte 2 bit 1: Sealed */
  kFiller,     /* byte 3: filler 0xFF */
  kEc,         /* byte 5: low octet of EC (Wrap tokens) */
  kRrc,        /* byte 7: low octet of RRC (Wrap tokens) */
  kSeq,        /* byte 15: low octet of SND_SEQ */
  kMiddle,     /* the middle octet; an empty frame gains one octet instead */
  kLast,       /* the last octet */
  kTruncated,  /* the last octet removed */
  kHeaderOnly, /* only the first 15 octets kept */
  kOtherAssoc, /* the receiver signs other associated data */
};

struct run {
  const struct message_plan* plan;
  gss_ctx_id_t ctx;
  unsigned failures;
  int token_info_printed;
  char first_key[kKeyMax];
  char first_detail[kDetailMax];
  OM_uint32 first_major, first_minor;
};

struct check;

struct cell {
  struct run* run;
  const struct check* check;
  size_t size;
  const gss_buffer_desc* msg; /* the message of this size */
  const char* assoc;          /* associated data the receiver uses */
  char key[kKeyMax];
  int failed;
};

/* What one receiving call produced. */
struct outcome {
  OM_uint32 major, minor;
  int conf_state;       /* -1: the call reports none */
  gss_qop_t qop;
  gss_buffer_desc data; /* the message it yields (malloc'd; free_frame) */
};

/* A receiving call. It gets its own copy of the frames and may decrypt them in place. */
struct receiver {
  const char* call;
  size_t nframes;   /* frames one token set takes; 0: all given, joined into one token */
  int reports_conf; /* the call has a conf_state output */
  void (*fn)(struct cell*, struct frames*, struct outcome*);
};

typedef int (*produce_fn)(struct cell*, struct frames*);
typedef void (*consume_fn)(struct cell*, const struct frames*);

struct check {
  const char* name;
  produce_fn produce;
  consume_fn consume;
  const struct receiver* receiver;
  int conf;           /* conf_req_flag of the wrap calls */
  enum tamper tamper; /* for consume_tampered */
  size_t frame;       /* the frame damaged */
  OM_uint32 want;     /* major status for the damaged token */
  OM_uint32 want_empty; /* the same for an empty message, if it differs (0: same) */
  int token_info;     /* print token.* facts from this check's MIC token */
  int want_rrc;       /* the token's RRC must not be 0 (no TRAILER buffer) */
  int small_only;     /* size-independent: only messages up to kSizeIndependentMax */
};

/* ---- reporting ------------------------------------------------------------------- */

static gss_ctx_id_t ctx_of(const struct cell* c) { return c->run->ctx; }

/* Records the first failure of a cell: one key=fail line, remembered for the summary. */
static void fail(struct cell* c, OM_uint32 major, OM_uint32 minor, const char* fmt, ...) {
  if (c->failed) return;
  c->failed = 1;
  char detail[kDetailMax];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  char text[2048] = "";
  if (major != 0 || minor != 0) format_status(text, sizeof text, major, minor, c->run->plan->mech);
  printf("%s=fail %s: major=0x%08x minor=%u status=%s\n", c->key, detail, major, minor, text);
  struct run* r = c->run;
  if (r->failures++ == 0) {
    snprintf(r->first_key, sizeof r->first_key, "%s", c->key);
    snprintf(r->first_detail, sizeof r->first_detail, "%s", detail);
    r->first_major = major;
    r->first_minor = minor;
  }
}

/* 0 when a call returned the wanted status; otherwise records the failure. */
static int expect(struct cell* c, const char* call, OM_uint32 major, OM_uint32 minor,
                  OM_uint32 want) {
  if (major == want) return 0;
  fail(c, major, minor, "%s returned 0x%08x, expected 0x%08x", call, major, want);
  return -1;
}

/* ---- frames -------------------------------------------------------------------- */

static int frames_add(struct frames* fr, const void* p, size_t n) {
  if (fr->n == kMaxFrames) return -1;
  void* copy = malloc(n > 0 ? n : 1);
  if (copy == NULL) return -1;
  if (n > 0) memcpy(copy, p, n);
  fr->f[fr->n].value = copy;
  fr->f[fr->n].length = n;
  fr->n++;
  return 0;
}

static void frames_clear(struct frames* fr) {
  for (size_t i = 0; i < fr->n; ++i) free_frame(&fr->f[i]);
  fr->n = 0;
}

/* dst = copies of src frames [first, first + count). */
static int frames_copy(struct frames* dst, const struct frames* src, size_t first, size_t count) {
  dst->n = 0;
  for (size_t i = first; i < first + count; ++i) {
    if (frames_add(dst, src->f[i].value, src->f[i].length) != 0) {
      frames_clear(dst);
      return -1;
    }
  }
  return 0;
}

/* The concatenation of all frames (malloc'd; free_frame). */
static int frames_join(const struct frames* fr, gss_buffer_desc* out) {
  size_t total = 0;
  for (size_t i = 0; i < fr->n; ++i) total += fr->f[i].length;
  out->value = malloc(total > 0 ? total : 1);
  out->length = total;
  if (out->value == NULL) return -1;
  size_t at = 0;
  for (size_t i = 0; i < fr->n; ++i) {
    if (fr->f[i].length > 0) memcpy((char*)out->value + at, fr->f[i].value, fr->f[i].length);
    at += fr->f[i].length;
  }
  return 0;
}

/* Adds a copy of p to the frames a sender sends; records a failure if it cannot. */
static int add(struct cell* c, struct frames* out, const void* p, size_t n) {
  if (frames_add(out, p, n) == 0) return 0;
  fail(c, 0, 0, "out of memory");
  return -1;
}

static int add_buffer(struct cell* c, struct frames* out, const gss_buffer_desc* b) {
  return add(c, out, b->value, b->length);
}

static void fill_message(unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = (unsigned char)((i * 31u + n) & 0xff);
}

static gss_buffer_desc text_buffer(const char* s) {
  gss_buffer_desc b = {strlen(s), (void*)s};
  return b;
}

static gss_iov_buffer_desc iov(OM_uint32 type, void* p, size_t n) {
  gss_iov_buffer_desc b = {type, {n, p}};
  return b;
}

/* ---- senders ------------------------------------------------------------------- */

/* gss_wrap of msg with the check's conf_req_flag into token (gss_release_buffer). */
static int wrap_into(struct cell* c, const gss_buffer_desc* msg, gss_buffer_desc* token) {
  OM_uint32 minor = 0;
  int conf_state = -1;
  OM_uint32 major = gss_wrap(&minor, ctx_of(c), c->check->conf, GSS_C_QOP_DEFAULT,
                             (gss_buffer_t)msg, &conf_state, token);
  if (expect(c, "gss_wrap", major, minor, GSS_S_COMPLETE) != 0) return -1;
  if (conf_state != c->check->conf) {
    fail(c, 0, 0, "gss_wrap conf_state %d for conf_req_flag %d", conf_state, c->check->conf);
    OM_uint32 ignored = 0;
    gss_release_buffer(&ignored, token);
    return -1;
  }
  return 0;
}

static int mic_into(struct cell* c, gss_buffer_desc* mic) {
  OM_uint32 minor = 0;
  OM_uint32 major = gss_get_mic(&minor, ctx_of(c), GSS_C_QOP_DEFAULT, (gss_buffer_t)c->msg, mic);
  return expect(c, "gss_get_mic", major, minor, GSS_S_COMPLETE);
}

/* gss_get_mic: [message, MIC token]. */
static int produce_mic(struct cell* c, struct frames* out) {
  gss_buffer_desc mic = GSS_C_EMPTY_BUFFER;
  if (mic_into(c, &mic) != 0) return -1;
  OM_uint32 ignored = 0;
  int rc = add_buffer(c, out, c->msg) == 0 && add_buffer(c, out, &mic) == 0 ? 0 : -1;
  gss_release_buffer(&ignored, &mic);
  return rc;
}

/* Two gss_get_mic tokens, in order: [message, MIC 1, message, MIC 2]. */
static int produce_mic_pair(struct cell* c, struct frames* out) {
  return produce_mic(c, out) == 0 && produce_mic(c, out) == 0 ? 0 : -1;
}

/* gss_get_mic_iov over iov (the last entry is MIC_TOKEN | ALLOCATE): [message, MIC]. */
static int mic_iov_frames(struct cell* c, gss_iov_buffer_desc* v, int count, struct frames* out) {
  OM_uint32 minor = 0, ignored = 0;
  OM_uint32 major = gss_get_mic_iov(&minor, ctx_of(c), GSS_C_QOP_DEFAULT, v, count);
  if (expect(c, "gss_get_mic_iov", major, minor, GSS_S_COMPLETE) != 0) return -1;
  int rc = add_buffer(c, out, c->msg) == 0 && add_buffer(c, out, &v[count - 1].buffer) == 0 ? 0 : -1;
  gss_release_iov_buffer(&ignored, v, count);
  return rc;
}

/* gss_get_mic_iov with DATA, SIGN_ONLY (associated data), MIC_TOKEN | ALLOCATE. */
static int produce_mic_iov_assoc(struct cell* c, struct frames* out) {
  gss_iov_buffer_desc v[3] = {
      iov(GSS_IOV_BUFFER_TYPE_DATA, c->msg->value, c->msg->length),
      iov(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, (void*)kAssoc, strlen(kAssoc)),
      iov(GSS_IOV_BUFFER_TYPE_MIC_TOKEN | GSS_IOV_BUFFER_FLAG_ALLOCATE, NULL, 0),
  };
  return mic_iov_frames(c, v, 3, out);
}

/* gss_get_mic_iov with the message split over two DATA buffers, MIC_TOKEN | ALLOCATE. */
static int produce_mic_iov_split(struct cell* c, struct frames* out) {
  size_t half = c->msg->length / 2;
  gss_iov_buffer_desc v[3] = {
      iov(GSS_IOV_BUFFER_TYPE_DATA, c->msg->value, half),
      iov(GSS_IOV_BUFFER_TYPE_DATA, (char*)c->msg->value + half, c->msg->length - half),
      iov(GSS_IOV_BUFFER_TYPE_MIC_TOKEN | GSS_IOV_BUFFER_FLAG_ALLOCATE, NULL, 0),
  };
  return mic_iov_frames(c, v, 3, out);
}

/* gss_wrap: [token]. */
static int produce_wrap(struct cell* c, struct frames* out) {
  gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
  if (wrap_into(c, c->msg, &token) != 0) return -1;
  OM_uint32 ignored = 0;
  int rc = add_buffer(c, out, &token);
  gss_release_buffer(&ignored, &token);
  return rc;
}

/* Two gss_wrap tokens, in order: [token 1, token 2]. */
static int produce_wrap_pair(struct cell* c, struct frames* out) {
  return produce_wrap(c, out) == 0 && produce_wrap(c, out) == 0 ? 0 : -1;
}

static int is_token_buffer(const gss_iov_buffer_desc* b) {
  const OM_uint32 t = GSS_IOV_BUFFER_TYPE(b->type);
  return t == GSS_IOV_BUFFER_TYPE_HEADER || t == GSS_IOV_BUFFER_TYPE_PADDING ||
         t == GSS_IOV_BUFFER_TYPE_TRAILER;
}

/* Sizes with gss_wrap_iov_length, and allocates, the HEADER, PADDING and TRAILER
 * buffers the mechanism is not asked to allocate; owned[i] keeps what was allocated. */
static int size_iov(struct cell* c, gss_iov_buffer_desc* v, int count, void** owned) {
  int needed = 0;
  for (int i = 0; i < count; ++i) {
    needed |= is_token_buffer(&v[i]) && (v[i].type & GSS_IOV_BUFFER_FLAG_ALLOCATE) == 0;
  }
  if (!needed) return 0;
  OM_uint32 minor = 0;
  int conf_state = -1;
  OM_uint32 major = gss_wrap_iov_length(&minor, ctx_of(c), c->check->conf, GSS_C_QOP_DEFAULT,
                                        &conf_state, v, count);
  if (expect(c, "gss_wrap_iov_length", major, minor, GSS_S_COMPLETE) != 0) return -1;
  for (int i = 0; i < count; ++i) {
    if (!is_token_buffer(&v[i]) || (v[i].type & GSS_IOV_BUFFER_FLAG_ALLOCATE) != 0) continue;
    owned[i] = malloc(v[i].buffer.length > 0 ? v[i].buffer.length : 1);
    if (owned[i] == NULL) {
      fail(c, 0, 0, "out of memory");
      return -1;
    }
    v[i].buffer.value = owned[i];
  }
  return 0;
}

/* gss_wrap_iov, then every buffer but SIGN_ONLY as one frame. */
static int wrap_iov_call(struct cell* c, gss_iov_buffer_desc* v, int count, struct frames* out) {
  OM_uint32 minor = 0;
  int conf_state = -1;
  OM_uint32 major = gss_wrap_iov(&minor, ctx_of(c), c->check->conf, GSS_C_QOP_DEFAULT, &conf_state,
                                 v, count);
  if (expect(c, "gss_wrap_iov", major, minor, GSS_S_COMPLETE) != 0) return -1;
  if (conf_state != c->check->conf) {
    fail(c, 0, 0, "gss_wrap_iov conf_state %d for conf_req_flag %d", conf_state, c->check->conf);
    return -1;
  }
  for (int i = 0; i < count; ++i) {
    if (GSS_IOV_BUFFER_TYPE(v[i].type) == GSS_IOV_BUFFER_TYPE_SIGN_ONLY) continue;
    if (add_buffer(c, out, &v[i].buffer) != 0) return -1;
  }
  return 0;
}

/* gss_wrap_iov over v (at most kMaxFrames entries; DATA a copy of the message). */
static int wrap_iov_frames(struct cell* c, gss_iov_buffer_desc* v, int count, struct frames* out) {
  void* owned[kMaxFrames] = {NULL};
  int rc = size_iov(c, v, count, owned);
  if (rc == 0) rc = wrap_iov_call(c, v, count, out);
  OM_uint32 ignored = 0;
  gss_release_iov_buffer(&ignored, v, count);
  for (int i = 0; i < kMaxFrames; ++i) free(owned[i]);
  return rc;
}

/* Runs wrap_iov_frames on a private copy of the message (wrapping is in place). */
static int wrap_iov_with(struct cell* c, gss_iov_buffer_desc* v, int count, int data_index,
                         struct frames* out) {
  void* data = malloc(c->msg->length > 0 ? c->msg->length : 1);
  if (data == NULL) {
    fail(c, 0, 0, "out of memory");
    return -1;
  }
  if (c->msg->length > 0) memcpy(data, c->msg->value, c->msg->length);
  v[data_index] = iov(GSS_IOV_BUFFER_TYPE_DATA, data, c->msg->length);
  int rc = wrap_iov_frames(c, v, count, out);
  free(data);
  return rc;
}

/* gss_wrap_iov with HEADER, DATA, PADDING, TRAILER sized by gss_wrap_iov_length:
 * [header, data, padding, trailer]. */
static int produce_wrap_iov(struct cell* c, struct frames* out) {
  gss_iov_buffer_desc v[4] = {
      iov(GSS_IOV_BUFFER_TYPE_HEADER, NULL, 0),
      iov(GSS_IOV_BUFFER_TYPE_DATA, NULL, 0),
      iov(GSS_IOV_BUFFER_TYPE_PADDING, NULL, 0),
      iov(GSS_IOV_BUFFER_TYPE_TRAILER, NULL, 0),
  };
  return wrap_iov_with(c, v, 4, 1, out);
}

/* gss_wrap_iov with HEADER and DATA only (the trailer goes into the header, RRC != 0):
 * [header, data]. */
static int produce_wrap_iov_notrailer(struct cell* c, struct frames* out) {
  gss_iov_buffer_desc v[2] = {
      iov(GSS_IOV_BUFFER_TYPE_HEADER, NULL, 0),
      iov(GSS_IOV_BUFFER_TYPE_DATA, NULL, 0),
  };
  return wrap_iov_with(c, v, 2, 1, out);
}

/* gss_wrap_iov with HEADER, SIGN_ONLY (associated data), DATA, PADDING, TRAILER, the
 * mechanism allocating: [header, data, padding, trailer]. */
static int produce_wrap_iov_assoc(struct cell* c, struct frames* out) {
  const OM_uint32 alloc = GSS_IOV_BUFFER_FLAG_ALLOCATE;
  gss_iov_buffer_desc v[5] = {
      iov(GSS_IOV_BUFFER_TYPE_HEADER | alloc, NULL, 0),
      iov(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, (void*)kAssoc, strlen(kAssoc)),
      iov(GSS_IOV_BUFFER_TYPE_DATA, NULL, 0),
      iov(GSS_IOV_BUFFER_TYPE_PADDING | alloc, NULL, 0),
      iov(GSS_IOV_BUFFER_TYPE_TRAILER | alloc, NULL, 0),
  };
  return wrap_iov_with(c, v, 5, 2, out);
}

/* gss_wrap_aead with the associated data: [token]. */
static int produce_wrap_aead(struct cell* c, struct frames* out) {
  OM_uint32 minor = 0, ignored = 0;
  int conf_state = -1;
  gss_buffer_desc assoc = text_buffer(kAssoc), token = GSS_C_EMPTY_BUFFER;
  OM_uint32 major = gss_wrap_aead(&minor, ctx_of(c), c->check->conf, GSS_C_QOP_DEFAULT, &assoc,
                                  (gss_buffer_t)c->msg, &conf_state, &token);
  if (expect(c, "gss_wrap_aead", major, minor, GSS_S_COMPLETE) != 0) return -1;
  int rc = add_buffer(c, out, &token);
  if (rc == 0 && conf_state != c->check->conf) {
    fail(c, 0, 0, "gss_wrap_aead conf_state %d for conf_req_flag %d", conf_state, c->check->conf);
  }
  gss_release_buffer(&ignored, &token);
  return rc;
}

/* gss_wrap_size_limit for an output of the message size, then gss_wrap of a message
 * of the returned size, which must fit: [token, limit in decimal]. */
static int produce_wrap_size_limit(struct cell* c, struct frames* out) {
  OM_uint32 minor = 0, ignored = 0, limit = 0;
  const OM_uint32 req = (OM_uint32)c->size;
  OM_uint32 major = gss_wrap_size_limit(&minor, ctx_of(c), c->check->conf, GSS_C_QOP_DEFAULT, req,
                                        &limit);
  if (expect(c, "gss_wrap_size_limit", major, minor, GSS_S_COMPLETE) != 0) return -1;
  gss_buffer_desc msg = {limit, malloc(limit > 0 ? limit : 1)};
  if (msg.value == NULL) {
    fail(c, 0, 0, "out of memory for a message of %u octets", limit);
    return -1;
  }
  fill_message(msg.value, limit);
  gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
  int rc = wrap_into(c, &msg, &token);
  free(msg.value);
  if (rc != 0) return -1;
  if (limit > req || (req >= kSizeLimitFloor && limit == 0)) {
    fail(c, 0, 0, "gss_wrap_size_limit(%u) returned %u", req, limit);
  } else if (limit > 0 && token.length > req) {
    fail(c, 0, 0, "gss_wrap_size_limit(%u) returned %u, but %u octets wrap to %zu", req, limit,
         limit, token.length);
  }
  char text[32];
  snprintf(text, sizeof text, "%u", limit);
  rc = add_buffer(c, out, &token) == 0 && add(c, out, text, strlen(text)) == 0 ? 0 : -1;
  gss_release_buffer(&ignored, &token);
  return rc;
}

/* ---- receiving calls --------------------------------------------------------------- */

static void set_data(struct outcome* o, const void* p, size_t n) {
  o->data.value = malloc(n > 0 ? n : 1);
  o->data.length = o->data.value != NULL ? n : 0;
  if (o->data.value != NULL && n > 0) memcpy(o->data.value, p, n);
}

static void recv_verify_mic(struct cell* c, struct frames* in, struct outcome* o) {
  o->major = gss_verify_mic(&o->minor, ctx_of(c), &in->f[0], &in->f[1], &o->qop);
  set_data(o, in->f[0].value, in->f[0].length);
}

/* gss_verify_mic over message ‖ associated data: what gss_get_mic_iov with DATA then
 * SIGN_ONLY signs. */
static void recv_verify_mic_concat(struct cell* c, struct frames* in, struct outcome* o) {
  struct frames joined_parts = {.n = 0};
  gss_buffer_desc joined = GSS_C_EMPTY_BUFFER;
  joined_parts.f[0] = in->f[0];
  joined_parts.f[1] = text_buffer(c->assoc);
  joined_parts.n = 2;
  if (frames_join(&joined_parts, &joined) != 0) {
    o->major = GSS_S_FAILURE;
    return;
  }
  o->major = gss_verify_mic(&o->minor, ctx_of(c), &joined, &in->f[1], &o->qop);
  free_frame(&joined);
  set_data(o, in->f[0].value, in->f[0].length);
}

static void verify_mic_iov(struct cell* c, struct frames* in, int assoc, struct outcome* o) {
  gss_iov_buffer_desc v[3];
  int n = 0;
  v[n++] = iov(GSS_IOV_BUFFER_TYPE_DATA, in->f[0].value, in->f[0].length);
  if (assoc) v[n++] = iov(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, (void*)c->assoc, strlen(c->assoc));
  v[n++] = iov(GSS_IOV_BUFFER_TYPE_MIC_TOKEN, in->f[1].value, in->f[1].length);
  o->major = gss_verify_mic_iov(&o->minor, ctx_of(c), &o->qop, v, n);
  set_data(o, in->f[0].value, in->f[0].length);
}

static void recv_verify_mic_iov(struct cell* c, struct frames* in, struct outcome* o) {
  verify_mic_iov(c, in, 0, o);
}

static void recv_verify_mic_iov_assoc(struct cell* c, struct frames* in, struct outcome* o) {
  verify_mic_iov(c, in, 1, o);
}

static void recv_unwrap(struct cell* c, struct frames* in, struct outcome* o) {
  gss_buffer_desc token = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
  if (frames_join(in, &token) != 0) {
    o->major = GSS_S_FAILURE;
    return;
  }
  o->major = gss_unwrap(&o->minor, ctx_of(c), &token, &out, &o->conf_state, &o->qop);
  free_frame(&token);
  set_data(o, out.value, out.length);
  OM_uint32 ignored = 0;
  gss_release_buffer(&ignored, &out);
}

static void recv_unwrap_aead(struct cell* c, struct frames* in, struct outcome* o) {
  gss_buffer_desc token = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
  gss_buffer_desc assoc = text_buffer(c->assoc);
  if (frames_join(in, &token) != 0) {
    o->major = GSS_S_FAILURE;
    return;
  }
  o->major = gss_unwrap_aead(&o->minor, ctx_of(c), &token, &assoc, &out, &o->conf_state, &o->qop);
  free_frame(&token);
  set_data(o, out.value, out.length);
  OM_uint32 ignored = 0;
  gss_release_buffer(&ignored, &out);
}

/* gss_unwrap_iov with STREAM (the whole token), [SIGN_ONLY,] DATA: DATA comes back
 * pointing into the stream. */
static void unwrap_iov_stream(struct cell* c, struct frames* in, int assoc, struct outcome* o) {
  gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
  if (frames_join(in, &token) != 0) {
    o->major = GSS_S_FAILURE;
    return;
  }
  gss_iov_buffer_desc v[3];
  int n = 0;
  v[n++] = iov(GSS_IOV_BUFFER_TYPE_STREAM, token.value, token.length);
  if (assoc) v[n++] = iov(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, (void*)c->assoc, strlen(c->assoc));
  v[n++] = iov(GSS_IOV_BUFFER_TYPE_DATA, NULL, 0);
  o->major = gss_unwrap_iov(&o->minor, ctx_of(c), &o->conf_state, &o->qop, v, n);
  set_data(o, v[n - 1].buffer.value, v[n - 1].buffer.length);
  free_frame(&token);
}

static void recv_unwrap_iov_stream(struct cell* c, struct frames* in, struct outcome* o) {
  unwrap_iov_stream(c, in, 0, o);
}

static void recv_unwrap_iov_stream_assoc(struct cell* c, struct frames* in, struct outcome* o) {
  unwrap_iov_stream(c, in, 1, o);
}

/* gss_unwrap_iov with the sender's layout: HEADER, [SIGN_ONLY,] DATA[, PADDING, TRAILER]. */
static void unwrap_iov_layout(struct cell* c, struct frames* in, int assoc, struct outcome* o) {
  static const OM_uint32 types[4] = {GSS_IOV_BUFFER_TYPE_HEADER, GSS_IOV_BUFFER_TYPE_DATA,
                                     GSS_IOV_BUFFER_TYPE_PADDING, GSS_IOV_BUFFER_TYPE_TRAILER};
  gss_iov_buffer_desc v[5];
  int n = 0, data = 0;
  for (size_t i = 0; i < in->n && i < 4; ++i) {
    if (i == 1 && assoc) v[n++] = iov(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, (void*)c->assoc, strlen(c->assoc));
    if (i == 1) data = n;
    v[n++] = iov(types[i], in->f[i].value, in->f[i].length);
  }
  o->major = gss_unwrap_iov(&o->minor, ctx_of(c), &o->conf_state, &o->qop, v, n);
  set_data(o, v[data].buffer.value, v[data].buffer.length);
}

static void recv_unwrap_iov_layout(struct cell* c, struct frames* in, struct outcome* o) {
  unwrap_iov_layout(c, in, 0, o);
}

static void recv_unwrap_iov_layout_assoc(struct cell* c, struct frames* in, struct outcome* o) {
  unwrap_iov_layout(c, in, 1, o);
}

static const struct receiver kVerifyMic = {"gss_verify_mic", 2, 0, recv_verify_mic};
static const struct receiver kVerifyMicConcat = {"gss_verify_mic(message||assoc)", 2, 0,
                                                 recv_verify_mic_concat};
static const struct receiver kVerifyMicIov = {"gss_verify_mic_iov(DATA,MIC_TOKEN)", 2, 0,
                                              recv_verify_mic_iov};
static const struct receiver kVerifyMicIovAssoc = {
    "gss_verify_mic_iov(DATA,SIGN_ONLY,MIC_TOKEN)", 2, 0, recv_verify_mic_iov_assoc};
static const struct receiver kUnwrap = {"gss_unwrap", 0, 1, recv_unwrap};
static const struct receiver kUnwrapAead = {"gss_unwrap_aead", 0, 1, recv_unwrap_aead};
static const struct receiver kUnwrapIovStream = {"gss_unwrap_iov(STREAM,DATA)", 0, 1,
                                                 recv_unwrap_iov_stream};
static const struct receiver kUnwrapIovStreamAssoc = {"gss_unwrap_iov(STREAM,SIGN_ONLY,DATA)", 0,
                                                      1, recv_unwrap_iov_stream_assoc};
static const struct receiver kUnwrapIovLayout = {"gss_unwrap_iov(HEADER,DATA,PADDING,TRAILER)", 4,
                                                 1, recv_unwrap_iov_layout};
static const struct receiver kUnwrapIovNoTrailer = {"gss_unwrap_iov(HEADER,DATA)", 2, 1,
                                                    recv_unwrap_iov_layout};
static const struct receiver kUnwrapIovLayoutAssoc = {
    "gss_unwrap_iov(HEADER,SIGN_ONLY,DATA,PADDING,TRAILER)", 4, 1, recv_unwrap_iov_layout_assoc};

/* ---- judging ------------------------------------------------------------------- */

/* Damages one frame in place (frames are malloc'd, so it may grow or shrink). */
static void apply_tamper(gss_buffer_desc* b, enum tamper t) {
  unsigned char* p = b->value;
  size_t at = 0;
  unsigned char mask = 0x01;
  switch (t) {
    case kIntact:
    case kOtherAssoc:
      return;
    case kTokId: at = 1; break;
    case kDirection: at = 2; break;
    case kSealed: at = 2; mask = 0x02; break;
    case kFiller: at = 3; break;
    case kEc: at = 5; break;
    case kRrc: at = 7; break;
    case kSeq: at = 15; break;
    case kMiddle:
      if (b->length == 0) {
        p[0] = 0x5a; /* frames own at least one octet */
        b->length = 1;
        return;
      }
      at = b->length / 2;
      break;
    case kLast:
      at = b->length - 1;
      mask = 0x80;
      break;
    case kTruncated:
      if (b->length > 0) b->length--;
      return;
    case kHeaderOnly:
      if (b->length > 15) b->length = 15;
      return;
  }
  if (b->length == 0) return;
  if (at >= b->length) at = b->length - 1;
  p[at] ^= mask;
}

static int same_bytes(const gss_buffer_desc* a, const gss_buffer_desc* b) {
  return a->length == b->length && (a->length == 0 || memcmp(a->value, b->value, a->length) == 0);
}

/* Feeds the token set in frames [first, first + n) to the receiving call, damaged as
 * given, and checks the status; when it is not an error, also conf_state, qop and the
 * message (against want_msg). 0 when all is as expected. */
static int attempt(struct cell* c, const struct frames* in, size_t first, size_t n, enum tamper t,
                   OM_uint32 want, const char* label, const gss_buffer_desc* want_msg) {
  const struct receiver* rc = c->check->receiver;
  const size_t count = rc->nframes > 0 ? rc->nframes : n;
  if (first + count > in->n || count != n) {
    fail(c, 0, 0, "%s: %zu frames received, %zu needed", label, n, count);
    return -1;
  }
  struct frames copy = {.n = 0};
  if (frames_copy(&copy, in, first, count) != 0) {
    fail(c, 0, 0, "out of memory");
    return -1;
  }
  apply_tamper(&copy.f[c->check->frame < count ? c->check->frame : 0], t);
  struct outcome o = {GSS_S_COMPLETE, 0, -1, 0, GSS_C_EMPTY_BUFFER};
  c->assoc = t == kOtherAssoc ? kAssocOther : kAssoc;
  rc->fn(c, &copy, &o);
  c->assoc = kAssoc;
  frames_clear(&copy);
  int result = 0;
  if (o.major != want) {
    fail(c, o.major, o.minor, "%s: %s returned 0x%08x, expected 0x%08x", label, rc->call, o.major,
         want);
    result = -1;
  } else if (!GSS_ERROR(want)) {
    const int want_conf = rc->reports_conf ? c->check->conf : -1;
    if (o.conf_state != want_conf) {
      fail(c, 0, 0, "%s: %s conf_state %d, expected %d", label, rc->call, o.conf_state, want_conf);
      result = -1;
    } else if (o.qop != GSS_C_QOP_DEFAULT) {
      fail(c, 0, 0, "%s: %s qop_state %u, expected 0", label, rc->call, o.qop);
      result = -1;
    } else if (!same_bytes(&o.data, want_msg)) {
      fail(c, 0, 0, "%s: %s yields %zu octets that differ from the %zu sent", label, rc->call,
           o.data.length, want_msg->length);
      result = -1;
    }
  }
  free_frame(&o.data);
  return result;
}

/* What the receiver's sequence window says (RFC 2743 §1.2.3, as MIT's g_seqstate does)
 * for a token seen before, a token after a gap, and a late token not seen before. */
static OM_uint32 want_duplicate(OM_uint32 flags) {
  if (flags & GSS_C_REPLAY_FLAG) return GSS_S_DUPLICATE_TOKEN;
  return (flags & GSS_C_SEQUENCE_FLAG) ? GSS_S_UNSEQ_TOKEN : GSS_S_COMPLETE;
}

static OM_uint32 want_gap(OM_uint32 flags) {
  return (flags & GSS_C_SEQUENCE_FLAG) ? GSS_S_GAP_TOKEN : GSS_S_COMPLETE;
}

static OM_uint32 want_late(OM_uint32 flags) {
  return (flags & GSS_C_SEQUENCE_FLAG) ? GSS_S_UNSEQ_TOKEN : GSS_S_COMPLETE;
}

static void print_token_info(struct cell* c, const struct frames* in) {
  struct run* r = c->run;
  if (r->token_info_printed || in->n < 2 || in->f[1].length < 3) return;
  const unsigned char* mic = in->f[1].value;
  /* RFC 4121 §4.2.2: Flags bit 2 (0x04) is AcceptorSubkey. */
  printf("token.acceptor_subkey=%d\ntoken.mic_length=%zu\n", (mic[2] & 0x04) != 0,
         in->f[1].length);
  r->token_info_printed = 1;
}

/* The tokens accepted once, as an undamaged stream. */
static void consume_once(struct cell* c, const struct frames* in) {
  if (c->check->token_info) print_token_info(c, in);
  if (c->check->want_rrc && in->n > 0 && in->f[0].length >= 8) {
    const unsigned char* h = in->f[0].value;
    if (h[6] == 0 && h[7] == 0) fail(c, 0, 0, "token without a TRAILER buffer has RRC 0");
  }
  (void)attempt(c, in, 0, in->n, kIntact, GSS_S_COMPLETE, "intact", c->msg);
}

/* A damaged copy is refused; then the intact token is still accepted. Every attempt
 * is made even after a failure, so that the sequence window stays in step. */
static void consume_tampered(struct cell* c, const struct frames* in) {
  const OM_uint32 want =
      c->size == 0 && c->check->want_empty != 0 ? c->check->want_empty : c->check->want;
  (void)attempt(c, in, 0, in->n, c->check->tamper, want, "damaged", c->msg);
  (void)attempt(c, in, 0, in->n, kIntact, GSS_S_COMPLETE, "intact after the damaged copy", c->msg);
}

/* The same token twice. */
static void consume_replayed(struct cell* c, const struct frames* in) {
  const OM_uint32 flags = c->run->plan->ctx_flags;
  (void)attempt(c, in, 0, in->n, kIntact, GSS_S_COMPLETE, "first", c->msg);
  (void)attempt(c, in, 0, in->n, kIntact, want_duplicate(flags), "replayed", c->msg);
}

/* Two tokens, the second first: a gap, then a late token, then that one again. */
static void consume_out_of_order(struct cell* c, const struct frames* in) {
  const OM_uint32 flags = c->run->plan->ctx_flags;
  const size_t half = in->n / 2;
  (void)attempt(c, in, half, half, kIntact, want_gap(flags), "second token first", c->msg);
  (void)attempt(c, in, 0, half, kIntact, want_late(flags), "first token late", c->msg);
  (void)attempt(c, in, 0, half, kIntact, want_duplicate(flags), "first token again", c->msg);
}

/* [token, limit]: the token unwraps to the message of the limit's size. */
static void consume_size_limit(struct cell* c, const struct frames* in) {
  if (in->n != 2) {
    fail(c, 0, 0, "%zu frames received, 2 needed", in->n);
    return;
  }
  char text[32];
  snprintf(text, sizeof text, "%.*s", (int)in->f[1].length, (const char*)in->f[1].value);
  size_t limit = strtoul(text, NULL, 10);
  gss_buffer_desc msg = {limit, malloc(limit > 0 ? limit : 1)};
  if (msg.value == NULL) {
    fail(c, 0, 0, "out of memory");
    return;
  }
  fill_message(msg.value, limit);
  struct frames token = {.n = 1};
  token.f[0] = in->f[0];
  (void)attempt(c, &token, 0, 1, kIntact, GSS_S_COMPLETE, "message of the size limit", &msg);
  free(msg.value);
}

/* ---- the table --------------------------------------------------------------------- */

/* A damaged token, for messages of every size (damage to the payload or its checksum). */
#define DAMAGED_PAYLOAD(name_, produce_, receiver_, conf_, tamper_, frame_, want_)            \
  {.name = name_, .produce = produce_, .consume = consume_tampered, .receiver = &receiver_,     \
   .conf = conf_, .tamper = tamper_, .frame = frame_, .want = want_}

/* A damaged token whose outcome does not depend on the message size. */
#define DAMAGED(name_, produce_, receiver_, conf_, tamper_, frame_, want_)                    \
  {.name = name_, .produce = produce_, .consume = consume_tampered, .receiver = &receiver_,     \
   .conf = conf_, .tamper = tamper_, .frame = frame_, .want = want_, .small_only = 1}

static const struct check kChecks[] = {
    /* Every producing call with every receiving call that can take its tokens. */
    {.name = "mic", .produce = produce_mic, .consume = consume_once, .receiver = &kVerifyMic,
     .token_info = 1},
    {.name = "mic_to_verify_mic_iov", .produce = produce_mic, .consume = consume_once,
     .receiver = &kVerifyMicIov},
    {.name = "mic_iov", .produce = produce_mic_iov_assoc, .consume = consume_once,
     .receiver = &kVerifyMicIovAssoc},
    {.name = "mic_iov_to_verify_mic", .produce = produce_mic_iov_split, .consume = consume_once,
     .receiver = &kVerifyMic},
    {.name = "mic_iov_sign_only_to_verify_mic", .produce = produce_mic_iov_assoc,
     .consume = consume_once, .receiver = &kVerifyMicConcat},
    {.name = "wrap_conf", .produce = produce_wrap, .consume = consume_once, .receiver = &kUnwrap,
     .conf = 1},
    {.name = "wrap_integ", .produce = produce_wrap, .consume = consume_once, .receiver = &kUnwrap},
    {.name = "wrap_conf_to_unwrap_iov_stream", .produce = produce_wrap, .consume = consume_once,
     .receiver = &kUnwrapIovStream, .conf = 1},
    {.name = "wrap_integ_to_unwrap_iov_stream", .produce = produce_wrap, .consume = consume_once,
     .receiver = &kUnwrapIovStream},
    {.name = "wrap_iov_conf", .produce = produce_wrap_iov, .consume = consume_once,
     .receiver = &kUnwrapIovLayout, .conf = 1},
    {.name = "wrap_iov_integ", .produce = produce_wrap_iov, .consume = consume_once,
     .receiver = &kUnwrapIovLayout},
    {.name = "wrap_iov_conf_to_unwrap", .produce = produce_wrap_iov, .consume = consume_once,
     .receiver = &kUnwrap, .conf = 1},
    {.name = "wrap_iov_integ_to_unwrap", .produce = produce_wrap_iov, .consume = consume_once,
     .receiver = &kUnwrap},
    {.name = "wrap_iov_notrailer_conf", .produce = produce_wrap_iov_notrailer,
     .consume = consume_once, .receiver = &kUnwrapIovNoTrailer, .conf = 1, .want_rrc = 1},
    {.name = "wrap_iov_notrailer_integ", .produce = produce_wrap_iov_notrailer,
     .consume = consume_once, .receiver = &kUnwrapIovNoTrailer, .want_rrc = 1},
    {.name = "wrap_iov_notrailer_conf_to_unwrap", .produce = produce_wrap_iov_notrailer,
     .consume = consume_once, .receiver = &kUnwrap, .conf = 1},
    {.name = "wrap_iov_notrailer_integ_to_unwrap", .produce = produce_wrap_iov_notrailer,
     .consume = consume_once, .receiver = &kUnwrap},
    {.name = "wrap_iov_notrailer_conf_to_unwrap_iov_stream", .produce = produce_wrap_iov_notrailer,
     .consume = consume_once, .receiver = &kUnwrapIovStream, .conf = 1},
    {.name = "wrap_iov_notrailer_integ_to_unwrap_iov_stream",
     .produce = produce_wrap_iov_notrailer, .consume = consume_once, .receiver = &kUnwrapIovStream},
    {.name = "wrap_iov_sign_only_conf", .produce = produce_wrap_iov_assoc, .consume = consume_once,
     .receiver = &kUnwrapIovLayoutAssoc, .conf = 1},
    {.name = "wrap_iov_sign_only_integ", .produce = produce_wrap_iov_assoc,
     .consume = consume_once, .receiver = &kUnwrapIovLayoutAssoc},
    {.name = "wrap_iov_sign_only_conf_to_unwrap_aead", .produce = produce_wrap_iov_assoc,
     .consume = consume_once, .receiver = &kUnwrapAead, .conf = 1},
    {.name = "wrap_iov_sign_only_integ_to_unwrap_aead", .produce = produce_wrap_iov_assoc,
     .consume = consume_once, .receiver = &kUnwrapAead},
    {.name = "wrap_aead_conf", .produce = produce_wrap_aead, .consume = consume_once,
     .receiver = &kUnwrapAead, .conf = 1},
    {.name = "wrap_aead_integ", .produce = produce_wrap_aead, .consume = consume_once,
     .receiver = &kUnwrapAead},
    {.name = "wrap_aead_conf_to_unwrap_iov_stream", .produce = produce_wrap_aead,
     .consume = consume_once, .receiver = &kUnwrapIovStreamAssoc, .conf = 1},
    {.name = "wrap_aead_integ_to_unwrap_iov_stream", .produce = produce_wrap_aead,
     .consume = consume_once, .receiver = &kUnwrapIovStreamAssoc},
    {.name = "wrap_size_limit_conf", .produce = produce_wrap_size_limit,
     .consume = consume_size_limit, .receiver = &kUnwrap, .conf = 1},
    {.name = "wrap_size_limit_integ", .produce = produce_wrap_size_limit,
     .consume = consume_size_limit, .receiver = &kUnwrap},

    /* Damaged tokens (RFC 4121 §4.2.6: TOK_ID, Flags, Filler, EC, RRC, SND_SEQ, then the
     * checksum or ciphertext), with the status MIT 1.20.1 gives: GSS_S_DEFECTIVE_TOKEN
     * for a wrong TOK_ID or filler, for a token too short for its header, and for a
     * confidential token whose outer EC or SND_SEQ differs from the encrypted copy;
     * GSS_S_BAD_SIG for everything the checksum or decryption catches. The EC of an
     * integrity-only token says where the checksum starts: one more octet moves the
     * split (GSS_S_BAD_SIG), unless the token has no message octet to spare
     * (GSS_S_DEFECTIVE_TOKEN). */
    DAMAGED("mic_tampered_tok_id", produce_mic, kVerifyMic, 0, kTokId, 1, GSS_S_DEFECTIVE_TOKEN),
    DAMAGED("mic_tampered_direction", produce_mic, kVerifyMic, 0, kDirection, 1, GSS_S_BAD_SIG),
    DAMAGED("mic_tampered_filler", produce_mic, kVerifyMic, 0, kFiller, 1, GSS_S_DEFECTIVE_TOKEN),
    DAMAGED("mic_tampered_seq", produce_mic, kVerifyMic, 0, kSeq, 1, GSS_S_BAD_SIG),
    DAMAGED("mic_tampered_checksum", produce_mic, kVerifyMic, 0, kLast, 1, GSS_S_BAD_SIG),
    DAMAGED("mic_truncated", produce_mic, kVerifyMic, 0, kTruncated, 1, GSS_S_BAD_SIG),
    DAMAGED("mic_header_only", produce_mic, kVerifyMic, 0, kHeaderOnly, 1, GSS_S_DEFECTIVE_TOKEN),
    DAMAGED_PAYLOAD("mic_tampered_message", produce_mic, kVerifyMic, 0, kMiddle, 0, GSS_S_BAD_SIG),
    DAMAGED("mic_iov_tampered_message", produce_mic_iov_assoc, kVerifyMicIovAssoc, 0, kMiddle, 0,
            GSS_S_BAD_SIG),
    DAMAGED("mic_iov_other_sign_only", produce_mic_iov_assoc, kVerifyMicIovAssoc, 0, kOtherAssoc,
            0, GSS_S_BAD_SIG),
    DAMAGED("wrap_conf_tampered_tok_id", produce_wrap, kUnwrap, 1, kTokId, 0,
            GSS_S_DEFECTIVE_TOKEN),
    DAMAGED("wrap_conf_tampered_direction", produce_wrap, kUnwrap, 1, kDirection, 0, GSS_S_BAD_SIG),
    DAMAGED("wrap_conf_tampered_sealed", produce_wrap, kUnwrap, 1, kSealed, 0, GSS_S_BAD_SIG),
    DAMAGED("wrap_conf_tampered_filler", produce_wrap, kUnwrap, 1, kFiller, 0,
            GSS_S_DEFECTIVE_TOKEN),
    DAMAGED("wrap_conf_tampered_ec", produce_wrap, kUnwrap, 1, kEc, 0, GSS_S_DEFECTIVE_TOKEN),
    DAMAGED("wrap_conf_tampered_rrc", produce_wrap, kUnwrap, 1, kRrc, 0, GSS_S_BAD_SIG),
    DAMAGED("wrap_conf_tampered_seq", produce_wrap, kUnwrap, 1, kSeq, 0, GSS_S_DEFECTIVE_TOKEN),
    DAMAGED_PAYLOAD("wrap_conf_tampered_ciphertext", produce_wrap, kUnwrap, 1, kMiddle, 0, GSS_S_BAD_SIG),
    DAMAGED("wrap_conf_tampered_checksum", produce_wrap, kUnwrap, 1, kLast, 0, GSS_S_BAD_SIG),
    DAMAGED("wrap_conf_truncated", produce_wrap, kUnwrap, 1, kTruncated, 0, GSS_S_BAD_SIG),
    DAMAGED("wrap_conf_header_only", produce_wrap, kUnwrap, 1, kHeaderOnly, 0,
            GSS_S_DEFECTIVE_TOKEN),
    DAMAGED("wrap_integ_tampered_sealed", produce_wrap, kUnwrap, 0, kSealed, 0, GSS_S_BAD_SIG),
    {.name = "wrap_integ_tampered_ec", .produce = produce_wrap, .consume = consume_tampered,
     .receiver = &kUnwrap, .tamper = kEc, .want = GSS_S_BAD_SIG,
     .want_empty = GSS_S_DEFECTIVE_TOKEN, .small_only = 1},
    DAMAGED("wrap_integ_tampered_seq", produce_wrap, kUnwrap, 0, kSeq, 0, GSS_S_BAD_SIG),
    DAMAGED_PAYLOAD("wrap_integ_tampered_message", produce_wrap, kUnwrap, 0, kMiddle, 0, GSS_S_BAD_SIG),
    DAMAGED("wrap_integ_tampered_checksum", produce_wrap, kUnwrap, 0, kLast, 0, GSS_S_BAD_SIG),
    DAMAGED("wrap_conf_tampered_to_unwrap_iov_stream", produce_wrap, kUnwrapIovStream, 1, kMiddle,
            0, GSS_S_BAD_SIG),
    DAMAGED("wrap_integ_tampered_to_unwrap_iov_stream", produce_wrap, kUnwrapIovStream, 0,
            kMiddle, 0, GSS_S_BAD_SIG),
    DAMAGED_PAYLOAD("wrap_iov_conf_tampered_data", produce_wrap_iov, kUnwrapIovLayout, 1, kMiddle, 1,
            GSS_S_BAD_SIG),
    DAMAGED("wrap_iov_integ_tampered_data", produce_wrap_iov, kUnwrapIovLayout, 0, kMiddle, 1,
            GSS_S_BAD_SIG),
    DAMAGED("wrap_iov_conf_tampered_trailer", produce_wrap_iov, kUnwrapIovLayout, 1, kLast, 3,
            GSS_S_BAD_SIG),
    DAMAGED("wrap_iov_notrailer_conf_tampered_header", produce_wrap_iov_notrailer,
            kUnwrapIovNoTrailer, 1, kLast, 0, GSS_S_BAD_SIG),
    DAMAGED("wrap_iov_notrailer_integ_tampered_header", produce_wrap_iov_notrailer,
            kUnwrapIovNoTrailer, 0, kLast, 0, GSS_S_BAD_SIG),
    DAMAGED("wrap_iov_sign_only_conf_other_sign_only", produce_wrap_iov_assoc,
            kUnwrapIovLayoutAssoc, 1, kOtherAssoc, 0, GSS_S_BAD_SIG),
    DAMAGED("wrap_iov_sign_only_integ_other_sign_only", produce_wrap_iov_assoc,
            kUnwrapIovLayoutAssoc, 0, kOtherAssoc, 0, GSS_S_BAD_SIG),
    DAMAGED("wrap_aead_conf_other_assoc", produce_wrap_aead, kUnwrapAead, 1, kOtherAssoc, 0,
            GSS_S_BAD_SIG),
    DAMAGED("wrap_aead_integ_other_assoc", produce_wrap_aead, kUnwrapAead, 0, kOtherAssoc, 0,
            GSS_S_BAD_SIG),

    /* Replay and order (RFC 2743 §1.2.3), judged with the receiver's own flags. */
    {.name = "mic_replayed", .produce = produce_mic, .consume = consume_replayed,
     .receiver = &kVerifyMic, .small_only = 1},
    {.name = "mic_iov_replayed", .produce = produce_mic_iov_assoc, .consume = consume_replayed,
     .receiver = &kVerifyMicIovAssoc, .small_only = 1},
    {.name = "wrap_conf_replayed", .produce = produce_wrap, .consume = consume_replayed,
     .receiver = &kUnwrap, .conf = 1, .small_only = 1},
    {.name = "wrap_integ_replayed", .produce = produce_wrap, .consume = consume_replayed,
     .receiver = &kUnwrap, .small_only = 1},
    {.name = "wrap_iov_conf_replayed", .produce = produce_wrap_iov, .consume = consume_replayed,
     .receiver = &kUnwrapIovLayout, .conf = 1, .small_only = 1},
    {.name = "mic_out_of_order", .produce = produce_mic_pair, .consume = consume_out_of_order,
     .receiver = &kVerifyMic, .small_only = 1},
    {.name = "wrap_conf_out_of_order", .produce = produce_wrap_pair,
     .consume = consume_out_of_order, .receiver = &kUnwrap, .conf = 1, .small_only = 1},
};

enum { kNumChecks = sizeof kChecks / sizeof kChecks[0] };

/* ---- the exchange ------------------------------------------------------------------ */

/* Makes and sends one check's frames; -1 only when the peer cannot be reached. */
static int send_check(struct cell* c) {
  struct frames out = {.n = 0};
  int made = c->check->produce(c, &out) == 0;
  char meta[kKeyMax];
  if (made) snprintf(meta, sizeof meta, "%s %zu", c->check->name, out.n);
  else snprintf(meta, sizeof meta, "%s -", c->check->name);
  int rc = send_frame(c->run->plan->fd, meta, strlen(meta));
  for (size_t i = 0; made && rc == 0 && i < out.n; ++i) {
    rc = send_frame(c->run->plan->fd, out.f[i].value, out.f[i].length);
  }
  frames_clear(&out);
  return rc;
}

/* Receives and judges one check; -1 when the exchange cannot go on. */
static int receive_check(struct cell* c) {
  const int fd = c->run->plan->fd;
  gss_buffer_desc meta;
  if (recv_frame(fd, &meta) != 0) {
    fail(c, 0, 0, "the peer closed the connection");
    return -1;
  }
  char text[kKeyMax];
  snprintf(text, sizeof text, "%.*s", (int)meta.length, (const char*)meta.value);
  free_frame(&meta);
  const size_t name_len = strlen(c->check->name);
  if (strncmp(text, c->check->name, name_len) != 0 || text[name_len] != ' ') {
    fail(c, 0, 0, "out of step: the peer sent \"%s\"", text);
    return -1;
  }
  const char* count = text + name_len + 1;
  if (strcmp(count, "-") == 0) {
    fail(c, 0, 0, "the sender could not make the tokens (see its output)");
    return 0;
  }
  struct frames in = {.n = strtoul(count, NULL, 10)};
  if (in.n > kMaxFrames) {
    fail(c, 0, 0, "out of step: %zu frames announced", in.n);
    return -1;
  }
  for (size_t i = 0; i < in.n; ++i) {
    if (recv_frame(fd, &in.f[i]) != 0) {
      in.n = i;
      frames_clear(&in);
      fail(c, 0, 0, "the peer closed the connection");
      return -1;
    }
  }
  c->check->consume(c, &in);
  frames_clear(&in);
  if (!c->failed) printf("%s=ok\n", c->key);
  return 0;
}

static void print_summary(const struct run* r) {
  if (r->failures == 0) {
    printf("messages=ok\n");
    return;
  }
  printf("messages=fail\nmessage_failures=%u\nmessage_step=%s\nmessage_detail=%s\n", r->failures,
         r->first_key, r->first_detail);
  print_status("message_", r->first_major, r->first_minor, r->plan->mech);
}

/* Is name in the comma-separated list? */
static int listed(const char* list, const char* name) {
  const size_t n = strlen(name);
  for (const char* p = list; p != NULL && *p != '\0';) {
    const char* comma = strchr(p, ',');
    const size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
    if (len == n && strncmp(p, name, n) == 0) return 1;
    p = comma != NULL ? comma + 1 : NULL;
  }
  return 0;
}

static int applies(const struct run* r, const struct check* k, size_t size) {
  if (k->small_only && size > kSizeIndependentMax) return 0;
  return r->plan->only == NULL || listed(r->plan->only, k->name);
}

/* One direction of one size: every check in table order. */
static int run_turn(struct run* r, const gss_buffer_desc* msg, size_t size, int sender_is_initiator) {
  const int sending = r->plan->initiator == sender_is_initiator;
  for (size_t i = 0; i < kNumChecks; ++i) {
    if (!applies(r, &kChecks[i], size)) continue;
    struct cell c = {r, &kChecks[i], size, msg, kAssoc, "", 0};
    snprintf(c.key, sizeof c.key, "msg.%s.%s.size%zu", kChecks[i].name,
             sender_is_initiator ? "i2a" : "a2i", size);
    int rc = sending ? send_check(&c) : receive_check(&c);
    if (rc != 0) {
      if (!c.failed) fail(&c, 0, 0, "the peer closed the connection");
      return -1;
    }
  }
  return 0;
}

int run_messages(gss_ctx_id_t ctx, const struct message_plan* plan) {
  struct run r = {.plan = plan, .ctx = ctx};
  int rc = 0;
  for (size_t i = 0; i < plan->nsizes && rc == 0; ++i) {
    const size_t size = plan->sizes[i];
    gss_buffer_desc msg = {size, malloc(size > 0 ? size : 1)};
    if (msg.value == NULL) {
      printf("messages=fail\nmessage_step=malloc size=%zu\n", size);
      return -1;
    }
    fill_message(msg.value, size);
    /* The initiator sends first, then the acceptor. */
    rc = run_turn(&r, &msg, size, 1);
    if (rc == 0) rc = run_turn(&r, &msg, size, 0);
    free(msg.value);
  }
  print_summary(&r);
  return r.failures == 0 && rc == 0 ? 0 : -1;
}

void list_message_checks(void) {
  for (size_t i = 0; i < kNumChecks; ++i) {
    if (kChecks[i].small_only) printf("check.%s=%d\n", kChecks[i].name, kSizeIndependentMax);
    else printf("check.%s=all\n", kChecks[i].name);
  }
}
