// Exported per-message calls (RFC 4121 §4.2): thin adapters that lay the caller's buffers
// out as header, message segments and trailer for the one seal/unseal core.
#include <gssapi/gssapi_ext.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "core/protection.h"
#include "spi/abi.h"

using apx::base::Minor;
using apx::base::Result;
using apx::base::Status;
using apx::core::Context;
using apx::core::Protection;
using apx::crypto::CryptoIov;
using apx::crypto::IovKind;
using namespace apx::spi;
namespace tok = apx::token;

namespace {

constexpr size_t kHdr = tok::kCfxHeaderSize;
constexpr size_t kMaxIov = 32;

std::span<uint8_t> span_of(gss_buffer_desc& b) {
  return {static_cast<uint8_t*>(b.value), b.value ? b.length : 0};
}

// The established context behind a handle, or why there is none.
Result<Context*> context_of(gss_ctx_id_t handle) {
  if (handle == GSS_C_NO_CONTEXT) return Status::no_context(Minor::kCtxIncomplete);
  Context* ctx = as_ctx(handle);
  APX_TRY(ctx->usable());
  return ctx;
}

Status check_qop(gss_qop_t qop) {
  return qop == GSS_C_QOP_DEFAULT ? Status::complete()
                                  : Status(GSS_S_BAD_QOP, apx::base::code(Minor::kMsgQopUnsupported));
}

// The caller's IOV array, sorted by role. DATA and SIGN_ONLY keep their order.
struct Buffers {
  gss_iov_buffer_desc* header = nullptr;
  gss_iov_buffer_desc* trailer = nullptr;
  gss_iov_buffer_desc* padding = nullptr;
  gss_iov_buffer_desc* stream = nullptr;
  gss_iov_buffer_desc* mic = nullptr;
  gss_iov_buffer_desc* data = nullptr;  // the first DATA buffer
  std::array<CryptoIov, kMaxIov> msg{};
  size_t n = 0;
  [[nodiscard]] std::span<const CryptoIov> view() const { return {msg.data(), n}; }
};

Result<Buffers> classify(gss_iov_buffer_desc* iov, int count) {
  if (iov == nullptr || count < 0) return Status::call_inaccessible_read();
  Buffers b;
  for (int i = 0; i < count; ++i) {
    gss_iov_buffer_desc* e = &iov[i];
    gss_iov_buffer_desc** single = nullptr;
    switch (GSS_IOV_BUFFER_TYPE(e->type)) {
      case GSS_IOV_BUFFER_TYPE_EMPTY:
        continue;
      case GSS_IOV_BUFFER_TYPE_HEADER: single = &b.header; break;
      case GSS_IOV_BUFFER_TYPE_TRAILER: single = &b.trailer; break;
      case GSS_IOV_BUFFER_TYPE_PADDING: single = &b.padding; break;
      case GSS_IOV_BUFFER_TYPE_STREAM: single = &b.stream; break;
      case GSS_IOV_BUFFER_TYPE_MIC_TOKEN: single = &b.mic; break;
      case GSS_IOV_BUFFER_TYPE_DATA:
      case GSS_IOV_BUFFER_TYPE_SIGN_ONLY: {
        if (b.n == kMaxIov) return Status::failure(Minor::kMsgIovInvalid);
        const bool data = GSS_IOV_BUFFER_TYPE(e->type) == GSS_IOV_BUFFER_TYPE_DATA;
        if (data && b.data == nullptr) b.data = e;
        b.msg[b.n++] = {data ? IovKind::data : IovKind::sign_only, span_of(e->buffer)};
        continue;
      }
      default:
        return Status::failure(Minor::kMsgIovInvalid);
    }
    if (*single != nullptr) return Status::failure(Minor::kMsgIovInvalid);
    *single = e;
  }
  return b;
}

// Gives an IOV buffer `size` octets: allocated when the caller set ALLOCATE, else checked
// against what the caller provided. The length is set to `size`.
Status size_buffer(gss_iov_buffer_desc* e, size_t size) {
  if ((e->type & GSS_IOV_BUFFER_FLAG_ALLOCATE) && size == 0) {
    // Nothing to allocate: the mechglue's gss_release_buffer frees only non-empty buffers,
    // so a placeholder octet here would never be freed.
    e->buffer.value = nullptr;
  } else if (e->type & GSS_IOV_BUFFER_FLAG_ALLOCATE) {
    void* p = std::malloc(size);
    if (p == nullptr) return Status::no_memory();
    e->buffer.value = p;
    e->type |= GSS_IOV_BUFFER_FLAG_ALLOCATED;
  } else if (e->buffer.length < size || (size != 0 && e->buffer.value == nullptr)) {
    return Status::failure(Minor::kMsgIovInvalid);
  }
  e->buffer.length = size;
  return Status::complete();
}


// ---- RFC 1964 / RFC 4757 Wrap tokens (DES3, RC4 contexts): MIT's layouts (k5seal.c,
// k5sealiov.c, k5unsealiov.c): header ‖ confounder in the HEADER buffer, the message in
// the DATA buffers, the pad octets in the PADDING buffer, no trailer.

OM_uint32 legacy_wrap(OM_uint32* minor, Protection& p, bool conf, std::span<const uint8_t> msg,
                      int* conf_state, gss_buffer_t output) {
  const apx::core::LegacyWrapSizes sizes = p.legacy_wrap_sizes(msg.size(), false);
  const size_t total = sizes.header + msg.size() + sizes.padding;
  auto* out = static_cast<uint8_t*>(std::malloc(total));
  if (out == nullptr) return report(minor, Status::no_memory());
  std::span<uint8_t> all(out, total);
  if (!msg.empty()) std::memcpy(out + sizes.header, msg.data(), msg.size());
  const CryptoIov iov[] = {{IovKind::data, all.subspan(sizes.header, msg.size())}};
  Status s = p.legacy_seal(conf, all.first(sizes.header), iov, all.last(sizes.padding), false);
  if (!s.ok()) {
    std::free(out);
    return report(minor, s);
  }
  output->value = out;
  output->length = total;
  if (conf_state != nullptr) *conf_state = conf ? 1 : 0;
  return report(minor, Status::complete());
}

OM_uint32 legacy_unwrap(OM_uint32* minor, Protection& p, std::span<const uint8_t> token,
                        gss_buffer_t output, int* conf_state) {
  auto* out = static_cast<uint8_t*>(std::malloc(token.empty() ? 1 : token.size()));
  if (out == nullptr) return report(minor, Status::no_memory());
  auto r = p.legacy_unwrap(token, {out, token.size()});
  if (!r || r->plain.empty()) std::free(out);
  if (!r) return report(minor, r.error());
  if (!r->plain.empty()) {
    output->value = out;
    output->length = r->plain.size();
  }
  if (conf_state != nullptr) *conf_state = r->conf ? 1 : 0;
  return report(minor, Status(r->supplementary, 0));
}

size_t data_size(const Buffers& b) {
  size_t n = 0;
  for (const CryptoIov& i : b.view())
    if (i.kind == IovKind::data) n += i.buf.size();
  return n;
}

// MIT: a PADDING buffer is required unless DCE style (whose caller pads the data itself);
// a TRAILER buffer is given length 0.
Status legacy_wrap_iov(Protection& p, bool conf, Buffers& b, bool seal) {
  const bool dce = p.dce_style();
  if (b.header == nullptr || b.stream != nullptr || b.mic != nullptr ||
      (b.padding == nullptr && !dce))
    return Status::failure(Minor::kMsgIovInvalid);
  if (b.data == nullptr) conf = false;  // MIT: nothing to encrypt, integrity only
  const apx::core::LegacyWrapSizes sizes = p.legacy_wrap_sizes(data_size(b), dce);
  if (!seal) {
    b.header->buffer.length = sizes.header;
    if (b.trailer != nullptr) b.trailer->buffer.length = 0;
    if (b.padding != nullptr) b.padding->buffer.length = sizes.padding;
    return Status::complete();
  }
  APX_TRY(size_buffer(b.header, sizes.header));
  if (b.trailer != nullptr) APX_TRY(size_buffer(b.trailer, 0));
  std::span<uint8_t> padding;
  if (b.padding != nullptr) {
    APX_TRY(size_buffer(b.padding, sizes.padding));
    padding = span_of(b.padding->buffer);
  }
  return p.legacy_seal(conf, span_of(b.header->buffer), b.view(), padding, dce);
}

// MIT kg_fixup_padding_iov: with a non-empty PADDING buffer, the pad's length (its last
// octet) beyond that buffer is taken off the DATA buffer.
Status legacy_fix_padding(Buffers& b, size_t pad) {
  if (b.padding == nullptr || b.padding->buffer.length == 0 || b.data == nullptr)
    return Status::complete();
  const size_t have = b.padding->buffer.length;
  if (pad < have || b.data->buffer.length < pad - have)
    return Status::defective_token(Minor::kMsgBadFiller);
  b.data->buffer.length -= pad - have;
  b.padding->buffer.length = 0;
  return Status::complete();
}

Result<Protection::Unsealed> legacy_unwrap_parts(Protection& p, Buffers& b) {
  if (b.header == nullptr) return Status::failure(Minor::kMsgIovInvalid);
  if (b.trailer != nullptr && b.trailer->buffer.length != 0)
    return Status::defective_token(Minor::kTokenTruncated);
  const bool dce = p.dce_style();
  // The framing's length covers the data and padding too, except in DCE style.
  size_t total = b.header->buffer.length;
  if (!dce) total += data_size(b) + (b.padding ? b.padding->buffer.length : 0);
  std::span<uint8_t> padding = b.padding ? span_of(b.padding->buffer) : std::span<uint8_t>();
  APX_TRY_ASSIGN(const Protection::LegacyUnsealed u,
                 p.legacy_unseal(span_of(b.header->buffer), total, b.view(), padding, dce));
  if (!dce) APX_TRY(legacy_fix_padding(b, u.pad));
  return Protection::Unsealed{u.conf, u.supplementary};
}

// MIT kg_unseal_stream_iov: header ‖ confounder, then the data, then one octet taken as
// the padding (its value, the pad's length, is known after decryption).
Result<Protection::Unsealed> legacy_unwrap_stream(Protection& p, Buffers& b) {
  if (b.data == nullptr || b.header || b.trailer || p.dce_style())
    return Status::failure(Minor::kMsgIovInvalid);
  std::span<uint8_t> token = span_of(b.stream->buffer);
  APX_TRY_ASSIGN(const size_t head, p.legacy_header_size(token, token.size()));
  if (token.size() < head + 1) return Status::defective_token(Minor::kTokenTruncated);
  std::span<uint8_t> data = token.subspan(head, token.size() - head - 1);
  size_t data_buffers = 0;
  for (size_t i = 0; i < b.n; ++i) {
    if (b.msg[i].kind != IovKind::data) continue;
    b.msg[i].buf = data;
    ++data_buffers;
  }
  if (data_buffers != 1) return Status::failure(Minor::kMsgIovInvalid);
  APX_TRY_ASSIGN(const Protection::LegacyUnsealed u,
                 p.legacy_unseal(token.first(head), token.size(), b.view(), token.last(1), false));
  // legacy_unseal refused a pad of 0 or longer than data and padding.
  const size_t len = data.size() - (u.pad - 1);
  if (b.data->type & GSS_IOV_BUFFER_FLAG_ALLOCATE) {
    APX_TRY(size_buffer(b.data, len));
    if (len != 0) std::memcpy(b.data->buffer.value, data.data(), len);
  } else {
    b.data->buffer.value = data.data();
    b.data->buffer.length = len;
  }
  return Protection::Unsealed{u.conf, u.supplementary};
}

}  // namespace

