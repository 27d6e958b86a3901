#include "core/exported_cred.h"

#include <limits>

#include "token/base64.h"
#include "token/json.h"

namespace apx::core {

using base::Minor;
using base::Result;
using base::SecretBytes;
using base::Status;
using token::JsonType;
using token::JsonValue;
using token::JsonWriter;

namespace {

// Element counts of MIT's arrays (import_cred.c checks each exactly).
constexpr size_t kCredFields = 14;
constexpr size_t kCredsFields = 13;
constexpr size_t kNameFields = 3;

// ---- encoding: the layout of export_cred.c, field by field ----

void put_opt(JsonWriter& w, const std::optional<std::string>& s) {
  if (s) {
    w.string(*s);
  } else {
    w.null();
  }
}

void put_typed(JsonWriter& w, const std::optional<std::vector<ExportedTyped>>& list) {
  if (!list) return w.null();
  w.begin_array();
  for (const ExportedTyped& t : *list) {  // json_address / json_authdata_element: "iB"
    w.begin_array();
    w.number(t.type);
    w.base64(t.contents);
    w.end_array();
  }
  w.end_array();
}

void put_ticket(JsonWriter& w, const ExportedTicket& t) {
  // json_creds: "vvviiiibivBBv"
  w.begin_array();
  put_opt(w, t.client);
  put_opt(w, t.server);
  w.begin_array();  // json_keyblock: "iB"
  w.number(t.enctype);
  w.base64(t.key.span());
  w.end_array();
  for (int32_t time : {t.authtime, t.starttime, t.endtime, t.renew_till}) w.number(time);
  w.boolean(t.is_skey);
  w.number(t.flags);
  put_typed(w, t.addresses);
  w.base64(t.ticket);
  w.base64(t.second_ticket);
  put_typed(w, t.authdata);
  w.end_array();
}

void put_ccache(JsonWriter& w, const ExportedCred& c) {
  switch (c.ccache_kind) {
    case ExportedCcacheKind::kNone:
      return w.null();
    case ExportedCcacheKind::kNamed:
      return w.string(c.ccache_name);
    case ExportedCcacheKind::kContents:
      // json_ccache_contents: the principal, then each credential.
      w.begin_array();
      w.string(c.ccache_name);
      for (const ExportedTicket& t : c.ccache_creds) put_ticket(w, t);
      w.end_array();
      return;
  }
}

void put_cred(JsonWriter& w, const ExportedCred& c) {
  // krb5_gss_export_cred: ["K5C1", json_kgcred], json_kgcred being "ivvbbvvvvbLLvs".
  w.begin_array();
  w.string(kCredExportMagic);
  w.begin_array();
  w.number(c.usage);
  if (c.name) {
    w.begin_array();
    w.string(c.name->principal);
    put_opt(w, c.name->service);
    put_opt(w, c.name->host);
    w.end_array();
  } else {
    w.null();
  }
  put_opt(w, c.impersonator);
  w.boolean(c.default_identity);
  w.boolean(c.iakerb);
  put_opt(w, c.keytab);
  put_opt(w, c.rcache);
  put_ccache(w, c);
  put_opt(w, c.client_keytab);
  w.boolean(c.have_tgt);
  w.number(c.expire);
  w.number(c.refresh_time);
  if (c.enctypes) {
    w.begin_array();
    for (int32_t e : *c.enctypes) w.number(e);
    w.end_array();
  } else {
    w.null();
  }
  if (c.password) {
    w.string(c.password->span());
  } else {
    w.null();
  }
  w.end_array();
  w.end_array();
}

// ---- decoding: every field checked as import_cred.c checks it, and a little more ----

bool is_array(const JsonValue& v, size_t n) {
  return v.type == JsonType::kArray && v.items.size() == n;
}

bool get_int32(const JsonValue& v, int32_t& out) {
  if (v.type != JsonType::kNumber || v.number < std::numeric_limits<int32_t>::min() ||
      v.number > std::numeric_limits<int32_t>::max())
    return false;
  out = static_cast<int32_t>(v.number);
  return true;
}

// A time as MIT writes it (ts2tt: unsigned 32 bits), or as an older writer may have
// written it (signed); kept as the 32 bits krb5_timestamp holds.
bool get_time(const JsonValue& v, uint32_t& out) {
  if (v.type != JsonType::kNumber || v.number < std::numeric_limits<int32_t>::min() ||
      v.number > std::numeric_limits<uint32_t>::max())
    return false;
  out = static_cast<uint32_t>(v.number);
  return true;
}

bool get_bool(const JsonValue& v, bool& out) {
  if (v.type != JsonType::kBool) return false;
  out = v.boolean;
  return true;
}

bool get_string(const JsonValue& v, std::string& out) {
  if (v.type != JsonType::kString) return false;
  out = token::json_text(v);
  return true;
}

bool get_opt_string(const JsonValue& v, std::optional<std::string>& out) {
  if (v.is_null()) return true;
  std::string s;
  if (!get_string(v, s)) return false;
  out = std::move(s);
  return true;
}

bool get_base64(const JsonValue& v, std::vector<uint8_t>& out) {
  if (v.type != JsonType::kString) return false;
  const std::string text = token::json_text(v);
  auto bytes = token::base64_decode(
      {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  if (!bytes) return false;
  out = std::move(*bytes);
  return true;
}

bool get_typed(const JsonValue& v, std::optional<std::vector<ExportedTyped>>& out) {
  if (v.is_null()) return true;
  if (v.type != JsonType::kArray) return false;
  std::vector<ExportedTyped> list(v.items.size());
  for (size_t i = 0; i < v.items.size(); ++i) {
    const JsonValue& e = v.items[i];
    if (!is_array(e, 2) || !get_int32(e.items[0], list[i].type) ||
        !get_base64(e.items[1], list[i].contents))
      return false;
  }
  out = std::move(list);
  return true;
}

bool get_key(const JsonValue& v, ExportedTicket& t) {
  if (!is_array(v, 2) || !get_int32(v.items[0], t.enctype) ||
      v.items[1].type != JsonType::kString)
    return false;
  const SecretBytes text = token::json_secret_text(v.items[1]);
  auto key = token::base64_decode_secret(text.span());
  if (!key) return false;
  t.key = std::move(*key);
  return true;
}

bool get_ticket(const JsonValue& v, ExportedTicket& t) {
  if (!is_array(v, kCredsFields)) return false;
  const std::vector<JsonValue>& f = v.items;
  // A credential names its client and server (MIT would fail storing it otherwise).
  std::string client, server;
  if (!get_string(f[0], client) || !get_string(f[1], server) || !get_key(f[2], t)) return false;
  t.client = std::move(client);
  t.server = std::move(server);
  return get_int32(f[3], t.authtime) && get_int32(f[4], t.starttime) &&
         get_int32(f[5], t.endtime) && get_int32(f[6], t.renew_till) &&
         get_bool(f[7], t.is_skey) && get_int32(f[8], t.flags) && get_typed(f[9], t.addresses) &&
         get_base64(f[10], t.ticket) && get_base64(f[11], t.second_ticket) &&
         get_typed(f[12], t.authdata);
}

bool get_ccache(const JsonValue& v, ExportedCred& c) {
  if (v.is_null()) return true;
  if (v.type == JsonType::kString) {
    c.ccache_kind = ExportedCcacheKind::kNamed;
    return get_string(v, c.ccache_name) && !c.ccache_name.empty();
  }
  // A MEMORY cache's contents: its principal first (never null: the cache was
  // initialised), then its credentials.
  if (v.type != JsonType::kArray || v.items.empty()) return false;
  c.ccache_kind = ExportedCcacheKind::kContents;
  if (!get_string(v.items[0], c.ccache_name)) return false;
  c.ccache_creds.resize(v.items.size() - 1);
  for (size_t i = 1; i < v.items.size(); ++i)
    if (!get_ticket(v.items[i], c.ccache_creds[i - 1])) return false;
  return true;
}

bool get_name(const JsonValue& v, std::optional<ExportedName>& out) {
  if (v.is_null()) return true;
  ExportedName n;
  if (!is_array(v, kNameFields) || !get_string(v.items[0], n.principal) ||
      !get_opt_string(v.items[1], n.service) || !get_opt_string(v.items[2], n.host))
    return false;
  out = std::move(n);
  return true;
}

bool get_enctypes(const JsonValue& v, std::optional<std::vector<int32_t>>& out) {
  if (v.is_null()) return true;
  if (v.type != JsonType::kArray) return false;
  std::vector<int32_t> list(v.items.size());
  for (size_t i = 0; i < list.size(); ++i)
    if (!get_int32(v.items[i], list[i]) || list[i] == 0) return false;  // 0 ends MIT's list
  out = std::move(list);
  return true;
}

bool get_usage(const JsonValue& v, gss_cred_usage_t& out) {
  int32_t u = 0;
  if (!get_int32(v, u) || (u != GSS_C_BOTH && u != GSS_C_INITIATE && u != GSS_C_ACCEPT))
    return false;
  out = u;
  return true;
}

bool get_cred(const JsonValue& v, ExportedCred& c) {
  if (!is_array(v, kCredFields)) return false;
  const std::vector<JsonValue>& f = v.items;
  if (!get_usage(f[0], c.usage) || !get_name(f[1], c.name) ||
      !get_opt_string(f[2], c.impersonator) || !get_bool(f[3], c.default_identity) ||
      !get_bool(f[4], c.iakerb) || !get_opt_string(f[5], c.keytab) ||
      !get_opt_string(f[6], c.rcache) || !get_ccache(f[7], c) ||
      !get_opt_string(f[8], c.client_keytab) || !get_bool(f[9], c.have_tgt) ||
      !get_time(f[10], c.expire) || !get_time(f[11], c.refresh_time) ||
      !get_enctypes(f[12], c.enctypes))
    return false;
  if (f[13].is_null()) return true;
  if (f[13].type != JsonType::kString) return false;
  c.password = token::json_secret_text(f[13]);
  return true;
}

}  // namespace

Result<SecretBytes> encode_exported_cred(const ExportedCred& c) {
  JsonWriter measure;
  put_cred(measure, c);
  if (!measure.done()) return Status::failure(Minor::kInternal);
  SecretBytes out(measure.size());
  JsonWriter w(out.span());
  put_cred(w, c);
  if (!w.done()) return Status::failure(Minor::kInternal);
  return out;
}

Result<ExportedCred> decode_exported_cred(std::span<const uint8_t> token) {
  const Status bad = Status::defective_token(Minor::kCredExportFormat);
  std::optional<JsonValue> v = token::json_parse(token);
  if (!v || !is_array(*v, 2) || v->items[0].type != JsonType::kString ||
      token::json_text(v->items[0]) != kCredExportMagic)
    return bad;
  ExportedCred c;
  if (!get_cred(v->items[1], c)) return bad;
  return c;
}

}  // namespace apx::core
