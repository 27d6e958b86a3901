#include "core/cred_export.h"

#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "base/trace.h"
#include "core/exported_cred.h"
#include "core/oids.h"

namespace apx::core {

using base::Minor;
using base::Result;
using base::SecretBytes;
using base::Status;

namespace {

std::span<const uint8_t> as_bytes(const void* p, size_t n) {
  return {static_cast<const uint8_t*>(p), n};
}

Result<std::string> unparse(const k5::Context& k5, krb5_const_principal p) {
  char* s = nullptr;
  const krb5_error_code code = krb5_unparse_name(k5.get(), p, &s);
  if (code != 0) return k5.error(GSS_S_FAILURE, code, "Cannot export a principal name");
  std::string out = s;
  krb5_free_unparsed_name(k5.get(), s);
  return out;
}

template <class T, class Get>
std::optional<std::vector<ExportedTyped>> typed_list(T** list, Get get) {
  if (list == nullptr) return std::nullopt;
  std::vector<ExportedTyped> out;
  for (; *list != nullptr; ++list) {
    auto [type, p, n] = get(**list);
    auto b = as_bytes(p, n);
    out.push_back({type, std::vector<uint8_t>(b.begin(), b.end())});
  }
  return out;
}

// export_cred.c json_creds: one krb5_creds, session key included.
Result<ExportedTicket> export_ticket(const k5::Context& k5, const krb5_creds& c) {
  ExportedTicket t;
  APX_TRY_ASSIGN(t.client, unparse(k5, c.client));
  APX_TRY_ASSIGN(t.server, unparse(k5, c.server));
  t.enctype = c.keyblock.enctype;
  t.key = SecretBytes(as_bytes(c.keyblock.contents, c.keyblock.length));
  t.authtime = c.times.authtime;
  t.starttime = c.times.starttime;
  t.endtime = c.times.endtime;
  t.renew_till = c.times.renew_till;
  t.is_skey = c.is_skey != 0;
  t.flags = c.ticket_flags;
  t.addresses = typed_list(c.addresses, [](const krb5_address& a) {
    return std::tuple(a.addrtype, static_cast<const void*>(a.contents), size_t{a.length});
  });
  const auto ticket = as_bytes(c.ticket.data, c.ticket.length);
  t.ticket.assign(ticket.begin(), ticket.end());
  const auto second = as_bytes(c.second_ticket.data, c.second_ticket.length);
  t.second_ticket.assign(second.begin(), second.end());
  t.authdata = typed_list(c.authdata, [](const krb5_authdata& a) {
    return std::tuple(a.ad_type, static_cast<const void*>(a.contents), size_t{a.length});
  });
  return t;
}

// export_cred.c json_ccache_contents: the principal, then every credential in order.
Status export_contents(const k5::Context& k5, krb5_ccache cc, ExportedCred& e) {
  krb5_context c = k5.get();
  krb5_principal princ = nullptr;
  krb5_error_code code = krb5_cc_get_principal(c, cc, &princ);
  if (code != 0) return k5.error(GSS_S_FAILURE, code, "Cannot read the credential's ccache");
  auto owned = k5.own<krb5_principal_data, krb5_free_principal>(princ);
  APX_TRY_ASSIGN(e.ccache_name, unparse(k5, princ));
  krb5_cc_cursor cur = nullptr;
  code = krb5_cc_start_seq_get(c, cc, &cur);
  if (code != 0) return k5.error(GSS_S_FAILURE, code, "Cannot read the credential's ccache");
  krb5_creds creds;
  Status st;
  while (st.ok() && krb5_cc_next_cred(c, cc, &cur, &creds) == 0) {
    auto t = export_ticket(k5, creds);
    krb5_free_cred_contents(c, &creds);  // wipes the session key
    if (t) {
      e.ccache_creds.push_back(std::move(*t));
    } else {
      st = t.error();
    }
  }
  (void)krb5_cc_end_seq_get(c, cc, &cur);
  e.ccache_kind = ExportedCcacheKind::kContents;
  return st;
}

// Parses a principal name from the token (the text MIT's krb5_unparse_name wrote).
Result<k5::PrincipalPtr> parse(const k5::Context& k5, const std::string& text) {
  krb5_principal p = nullptr;
  const krb5_error_code code = krb5_parse_name(k5.get(), text.c_str(), &p);
  if (code != 0)
    return k5.error(GSS_S_DEFECTIVE_TOKEN, code, "Cannot parse the exported name '" + text + "'");
  return k5.own<krb5_principal_data, krb5_free_principal>(p);
}

// krb5_address and krb5_authdata over the token's bytes (krb5_cc_store_cred copies them).
void fill(krb5_address& a, const ExportedTyped& e) {
  a = {KV5M_ADDRESS, static_cast<krb5_addrtype>(e.type),
       static_cast<unsigned int>(e.contents.size()), const_cast<krb5_octet*>(e.contents.data())};
}
void fill(krb5_authdata& a, const ExportedTyped& e) {
  a = {KV5M_AUTHDATA, static_cast<krb5_authdatatype>(e.type),
       static_cast<unsigned int>(e.contents.size()), const_cast<krb5_octet*>(e.contents.data())};
}

// A null-terminated pointer list, as krb5_creds holds addresses and authdata (null when
// the token had null).
template <class T>
class K5List {
 public:
  explicit K5List(const std::optional<std::vector<ExportedTyped>>& list) {
    if (!list) return;
    items_.resize(list->size());
    for (size_t i = 0; i < items_.size(); ++i) fill(items_[i], (*list)[i]);
    for (T& t : items_) ptrs_.push_back(&t);
    ptrs_.push_back(nullptr);
  }
  T** get() { return ptrs_.empty() ? nullptr : ptrs_.data(); }