APX_EXPORT OM_uint32 gss_get_mic(OM_uint32* minor, gss_ctx_id_t handle, gss_qop_t qop,
                                 gss_buffer_t message, gss_buffer_t token) {
  return guarded(minor, [&] {
    clear_buffer(token);
    if (token == GSS_C_NO_BUFFER) return report(minor, Status::call_inaccessible_write());
    auto ctx = context_of(handle);
    if (!ctx) return report(minor, ctx.error());
    if (Status s = check_qop(qop); !s.ok()) return report(minor, s);
    Protection& p = *(*ctx)->protection();
    auto size = p.mic_size();
    if (!size) return report(minor, size.error());
    auto* out = static_cast<uint8_t*>(std::malloc(*size));
    if (out == nullptr) return report(minor, Status::no_memory());
    const auto msg = bytes_of(message);
    const CryptoIov iov[] = {{IovKind::data, {const_cast<uint8_t*>(msg.data()), msg.size()}}};
    if (Status s = p.get_mic(iov, {out, *size}); !s.ok()) {
      std::free(out);
      return report(minor, s);
    }
    token->value = out;
    token->length = *size;
    return report(minor, Status::complete());
  });
}

APX_EXPORT OM_uint32 gss_verify_mic(OM_uint32* minor, gss_ctx_id_t handle, gss_buffer_t message,
                                    gss_buffer_t token, gss_qop_t* qop_state) {
  return guarded(minor, [&] {
    if (qop_state != nullptr) *qop_state = GSS_C_QOP_DEFAULT;
    auto ctx = context_of(handle);
    if (!ctx) return report(minor, ctx.error());
    const auto msg = bytes_of(message);
    const CryptoIov iov[] = {{IovKind::data, {const_cast<uint8_t*>(msg.data()), msg.size()}}};
    auto supp = (*ctx)->protection()->verify_mic(iov, bytes_of(token));
    if (!supp) return report(minor, supp.error());
    return report(minor, Status(*supp, 0));
  });
}

