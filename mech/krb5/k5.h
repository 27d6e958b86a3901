// RAII for libkrb5 objects. A Krb5Context owns a krb5_context; the owners of libkrb5
// objects hold the context in their deleter, so the context must outlive them (declare
// it first in a class).
#pragma once

#include <krb5/krb5.h>

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <string>

#include "base/result.h"

namespace apx::k5 {

template <class T, auto Free>
struct Deleter {
  krb5_context ctx = nullptr;
  void operator()(T* p) const {
    if (p != nullptr) Free(ctx, p);
  }
};

template <class T, auto Free>
using Owned = std::unique_ptr<T, Deleter<T, Free>>;

using PrincipalPtr = Owned<krb5_principal_data, krb5_free_principal>;
using KeytabPtr = Owned<_krb5_kt, krb5_kt_close>;
using AuthContextPtr = Owned<_krb5_auth_context, krb5_auth_con_free>;
using KeyblockPtr = Owned<krb5_keyblock, krb5_free_keyblock>;
using CredsPtr = Owned<krb5_creds, krb5_free_creds>;
using TicketPtr = Owned<krb5_ticket, krb5_free_ticket>;
using AuthenticatorPtr = Owned<krb5_authenticator, krb5_free_authenticator>;
using ApRepPartPtr = Owned<krb5_ap_rep_enc_part, krb5_free_ap_rep_enc_part>;
using ErrorPtr = Owned<krb5_error, krb5_free_error>;

// A ccache handle: closed when dropped, or destroyed when apx made the cache for itself
// (delegated tickets, tickets from the client keytab). krb5_cc_close on a MEMORY cache
// drops only the handle: the cache and its tickets stay in libkrb5's process-wide table
// until krb5_cc_destroy (MIT's mechanism marks such caches destroy_ccache).
struct CcacheDeleter {
  krb5_context ctx = nullptr;
  bool destroy = false;
  void operator()(_krb5_ccache* p) const {
    if (p == nullptr) return;
    if (destroy) {
      (void)krb5_cc_destroy(ctx, p);
    } else {
      (void)krb5_cc_close(ctx, p);
    }
  }
};
using CcachePtr = std::unique_ptr<_krb5_ccache, CcacheDeleter>;

// A krb5_data whose contents libkrb5 allocated.
class Data {
 public:
  explicit Data(krb5_context ctx) : ctx_(ctx) {}
  ~Data() { krb5_free_data_contents(ctx_, &d_); }
  Data(const Data&) = delete;
  Data& operator=(const Data&) = delete;
  krb5_data* get() { return &d_; }
  [[nodiscard]] std::span<const uint8_t> span() const {
    return {reinterpret_cast<const uint8_t*>(d_.data), d_.length};
  }

 private:
  krb5_context ctx_;
  krb5_data d_{};
};

class Context {
 public:
  static base::Result<Context> create();
  Context(Context&& o) noexcept
      : ctx_(std::exchange(o.ctx_, nullptr)), born_(o.born_), generation_(o.generation_) {}
  Context& operator=(Context&&) = delete;
  Context(const Context&) = delete;
  ~Context();

  [[nodiscard]] krb5_context get() const { return ctx_; }

  template <class T, auto Free>
  [[nodiscard]] Owned<T, Free> own(T* p) const {
    return Owned<T, Free>(p, Deleter<T, Free>{ctx_});
  }
  // A ccache someone else owns (closed when dropped) ...
  [[nodiscard]] CcachePtr own_ccache(krb5_ccache p) const {
    return CcachePtr(p, CcacheDeleter{ctx_, false});
  }
  // ... and one apx made for itself (destroyed when dropped).
  [[nodiscard]] CcachePtr own_made_ccache(krb5_ccache p) const {
    return CcachePtr(p, CcacheDeleter{ctx_, true});
  }

  // A Status carrying a libkrb5 error code as the minor code, with libkrb5's message
  // (prefixed by `what`, the step that failed) saved for gss_display_status.
  [[nodiscard]] base::Status error(OM_uint32 major, krb5_error_code code,
                                   const std::string& what) const;
  // The same with libkrb5's message as the first part of the text and apx's advice as the
  // second (gss_display_status returns them one per call): for the failures whose words
  // MIT's mechanism shows and programs compare ("Request is a replay").
  [[nodiscard]] base::Status error_then(OM_uint32 major, krb5_error_code code,
                                        const std::string& advice) const;
  // libkrb5's message for `code` in this context.
  [[nodiscard]] std::string message(krb5_error_code code) const;

  // krb5.conf's libdefaults clockskew in seconds (MIT's default 300), read as libkrb5 reads
  // it for its own context.
  [[nodiscard]] int32_t clockskew() const;

  // krb5_unparse_name, or "<unprintable>".
  [[nodiscard]] std::string unparse(krb5_const_principal p) const;

 private:
  Context(krb5_context c, int64_t born, uint64_t generation)
      : ctx_(c), born_(born), generation_(generation) {}
  krb5_context ctx_;
  int64_t born_ = 0;         // when krb5_init_context made ctx_ (context_pool.h) ...
  uint64_t generation_ = 0;  // ... and under which environment
};

}  // namespace apx::k5
