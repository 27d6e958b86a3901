#include "krb5/authdata.h"

#include <gssapi/gssapi.h>

#include <cerrno>
#include <cstdlib>
#include <new>
#include <utility>

namespace apx::k5 {

namespace {

krb5_data as_data(std::span<const uint8_t> b) {
  krb5_data d{};
  d.magic = KV5M_DATA;
  d.data = const_cast<char*>(reinterpret_cast<const char*>(b.data()));
  d.length = static_cast<unsigned int>(b.size());
  return d;
}

// An attribute name for libkrb5, NUL-terminated beyond its length: 1.20's mspac module
// parses "urn:mspac:<n>" with strtoul and checks that the number ends at a NUL, so a name
// given with its exact length only would be read past and, by whatever follows it, refused.
struct AttrName {
  explicit AttrName(std::span<const uint8_t> b) : text(b.begin(), b.end()) {
    data.magic = KV5M_DATA;
    data.data = text.data();
    data.length = static_cast<unsigned int>(text.size());
  }
  AttrName(const AttrName&) = delete;
  AttrName& operator=(const AttrName&) = delete;
  std::string text;
  krb5_data data{};
};

std::vector<uint8_t> take_bytes(krb5_context c, krb5_data& d) {
  std::vector<uint8_t> out(reinterpret_cast<const uint8_t*>(d.data),
                           reinterpret_cast<const uint8_t*>(d.data) + d.length);
  krb5_free_data_contents(c, &d);
  return out;
}

// Copying and freeing a name's authdata context need a libkrb5 context (the modules'
// request_init/request_fini take one) but the name has none, and making one reads
// krb5.conf (about 0.2 ms): every accepted name is copied once (the src_name handed out)
// and freed twice. One process-wide context serves these two calls, one call at a time.
struct Shared {
  std::mutex lock;
  krb5_context ctx = nullptr;
};

Shared& shared() {
  static Shared* s = [] {
    auto* p = new Shared;  // never freed: names may be released during exit
    if (krb5_init_context(&p->ctx) != 0) p->ctx = nullptr;
    return p;
  }();
  return *s;
}

void free_context(krb5_authdata_context ad) {
  if (ad == nullptr) return;
  Shared& s = shared();
  if (s.ctx == nullptr) return;  // leak rather than call the modules without a context
  std::lock_guard<std::mutex> hold(s.lock);
  krb5_authdata_context_free(s.ctx, ad);
}

krb5_authdata_context copy_context(krb5_authdata_context src) {
  if (src == nullptr) return nullptr;
  Shared& s = shared();
  if (s.ctx == nullptr) throw std::bad_alloc();
  krb5_authdata_context dst = nullptr;
  krb5_error_code code = 0;
  {
    std::lock_guard<std::mutex> hold(s.lock);
    code = krb5_authdata_context_copy(s.ctx, src, &dst);
  }
  if (code != 0) throw std::bad_alloc();  // the guard at the C ABI reports ENOMEM
  return dst;
}

}  // namespace

base::Result<Authdata> Authdata::take_from(const Context& k5, krb5_auth_context ac) {
  krb5_authdata_context ad = nullptr;
  const krb5_error_code code = krb5_auth_con_get_authdata_context(k5.get(), ac, &ad);
  if (code != 0) return k5.error(GSS_S_FAILURE, code, "Cannot read the ticket's attributes");
  // MIT's acceptor moves the context out of the auth context the same way.
  (void)krb5_auth_con_set_authdata_context(k5.get(), ac, nullptr);
  return Authdata(ad);
}

base::Result<Authdata> Authdata::import(const Context& k5, std::span<const uint8_t> blob) {
  // MIT (import_name.c): an empty blob leaves the name without a context.
  if (blob.empty()) return Authdata();
  krb5_authdata_context ad = nullptr;
  krb5_error_code code = krb5_authdata_context_init(k5.get(), &ad);
  if (code != 0) return k5.error(GSS_S_FAILURE, code, "Cannot start the name's attributes");
  Authdata out(ad);
  const krb5_data d = as_data(blob);
  code = krb5_authdata_import_attributes(k5.get(), ad, kAdUsageMask, &d);
  // MIT (import_name.c): any failure is a bad name. libkrb5 says ENOMEM for a blob shorter
  // than a length in it claims, so it is not reported as memory exhaustion here.
  if (code != 0)
    return base::with_detail(base::Status(GSS_S_BAD_NAME, static_cast<OM_uint32>(code)),
                             "Cannot read the composite name's attributes: " +
                                 k5.message(code));
  return out;
}

Authdata::Authdata(const Authdata& other) {
  std::lock_guard<std::mutex> hold(*other.lock_);
  ad_ = copy_context(other.ad_);
}

Authdata& Authdata::operator=(const Authdata& other) {
  if (this != &other) {
    Authdata copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Authdata::Authdata(Authdata&& other) noexcept
    : ad_(std::exchange(other.ad_, nullptr)), lock_(std::make_unique<std::mutex>()) {}

Authdata& Authdata::operator=(Authdata&& other) noexcept {
  if (this != &other) {
    free_context(ad_);
    ad_ = std::exchange(other.ad_, nullptr);
  }
  return *this;
}

Authdata::~Authdata() { free_context(ad_); }

krb5_error_code Authdata::ensure(const Context& k5) {
  // MIT's naming_exts.c: a name without a context gets an empty one on first use.
  if (ad_ != nullptr) return 0;
  return krb5_authdata_context_init(k5.get(), &ad_);
}

krb5_error_code Authdata::types(const Context& k5, std::vector<std::string>& out) {
  std::lock_guard<std::mutex> hold(*lock_);
  out.clear();
  if (krb5_error_code code = ensure(k5); code != 0) return code;
  krb5_data* list = nullptr;
  const krb5_error_code code = krb5_authdata_get_attribute_types(k5.get(), ad_, &list);
  if (code != 0) return code;
  for (krb5_data* d = list; d != nullptr && d->data != nullptr; ++d)
    out.emplace_back(d->data, d->length);
  krb5int_free_data_list(k5.get(), list);
  return 0;
}

krb5_error_code Authdata::get(const Context& k5, std::span<const uint8_t> attr, int* more,
                              AttributeValue& out) {
  std::lock_guard<std::mutex> hold(*lock_);
  out = AttributeValue{};
  if (krb5_error_code code = ensure(k5); code != 0) return code;
  const AttrName a(attr);
  krb5_boolean authenticated = FALSE, complete = FALSE;
  krb5_data value{}, display{};
  const krb5_error_code code = krb5_authdata_get_attribute(
      k5.get(), ad_, &a.data, &authenticated, &complete, &value, &display, more);
  if (code != 0) return code;
  out.authenticated = authenticated != FALSE;
  out.complete = complete != FALSE;
  out.value = take_bytes(k5.get(), value);
  out.display = take_bytes(k5.get(), display);
  return 0;
}

krb5_error_code Authdata::set(const Context& k5, bool complete, std::span<const uint8_t> attr,
                              std::span<const uint8_t> value) {
  std::lock_guard<std::mutex> hold(*lock_);
  if (krb5_error_code code = ensure(k5); code != 0) return code;
  const AttrName a(attr);
  const krb5_data v = as_data(value);
  return krb5_authdata_set_attribute(k5.get(), ad_, complete ? TRUE : FALSE, &a.data, &v);
}

krb5_error_code Authdata::erase(const Context& k5, std::span<const uint8_t> attr) {
  std::lock_guard<std::mutex> hold(*lock_);
  if (krb5_error_code code = ensure(k5); code != 0) return code;
  const AttrName a(attr);
  return krb5_authdata_delete_attribute(k5.get(), ad_, &a.data);
}

krb5_error_code Authdata::export_blob(const Context& k5, std::vector<uint8_t>& out) {
  std::lock_guard<std::mutex> hold(*lock_);
  out.clear();
  if (ad_ == nullptr) return 0;  // MIT writes a zero-length blob
  krb5_data* blob = nullptr;
  const krb5_error_code code =
      krb5_authdata_export_attributes(k5.get(), ad_, kAdUsageMask, &blob);
  if (code != 0) return code;
  if (blob != nullptr) {
    out.assign(reinterpret_cast<const uint8_t*>(blob->data),
               reinterpret_cast<const uint8_t*>(blob->data) + blob->length);
    krb5_free_data(k5.get(), blob);
  }
  return 0;
}

krb5_error_code Authdata::export_internal(const Context& k5, bool authenticated,
                                          const char* module, void** out) {
  std::lock_guard<std::mutex> hold(*lock_);
  *out = nullptr;
  if (krb5_error_code code = ensure(k5); code != 0) return code;
  return krb5_authdata_export_internal(k5.get(), ad_, authenticated ? TRUE : FALSE, module,
                                       out);
}

krb5_error_code Authdata::free_internal(const Context& k5, const char* module, void* ptr) {
  std::lock_guard<std::mutex> hold(*lock_);
  if (krb5_error_code code = ensure(k5); code != 0) return code;
  return krb5_authdata_free_internal(k5.get(), ad_, module, ptr);
}

}  // namespace apx::k5