APX_EXPORT OM_uint32 gss_wrap(OM_uint32* minor, gss_ctx_id_t handle, int conf_req, gss_qop_t qop,
                              gss_buffer_t input, int* conf_state, gss_buffer_t output) {
  return guarded(minor, [&] {
    clear_buffer(output);
    if (conf_state != nullptr) *conf_state = 0;
    if (output == GSS_C_NO_BUFFER) return report(minor, Status::call_inaccessible_write());
    auto ctx = context_of(handle);
    if (!ctx) return report(minor, ctx.error());
    if (Status s = check_qop(qop); !s.ok()) return report(minor, s);
    Protection& p = *(*ctx)->protection();
    const bool conf = conf_req != 0;
    if (p.legacy()) return legacy_wrap(minor, p, conf, bytes_of(input), conf_state, output);
    auto sizes = p.wrap_sizes(conf);
    if (!sizes) return report(minor, sizes.error());
    const auto msg = bytes_of(input);
    // One allocation, the token: header ‖ [confounder] ‖ message ‖ trailer (RRC 0, as MIT).
    const size_t total = sizes->header + msg.size() + sizes->trailer;
    auto* out = static_cast<uint8_t*>(std::malloc(total));
    if (out == nullptr) return report(minor, Status::no_memory());
    std::span<uint8_t> all(out, total);
    if (!msg.empty()) std::memcpy(out + sizes->header, msg.data(), msg.size());
    const CryptoIov iov[] = {{IovKind::data, all.subspan(sizes->header, msg.size())}};
    Status s = p.seal(conf, 0, all.first(kHdr), all.subspan(kHdr, sizes->header - kHdr), iov,
                      all.last(sizes->trailer));
    if (!s.ok()) {
      std::free(out);
      return report(minor, s);
    }
    output->value = out;
    output->length = total;
    if (conf_state != nullptr) *conf_state = conf ? 1 : 0;
    return report(minor, Status::complete());
  });
}

