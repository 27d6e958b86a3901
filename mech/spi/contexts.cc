// Exported context-establishment calls.
#include "base/trace.h"
#include "core/oids.h"
#include "core/ticket_cache.h"
#include "spi/abi.h"

using apx::base::Minor;
using apx::base::Status;
using apx::core::Context;
using apx::core::Cred;
using namespace apx::spi;

namespace {

void clear_init_outputs(gss_OID* actual_mech, gss_buffer_t out, OM_uint32* ret_flags,
                        OM_uint32* time_rec) {
  if (actual_mech != nullptr) *actual_mech = GSS_C_NO_OID;
  clear_buffer(out);
  if (ret_flags != nullptr) *ret_flags = 0;
  if (time_rec != nullptr) *time_rec = 0;
}

// The first call of gss_init_sec_context makes the context.
OM_uint32 start_initiator(OM_uint32* minor, gss_cred_id_t cred_handle, gss_ctx_id_t* handle,
                          gss_name_t target, gss_OID mech_type, OM_uint32 req_flags,
                          OM_uint32 time_req) {
  const gss_OID_desc* mech = apx::core::served_mech(mech_type);
  if (mech == nullptr) return report(minor, Status::bad_mech(Minor::kMechUnsupported));
  if (target == GSS_C_NO_NAME) return report(minor, Status::bad_name(Minor::kNameNotMechName));
  std::shared_ptr<Cred> cred;
  if (cred_handle != GSS_C_NO_CREDENTIAL) {
    cred = as_cred(cred_handle)->cred;
  } else {
    // Resolved by the target, and reused while nothing it was chosen from changed.
    auto def = apx::core::default_initiator_cred(*as_name(target));
    if (!def) return report(minor, def.error());
    cred = std::move(*def);
  }
  auto ctx = Context::new_initiator(std::move(cred), *as_name(target), *mech, req_flags, time_req);
  if (!ctx) return report(minor, ctx.error());
  *handle = to_handle(ctx->release());
  return GSS_S_COMPLETE;
}

}  // namespace

APX_EXPORT OM_uint32 gss_init_sec_context(OM_uint32* minor, gss_cred_id_t cred,
                                          gss_ctx_id_t* handle, gss_name_t target,
                                          gss_OID mech_type, OM_uint32 req_flags,
                                          OM_uint32 time_req, gss_channel_bindings_t cb,
                                          gss_buffer_t input, gss_OID* actual_mech,
                                          gss_buffer_t output, OM_uint32* ret_flags,
                                          OM_uint32* time_rec) {
  return guarded(minor, [&] {
    clear_init_outputs(actual_mech, output, ret_flags, time_rec);
    if (handle == nullptr || output == GSS_C_NO_BUFFER)
      return report(minor, Status::call_inaccessible_write());
    const bool first = *handle == GSS_C_NO_CONTEXT;
    if (first) {
      apx::base::trace("init_sec_context: start, flags 0x%x", req_flags);
      if (OM_uint32 major = start_initiator(minor, cred, handle, target, mech_type, req_flags,
                                            time_req);
          major != GSS_S_COMPLETE)
        return major;
    }
    Context* ctx = as_ctx(*handle);
    if (ctx->role() != apx::core::Role::kInitiator)
      return report(minor, Status::no_context(Minor::kCtxWrongRole));
    apx::core::Step step = ctx->init_step(cb, bytes_of(input));
    if (Status s = set_buffer(output, step.token); !s.ok()) step.status = s;
    if (!step.status.ok()) {
      // Like MIT, a failed context is gone: the caller must start again.
      delete ctx;
      *handle = GSS_C_NO_CONTEXT;
      return report(minor, step.status);
    }
    if (actual_mech != nullptr) *actual_mech = const_cast<gss_OID>(&ctx->mech());
    if (ret_flags != nullptr) *ret_flags = ctx->flags();
    if (time_rec != nullptr) *time_rec = ctx->lifetime();
    return report(minor, step.status);
  });
}

// The outputs of a successful step (COMPLETE, or CONTINUE_NEEDED of a DCE-style second leg,
// where MIT gives no name, flags or delegation yet).
static void accept_outputs(Context& ctx, const apx::core::Step& step, gss_name_t* src_name,
                    gss_OID* mech_type, OM_uint32* ret_flags, OM_uint32* time_rec,
                    gss_cred_id_t* delegated) {
  if (mech_type != nullptr) *mech_type = const_cast<gss_OID>(&ctx.mech());
  if (step.status.major() == GSS_S_CONTINUE_NEEDED) return;
  if (src_name != nullptr && ctx.initiator_name())
    *src_name = to_handle(new apx::core::Name(*ctx.initiator_name()));
  if (delegated != nullptr) {
    if (auto d = ctx.take_delegated()) *delegated = to_handle(new CredHandle{std::move(d)});
  }
  // MIT reports GSS_C_DELEG_FLAG whenever the delegated tickets were read, whether or not
  // the caller asked for them.
  if (ret_flags != nullptr) *ret_flags = ctx.flags();
  if (time_rec != nullptr) *time_rec = ctx.lifetime();
}