 private:
  std::vector<T> items_;
  std::vector<T*> ptrs_;
};

krb5_data data_of(const std::vector<uint8_t>& v) {
  return {KV5M_DATA, static_cast<unsigned int>(v.size()),
          const_cast<char*>(reinterpret_cast<const char*>(v.data()))};
}

// import_cred.c json_to_creds + krb5_cc_store_cred: one credential into `cc`.
Status store_ticket(const k5::Context& k5, krb5_ccache cc, const ExportedTicket& t) {
  APX_TRY_ASSIGN(k5::PrincipalPtr client, parse(k5, *t.client));
  APX_TRY_ASSIGN(k5::PrincipalPtr server, parse(k5, *t.server));
  K5List<krb5_address> addrs(t.addresses);
  K5List<krb5_authdata> authdata(t.authdata);
  krb5_creds creds{};
  creds.magic = KV5M_CREDS;
  creds.client = client.get();
  creds.server = server.get();
  creds.keyblock = {KV5M_KEYBLOCK, t.enctype, static_cast<unsigned int>(t.key.size()),
                    const_cast<krb5_octet*>(t.key.data())};
  creds.times = {t.authtime, t.starttime, t.endtime, t.renew_till};
  creds.is_skey = t.is_skey;
  creds.ticket_flags = t.flags;
  creds.addresses = addrs.get();
  creds.ticket = data_of(t.ticket);
  creds.second_ticket = data_of(t.second_ticket);
  creds.authdata = authdata.get();
  const krb5_error_code code = krb5_cc_store_cred(k5.get(), cc, &creds);
  if (code != 0) return k5.error(GSS_S_FAILURE, code, "Cannot store an imported ticket");
  return Status::complete();
}

std::optional<std::string> keytab_name(const k5::Context& k5, krb5_keytab kt) {
  char buf[1024];
  if (kt == nullptr || krb5_kt_get_name(k5.get(), kt, buf, sizeof buf) != 0) return std::nullopt;
  return std::string(buf);
}

}  // namespace

// The friend of Cred: reads and fills its private state.
struct CredExport {
  static Result<SecretBytes> save(Cred& cred);
  static Result<std::shared_ptr<Cred>> load(const ExportedCred& e);
  static Status load_ccache(Cred& cred, const ExportedCred& e);
  static Result<std::optional<Name>> token_name(const ExportedCred& e);
  static Status load_initiator(Cred& cred, const ExportedCred& e, const Name* name);
};

Result<SecretBytes> CredExport::save(Cred& cred) {
  // A default initiator credential picks its ccache at first use; exported, it is the
  // default one (MIT's inquire and store resolve it the same way, without a target).
  if (cred.can_initiate()) APX_TRY(cred.resolve(nullptr));
  auto guard = cred.lock();
  const k5::Context& k5 = cred.k5_;
  ExportedCred e;
  e.usage = cred.usage_;
  if (cred.name_) {
    // A host-based name without a host keeps its service: the acceptor takes any host
    // for it (MIT's name->service with name->host NULL). Any other name is its principal.
    const Name& n = *cred.name_;
    e.name = ExportedName{n.display(), std::nullopt, std::nullopt};
    if (n.any_host()) e.name->service = n.service();
  }
  // MIT: default_identity when no name was asked for; an acceptor asked for none takes
  // any key in its keytab.
  e.default_identity = cred.usage_ != GSS_C_INITIATE && !cred.acceptor_name_;
  if (cred.keytab_) e.keytab = cred.keytab_name_;
  if (!cred.rcache_name_.empty()) e.rcache = cred.rcache_name_;
  if (cred.ccache_) {
    const std::string_view type = krb5_cc_get_type(k5.get(), cred.ccache_.get());
    if (type == "MEMORY") {
      APX_TRY(export_contents(k5, cred.ccache_.get(), e));
    } else {
      e.ccache_kind = ExportedCcacheKind::kNamed;
      e.ccache_name = cred.ccache_name_;
    }
    e.have_tgt = true;
    e.expire = static_cast<uint32_t>(cred.expiry_);
  }
  e.client_keytab = keytab_name(k5, cred.client_keytab_.get());
  if (!cred.allowed_.empty()) e.enctypes = cred.allowed_;
  e.impersonator = cred.impersonator_;
  base::trace("export_cred: %s, ccache %s", cred.name_ ? cred.name_->display().c_str() : "(any)",
              e.ccache_kind == ExportedCcacheKind::kContents ? "contents" : e.ccache_name.c_str());
  return encode_exported_cred(e);
}

// import_cred.c json_to_ccache: a cache by name, or the contents of a MEMORY cache in a
// new one of this credential's own (destroyed with it, as MIT's destroy_ccache).
Status CredExport::load_ccache(Cred& cred, const ExportedCred& e) {
  const k5::Context& k5 = cred.k5_;
  krb5_context c = k5.get();
  krb5_ccache raw = nullptr;
  if (e.ccache_kind == ExportedCcacheKind::kNamed) {
    const krb5_error_code code = krb5_cc_resolve(c, e.ccache_name.c_str(), &raw);
    if (code != 0)
      return k5.error(GSS_S_DEFECTIVE_TOKEN, code,
                      "Cannot open the exported ccache " + e.ccache_name);
    cred.ccache_ = k5.own_ccache(raw);
    cred.ccache_name_ = e.ccache_name;
    return Status::complete();
  }
  krb5_error_code code = krb5_cc_new_unique(c, "MEMORY", nullptr, &raw);
  if (code != 0) return k5.error(GSS_S_FAILURE, code, "Cannot make a MEMORY ccache");
  cred.ccache_ = k5.own_made_ccache(raw);
  APX_TRY_ASSIGN(k5::PrincipalPtr princ, parse(k5, e.ccache_name));
  code = krb5_cc_initialize(c, raw, princ.get());
  if (code != 0) return k5.error(GSS_S_FAILURE, code, "Cannot initialise a MEMORY ccache");
  for (const ExportedTicket& t : e.ccache_creds) APX_TRY(store_ticket(k5, raw, t));
  char* full = nullptr;
  if (krb5_cc_get_full_name(c, raw, &full) == 0) {
    cred.ccache_name_ = full;
    krb5_free_string(c, full);
  }
  return Status::complete();
}

// The token's name (import_cred.c json_to_kgname), if any.
Result<std::optional<Name>> CredExport::token_name(const ExportedCred& e) {
  if (!e.name) return std::optional<Name>();
  if (e.name->service && !e.name->host) {
    // A host-based name without a host: the service on any host (as it was imported).
    const std::string& svc = *e.name->service;
    APX_TRY_ASSIGN(Name n, Name::import(as_bytes(svc.data(), svc.size()), &kNtHostbased));
    return std::optional<Name>(std::move(n));
  }
  const std::string& p = e.name->principal;
  APX_TRY_ASSIGN(Name n, Name::import(as_bytes(p.data(), p.size()), &kNtKrb5Principal));
  return std::optional<Name>(std::move(n));
}

// The initiator's tickets: from the token's cache, or — when MIT exported a credential it
// had not resolved yet (default identity: no name, no cache; it looks them up at first
// use) — looked up now as gss_acquire_cred would, with the token's client keytab.
Status CredExport::load_initiator(Cred& cred, const ExportedCred& e, const Name* name) {
  if (e.ccache_kind != ExportedCcacheKind::kNone) {
    APX_TRY(load_ccache(cred, e));
    cred.expiry_ = static_cast<krb5_timestamp>(e.expire);
    if (name != nullptr) {
      cred.name_ = *name;
      return Status::complete();
    }
    // MIT always names a resolved credential; a token that does not: the cache's client.
    krb5_principal princ = nullptr;
    const krb5_error_code code = krb5_cc_get_principal(cred.k5_.get(), cred.ccache_.get(), &princ);
    if (code != 0) return cred.k5_.error(GSS_S_NO_CRED, code, "Cannot read " + cred.ccache_name_);
    auto owned = cred.k5_.own<krb5_principal_data, krb5_free_principal>(princ);
    APX_TRY_ASSIGN(Name n, Name::from_principal(cred.k5_, princ));
    cred.name_ = std::move(n);
    return Status::complete();
  }
  CredStore store;
  if (e.client_keytab) store.client_keytab = *e.client_keytab;
  return cred.acquire_initiator(name, store, true);
}

Result<std::shared_ptr<Cred>> CredExport::load(const ExportedCred& e) {
  if (e.iakerb || e.password)
    return Status::unavailable(Minor::kCredExportUnsupported);
  const bool initiator = e.usage != GSS_C_ACCEPT, acceptor = e.usage != GSS_C_INITIATE;
  // apx accepts with a keytab: an acceptor credential names one (MIT's always does).
  if (acceptor && !e.keytab) return Status::defective_token(Minor::kCredExportFormat);
  APX_TRY_ASSIGN(std::optional<Name> name, token_name(e));
  APX_TRY_ASSIGN(k5::Context ctx, k5::Context::create());
  std::shared_ptr<Cred> cred(new Cred(std::move(ctx)));
  const k5::Context& k5 = cred->k5_;
  cred->usage_ = e.usage;
  if (initiator) APX_TRY(load_initiator(*cred, e, name ? &*name : nullptr));
  if (e.keytab) {
    krb5_keytab kt = nullptr;
    const krb5_error_code code = krb5_kt_resolve(k5.get(), e.keytab->c_str(), &kt);
    if (code != 0)
      return k5.error(GSS_S_DEFECTIVE_TOKEN, code,
                      "Cannot open the exported keytab " + *e.keytab);
    cred->keytab_ = k5.own<_krb5_kt, krb5_kt_close>(kt);
    cred->keytab_name_ = *e.keytab;
  }
  if (e.client_keytab && !cred->client_keytab_) {
    // MIT names its default client keytab even when there is none: kept, as acquire_cred
    // keeps it, only when it holds keys.
    krb5_keytab kt = nullptr;
    if (krb5_kt_resolve(k5.get(), e.client_keytab->c_str(), &kt) == 0) {
      auto owned = k5.own<_krb5_kt, krb5_kt_close>(kt);
      if (krb5_kt_have_content(k5.get(), kt) == 0) cred->client_keytab_ = std::move(owned);
    }
  }
  if (e.rcache) cred->rcache_name_ = *e.rcache;
  if (e.impersonator) {
    // A proxy credential (MIT's cred->impersonator): its contexts use S4U2Proxy.
    if (auto p = parse(k5, *e.impersonator); !p) return p.error();
    cred->impersonator_ = e.impersonator;
  }
  if (e.enctypes) cred->allowed_ = *e.enctypes;
  if (!initiator) cred->name_ = name;
  // An acceptor keeps the name it was acquired for (MIT: default_identity false).
  if (acceptor && !e.default_identity) cred->acceptor_name_ = name;
  base::trace("import_cred: %s, ccache %s", cred->name_ ? cred->name_->display().c_str() : "(any)",
              cred->ccache_name_.empty() ? "(none)" : cred->ccache_name_.c_str());
  return cred;
}

Result<SecretBytes> export_cred(Cred& cred) { return CredExport::save(cred); }

Result<std::shared_ptr<Cred>> import_cred(std::span<const uint8_t> token) {
  APX_TRY_ASSIGN(ExportedCred e, decode_exported_cred(token));
  return CredExport::load(e);
}

}  // namespace apx::core