APX_EXPORT OM_uint32 gss_unwrap(OM_uint32* minor, gss_ctx_id_t handle, gss_buffer_t input,
                                gss_buffer_t output, int* conf_state, gss_qop_t* qop_state) {
  return guarded(minor, [&] {
    clear_buffer(output);
    if (conf_state != nullptr) *conf_state = 0;
    if (qop_state != nullptr) *qop_state = GSS_C_QOP_DEFAULT;
    if (output == GSS_C_NO_BUFFER) return report(minor, Status::call_inaccessible_write());
    auto ctx = context_of(handle);
    if (!ctx) return report(minor, ctx.error());
    const auto token = bytes_of(input);
    if ((*ctx)->protection()->legacy())
      return legacy_unwrap(minor, *(*ctx)->protection(), token, output, conf_state);
    if (token.size() < kHdr) {
      auto h = (*ctx)->protection()->wrap_header(token);  // says why
      return report(minor, h ? Status::defective_token(Minor::kTokenTruncated) : h.error());
    }
    // The output buffer is the only allocation; the caller's token is never written.
    const size_t body = token.size() - kHdr;
    auto* out = static_cast<uint8_t*>(std::malloc(body ? body : 1));
    if (out == nullptr) return report(minor, Status::no_memory());
    auto r = (*ctx)->protection()->unwrap(token, {out, body});
    if (!r || r->plain.empty()) std::free(out);
    if (!r) return report(minor, r.error());
    if (!r->plain.empty()) {
      output->value = out;
      output->length = r->plain.size();
    }
    if (conf_state != nullptr) *conf_state = r->conf ? 1 : 0;
    return report(minor, Status(r->supplementary, 0));
  });
}