APX_EXPORT OM_uint32 gss_accept_sec_context(OM_uint32* minor, gss_ctx_id_t* handle,
                                            gss_cred_id_t cred_handle, gss_buffer_t input,
                                            gss_channel_bindings_t cb, gss_name_t* src_name,
                                            gss_OID* mech_type, gss_buffer_t output,
                                            OM_uint32* ret_flags, OM_uint32* time_rec,
                                            gss_cred_id_t* delegated) {
  return guarded(minor, [&] {
    if (src_name != nullptr) *src_name = GSS_C_NO_NAME;
    if (delegated != nullptr) *delegated = GSS_C_NO_CREDENTIAL;
    clear_init_outputs(mech_type, output, ret_flags, time_rec);
    if (handle == nullptr || output == GSS_C_NO_BUFFER)
      return report(minor, Status::call_inaccessible_write());
    apx::base::trace("accept_sec_context: token of %zu bytes",
                     input != GSS_C_NO_BUFFER ? input->length : size_t{0});
    std::unique_ptr<Context> ctx;
    if (*handle != GSS_C_NO_CONTEXT) {
      // A later call: only a DCE-style acceptor waits for one (the third leg).
      ctx.reset(as_ctx(*handle));
      *handle = GSS_C_NO_CONTEXT;
      if (ctx->role() != apx::core::Role::kAcceptor) {
        *handle = to_handle(ctx.release());
        return report(minor, Status::no_context(Minor::kCtxWrongRole));
      }
    } else {
      std::shared_ptr<Cred> cred;
      if (cred_handle != GSS_C_NO_CREDENTIAL) {
        cred = as_cred(cred_handle)->cred;
      } else {
        auto def = Cred::acquire(nullptr, GSS_C_ACCEPT, apx::core::CredStore{});
        if (!def) return report(minor, def.error());
        cred = std::move(*def);
      }
      auto made = Context::new_acceptor(std::move(cred));
      if (!made) return report(minor, made.error());
      ctx = std::move(*made);
    }
    // Delegated tickets are kept only for a caller that can receive them (MIT).
    apx::core::Step step = ctx->accept_step(cb, bytes_of(input), delegated != nullptr);
    if (Status s = set_buffer(output, step.token); !s.ok() && step.status.ok()) step.status = s;
    // Like MIT, a failed context is gone: the caller must start again.
    if (!step.status.ok()) return report(minor, step.status);
    accept_outputs(*ctx, step, src_name, mech_type, ret_flags, time_rec, delegated);
    *handle = to_handle(ctx.release());
    return report(minor, step.status);
  });
}

APX_EXPORT OM_uint32 gss_delete_sec_context(OM_uint32* minor, gss_ctx_id_t* handle,
                                            gss_buffer_t output) {
  return guarded(minor, [&] {
    clear_buffer(output);
    if (handle == nullptr) return report(minor, Status::call_inaccessible_write());
    if (*handle == GSS_C_NO_CONTEXT) return report(minor, Status::no_context(Minor::kCtxIncomplete));
    delete as_ctx(*handle);
    *handle = GSS_C_NO_CONTEXT;
    return report(minor, Status::complete());
  });
}

APX_EXPORT OM_uint32 gss_process_context_token(OM_uint32* minor, gss_ctx_id_t handle,
                                               gss_buffer_t token) {
  return guarded(minor, [&] {
    (void)token;
    if (handle == GSS_C_NO_CONTEXT) return report(minor, Status::no_context(Minor::kCtxIncomplete));
    // RFC 4121 has no context-level tokens after establishment (deletion tokens are gone
    // since RFC 1964), so any token handed here is not one of ours: MIT says the same.
    return report(minor, Status::defective_token(Minor::kTokenUnexpected));
  });
}

