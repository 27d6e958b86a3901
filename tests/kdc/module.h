// The plugin loaded with dlopen, its entry points called directly (no mechglue): what apx
// itself answers, byte for byte.
#pragma once

#include <dlfcn.h>
#include <gssapi/gssapi.h>

#include <stdexcept>
#include <string>

namespace apx::test {

class Module {
 public:
  Module() {
    handle_ = dlopen(APX_MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) throw std::runtime_error(std::string("dlopen: ") + dlerror());
    init = sym<decltype(init)>("gss_init_sec_context");
    accept = sym<decltype(accept)>("gss_accept_sec_context");
    delete_ctx = sym<decltype(delete_ctx)>("gss_delete_sec_context");
    import_name = sym<decltype(import_name)>("gss_import_name");
    release_name = sym<decltype(release_name)>("gss_release_name");
    display_status = sym<decltype(display_status)>("gss_display_status");
  }
  ~Module() {
    if (handle_ != nullptr) dlclose(handle_);
  }
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  void* handle() const { return handle_; }
  template <class F>
  F sym(const char* name) const {
    void* p = dlsym(handle_, name);
    if (p == nullptr) throw std::runtime_error(std::string("missing symbol ") + name);
    return reinterpret_cast<F>(p);
  }

  decltype(&gss_init_sec_context) init;
  decltype(&gss_accept_sec_context) accept;
  decltype(&gss_delete_sec_context) delete_ctx;
  decltype(&gss_import_name) import_name;
  decltype(&gss_release_name) release_name;
  decltype(&gss_display_status) display_status;

 private:
  void* handle_ = nullptr;
};

}  // namespace apx::test