APX_EXPORT OM_uint32 gss_wrap_size_limit(OM_uint32* minor, gss_ctx_id_t handle, int conf_req,
                                         gss_qop_t qop, OM_uint32 req_output_size,
                                         OM_uint32* max_input_size) {
  return guarded(minor, [&] {
    if (max_input_size != nullptr) *max_input_size = 0;
    auto ctx = context_of(handle);
    if (!ctx) return report(minor, ctx.error());
    if (Status s = check_qop(qop); !s.ok()) return report(minor, s);
    auto n = (*ctx)->protection()->max_input(conf_req != 0, req_output_size);
    if (!n) return report(minor, n.error());
    if (max_input_size != nullptr) *max_input_size = static_cast<OM_uint32>(*n);
    return report(minor, Status::complete());
  });
}

namespace {

// Sizes (and with `seal`, fills) the HEADER, PADDING and TRAILER buffers of a wrap_iov
// call. Without a TRAILER buffer the trailer travels in the header, rotated (RRC), as MIT
// lays it out: header ‖ trailer ‖ confounder.
Status wrap_iov(Protection& p, bool conf, Buffers& b, bool seal) {
  if (b.header == nullptr || b.stream != nullptr || b.mic != nullptr)
    return Status::failure(Minor::kMsgIovInvalid);
  APX_TRY_ASSIGN(const apx::core::WrapSizes sizes, p.wrap_sizes(conf));
  const size_t conf_size = sizes.header - kHdr;
  const size_t in_header = b.trailer ? sizes.header : sizes.header + sizes.trailer;
  if (!seal) {
    b.header->buffer.length = in_header;
    if (b.trailer != nullptr) b.trailer->buffer.length = sizes.trailer;
    if (b.padding != nullptr) b.padding->buffer.length = 0;
    return Status::complete();
  }
  APX_TRY(size_buffer(b.header, in_header));
  if (b.trailer != nullptr) APX_TRY(size_buffer(b.trailer, sizes.trailer));
  if (b.padding != nullptr) APX_TRY(size_buffer(b.padding, 0));
  std::span<uint8_t> header = span_of(b.header->buffer);
  std::span<uint8_t> trailer = b.trailer ? span_of(b.trailer->buffer)
                                         : header.subspan(kHdr, sizes.trailer);
  std::span<uint8_t> confounder = header.subspan(in_header - conf_size, conf_size);
  const uint16_t rrc = b.trailer ? 0 : static_cast<uint16_t>(sizes.trailer);
  return p.seal(conf, rrc, header.first(kHdr), confounder, b.view(), trailer);
}

}  // namespace

namespace {

// gss_wrap_iov (`seal`) and gss_wrap_iov_length share everything but the sealing.
OM_uint32 wrap_iov_call(OM_uint32* minor, gss_ctx_id_t handle, int conf_req, gss_qop_t qop,
                        int* conf_state, gss_iov_buffer_desc* iov, int count, bool seal) {
  if (conf_state != nullptr) *conf_state = 0;
  auto ctx = context_of(handle);
  if (!ctx) return report(minor, ctx.error());
  if (Status s = check_qop(qop); !s.ok()) return report(minor, s);
  auto b = classify(iov, count);
  if (!b) return report(minor, b.error());
  Protection& p = *(*ctx)->protection();
  if (Status s = p.legacy() ? legacy_wrap_iov(p, conf_req != 0, *b, seal)
                            : wrap_iov(p, conf_req != 0, *b, seal);
      !s.ok())
    return report(minor, s);
  if (conf_state != nullptr) *conf_state = conf_req != 0;
  return report(minor, Status::complete());
}

}  // namespace

APX_EXPORT OM_uint32 gss_wrap_iov(OM_uint32* minor, gss_ctx_id_t handle, int conf_req,
                                  gss_qop_t qop, int* conf_state, gss_iov_buffer_desc* iov,
                                  int count) {
  return guarded(minor, [&] {
    return wrap_iov_call(minor, handle, conf_req, qop, conf_state, iov, count, true);
  });
}