APX_EXPORT OM_uint32 gss_context_time(OM_uint32* minor, gss_ctx_id_t handle, OM_uint32* time_rec) {
  return guarded(minor, [&] {
    if (time_rec != nullptr) *time_rec = 0;
    if (handle == GSS_C_NO_CONTEXT) return report(minor, Status::no_context(Minor::kCtxIncomplete));
    const Context* ctx = as_ctx(handle);
    if (!ctx->established()) return report(minor, Status::no_context(Minor::kCtxIncomplete));
    const OM_uint32 left = ctx->lifetime();
    if (time_rec != nullptr) *time_rec = left;
    if (left == 0) return report(minor, Status(GSS_S_CONTEXT_EXPIRED, 0));
    return report(minor, Status::complete());
  });
}

APX_EXPORT OM_uint32 gss_inquire_context(OM_uint32* minor, gss_ctx_id_t handle,
                                         gss_name_t* src_name, gss_name_t* targ_name,
                                         OM_uint32* lifetime, gss_OID* mech, OM_uint32* flags,
                                         int* locally_initiated, int* open) {
  return guarded(minor, [&] {
    if (src_name != nullptr) *src_name = GSS_C_NO_NAME;
    if (targ_name != nullptr) *targ_name = GSS_C_NO_NAME;
    if (handle == GSS_C_NO_CONTEXT) return report(minor, Status::no_context(Minor::kCtxIncomplete));
    const Context* ctx = as_ctx(handle);
    // RFC 2743 §2.2.6: a partly established context reports its flags, role and state;
    // MIT (inq_context.c) gives names only once it is established.
    const bool names = ctx->established();
    if (src_name != nullptr && names && ctx->initiator_name())
      *src_name = to_handle(new apx::core::Name(*ctx->initiator_name()));
    if (targ_name != nullptr && names && ctx->acceptor_name())
      *targ_name = to_handle(new apx::core::Name(*ctx->acceptor_name()));
    if (lifetime != nullptr) *lifetime = ctx->established() ? ctx->lifetime() : 0;
    if (mech != nullptr) *mech = const_cast<gss_OID>(&ctx->mech());
    if (flags != nullptr) *flags = ctx->flags();
    if (locally_initiated != nullptr)
      *locally_initiated = ctx->role() == apx::core::Role::kInitiator ? 1 : 0;
    if (open != nullptr) *open = ctx->established() ? 1 : 0;
    return report(minor, Status::complete());
  });
}
APX_GSSI(init_sec_context, gss_init_sec_context)
APX_GSSI(accept_sec_context, gss_accept_sec_context)
APX_GSSI(delete_sec_context, gss_delete_sec_context)
APX_GSSI(process_context_token, gss_process_context_token)
APX_GSSI(context_time, gss_context_time)
APX_GSSI(inquire_context, gss_inquire_context)

APX_EXPORT OM_uint32 gss_export_sec_context(OM_uint32* minor, gss_ctx_id_t* handle,
                                            gss_buffer_t token) {
  return guarded(minor, [&] {
    clear_buffer(token);
    if (handle == nullptr || token == GSS_C_NO_BUFFER)
      return report(minor, Status::call_inaccessible_write());
    if (*handle == GSS_C_NO_CONTEXT) return report(minor, Status::no_context(Minor::kCtxIncomplete));
    auto bytes = as_ctx(*handle)->export_token();
    if (!bytes) return report(minor, bytes.error());
    // The copy handed out is the caller's to release (gss_release_buffer); apx's own is
    // wiped when `bytes` goes.
    if (Status s = set_buffer(token, bytes->span()); !s.ok()) return report(minor, s);
    apx::base::trace("export_sec_context: %zu bytes (%s layout)", bytes->span().size(),
                     Context::is_mit_token(bytes->span()) ? "MIT's" : "apx's");
    // RFC 2743 §2.2.8: the exported context is no longer available to this process.
    delete as_ctx(*handle);
    *handle = GSS_C_NO_CONTEXT;
    return report(minor, Status::complete());
  });
}

APX_EXPORT OM_uint32 gss_import_sec_context(OM_uint32* minor, gss_buffer_t token,
                                            gss_ctx_id_t* handle) {
  return guarded(minor, [&] {
    if (handle == nullptr) return report(minor, Status::call_inaccessible_write());
    *handle = GSS_C_NO_CONTEXT;
    auto ctx = Context::import_token(bytes_of(token));
    if (!ctx) return report(minor, ctx.error());
    apx::base::trace("import_sec_context: %zu bytes (%s layout)", bytes_of(token).size(),
                     Context::is_mit_token(bytes_of(token)) ? "MIT's" : "apx's");
    *handle = to_handle(ctx->release());
    return report(minor, Status::complete());
  });
}

APX_GSSI(export_sec_context, gss_export_sec_context)
APX_GSSI(import_sec_context, gss_import_sec_context)