APX_EXPORT OM_uint32 gss_wrap_iov_length(OM_uint32* minor, gss_ctx_id_t handle, int conf_req,
                                         gss_qop_t qop, int* conf_state,
                                         gss_iov_buffer_desc* iov, int count) {
  return guarded(minor, [&] {
    return wrap_iov_call(minor, handle, conf_req, qop, conf_state, iov, count, false);
  });
}

namespace {

// GSS_IOV_BUFFER_TYPE_STREAM: the whole token in one buffer. The rotation is undone in
// the caller's buffer (IOV calls work in place), and the DATA buffer is pointed at the
// message inside it, or given a copy when it asks for ALLOCATE.
Result<Protection::Unsealed> unwrap_stream(Protection& p, Buffers& b) {
  if (b.data == nullptr || b.header || b.trailer) return Status::failure(Minor::kMsgIovInvalid);
  std::span<uint8_t> token = span_of(b.stream->buffer);
  APX_TRY_ASSIGN(const tok::CfxHeader h, p.wrap_header(token));
  std::span<uint8_t> body = token.subspan(kHdr);
  APX_TRY_ASSIGN(const Protection::BodyLayout l, p.body_layout(h, body.size()));
  if (!body.empty()) {
    const size_t r = p.rotation(h) % body.size();
    std::rotate(body.begin(), body.begin() + static_cast<ptrdiff_t>(r), body.end());
  }
  const size_t conf_size = l.confounder, data_len = l.data;
  std::span<uint8_t> data = body.subspan(conf_size, data_len);
  size_t data_buffers = 0;
  for (size_t i = 0; i < b.n; ++i) {
    if (b.msg[i].kind != IovKind::data) continue;
    b.msg[i].buf = data;  // the message inside the stream
    ++data_buffers;
  }
  if (data_buffers != 1) return Status::failure(Minor::kMsgIovInvalid);
  APX_TRY_ASSIGN(const Protection::Unsealed u,
                 p.unseal(h, token.first(kHdr), body.first(conf_size), b.view(),
                          body.subspan(conf_size + data_len)));
  if (b.data->type & GSS_IOV_BUFFER_FLAG_ALLOCATE) {
    APX_TRY(size_buffer(b.data, data_len));
    if (data_len != 0) std::memcpy(b.data->buffer.value, data.data(), data_len);
  } else {
    b.data->buffer.value = data.data();
    b.data->buffer.length = data_len;
  }
  return u;
}

Result<Protection::Unsealed> unwrap_parts(Protection& p, Buffers& b) {
  if (b.header == nullptr) return Status::failure(Minor::kMsgIovInvalid);
  std::span<uint8_t> header = span_of(b.header->buffer);
  APX_TRY_ASSIGN(const tok::CfxHeader h, p.wrap_header(header));
  APX_TRY_ASSIGN(const size_t tsize, p.received_trailer_size(h));
  const size_t conf_size = (h.flags & tok::kFlagSealed) ? 16 : 0;
  const size_t rotation = p.rotation(h);
  std::span<uint8_t> trailer;
  std::span<uint8_t> confounder;
  if (b.trailer != nullptr) {
    // Trailer apart: nothing may be rotated into the header.
    if (rotation != 0 || header.size() != kHdr + conf_size ||
        b.trailer->buffer.length != tsize)
      return Status::defective_token(Minor::kTokenTruncated);
    trailer = span_of(b.trailer->buffer);
    confounder = header.subspan(kHdr);
  } else {
    // MIT's layout without a TRAILER buffer: header ‖ trailer ‖ confounder, RRC = trailer.
    if (rotation != tsize || header.size() != kHdr + tsize + conf_size)
      return Status::defective_token(Minor::kTokenTruncated);
    trailer = header.subspan(kHdr, tsize);
    confounder = header.subspan(kHdr + tsize);
  }
  if (b.padding != nullptr && b.padding->buffer.length != 0)
    return Status::failure(Minor::kMsgIovInvalid);
  return p.unseal(h, header.first(kHdr), confounder, b.view(), trailer);
}

}  // namespace

APX_EXPORT OM_uint32 gss_unwrap_iov(OM_uint32* minor, gss_ctx_id_t handle, int* conf_state,
                                    gss_qop_t* qop_state, gss_iov_buffer_desc* iov, int count) {
  return guarded(minor, [&] {
    if (conf_state != nullptr) *conf_state = 0;
    if (qop_state != nullptr) *qop_state = GSS_C_QOP_DEFAULT;
    auto ctx = context_of(handle);
    if (!ctx) return report(minor, ctx.error());
    auto b = classify(iov, count);
    if (!b) return report(minor, b.error());
    Protection& p = *(*ctx)->protection();
    auto u = p.legacy() ? (b->stream ? legacy_unwrap_stream(p, *b) : legacy_unwrap_parts(p, *b))
                        : (b->stream ? unwrap_stream(p, *b) : unwrap_parts(p, *b));
    if (!u) return report(minor, u.error());
    if (conf_state != nullptr) *conf_state = u->conf ? 1 : 0;
    return report(minor, Status(u->supplementary, 0));
  });
}

namespace {

// gss_get_mic_iov (`sign`) and gss_get_mic_iov_length share everything but the signing.
OM_uint32 get_mic_iov_call(OM_uint32* minor, gss_ctx_id_t handle, gss_qop_t qop,
                           gss_iov_buffer_desc* iov, int count, bool sign) {
  auto ctx = context_of(handle);
  if (!ctx) return report(minor, ctx.error());
  if (Status s = check_qop(qop); !s.ok()) return report(minor, s);
  auto b = classify(iov, count);
  if (!b) return report(minor, b.error());
  if (b->mic == nullptr) return report(minor, Status::failure(Minor::kMsgIovInvalid));
  Protection& p = *(*ctx)->protection();
  auto size = p.mic_size();
  if (!size) return report(minor, size.error());
  if (!sign) {
    b->mic->buffer.length = *size;
    return report(minor, Status::complete());
  }
  if (Status s = size_buffer(b->mic, *size); !s.ok()) return report(minor, s);
  return report(minor, p.get_mic(b->view(), span_of(b->mic->buffer)));
}

}  // namespace

APX_EXPORT OM_uint32 gss_get_mic_iov(OM_uint32* minor, gss_ctx_id_t handle, gss_qop_t qop,
                                     gss_iov_buffer_desc* iov, int count) {
  return guarded(minor, [&] { return get_mic_iov_call(minor, handle, qop, iov, count, true); });
}

APX_EXPORT OM_uint32 gss_get_mic_iov_length(OM_uint32* minor, gss_ctx_id_t handle, gss_qop_t qop,
                                            gss_iov_buffer_desc* iov, int count) {
  return guarded(minor, [&] { return get_mic_iov_call(minor, handle, qop, iov, count, false); });
}

APX_EXPORT OM_uint32 gss_verify_mic_iov(OM_uint32* minor, gss_ctx_id_t handle,
                                        gss_qop_t* qop_state, gss_iov_buffer_desc* iov,
                                        int count) {
  return guarded(minor, [&] {
    if (qop_state != nullptr) *qop_state = GSS_C_QOP_DEFAULT;
    auto ctx = context_of(handle);
    if (!ctx) return report(minor, ctx.error());
    auto b = classify(iov, count);
    if (!b) return report(minor, b.error());
    if (b->mic == nullptr) return report(minor, Status::failure(Minor::kMsgIovInvalid));
    auto supp = (*ctx)->protection()->verify_mic(b->view(), span_of(b->mic->buffer));
    if (!supp) return report(minor, supp.error());
    return report(minor, Status(*supp, 0));
  });
}

APX_GSSI(get_mic, gss_get_mic)
APX_GSSI(verify_mic, gss_verify_mic)
APX_GSSI(wrap, gss_wrap)
APX_GSSI(unwrap, gss_unwrap)
APX_GSSI(wrap_size_limit, gss_wrap_size_limit)
APX_GSSI(wrap_iov, gss_wrap_iov)
APX_GSSI(wrap_iov_length, gss_wrap_iov_length)
APX_GSSI(unwrap_iov, gss_unwrap_iov)
APX_GSSI(get_mic_iov, gss_get_mic_iov)
APX_GSSI(get_mic_iov_length, gss_get_mic_iov_length)
APX_GSSI(verify_mic_iov, gss_verify_mic_iov)
