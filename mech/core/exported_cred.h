// The token of gss_export_cred for the krb5 mechanism in MIT's format (MIT krb5 1.20
// lib/gssapi/krb5/export_cred.c, import_cred.c), so that a credential apx exports can be
// imported by MIT's mechanism in another process and the other way round:
//
//   ["K5C1", [usage, name, impersonator, default_identity, iakerb, keytab, rcache,
//             ccache, client_keytab, have_tgt, expire, refresh_time, enctypes, password]]
//
//   name     null | [principal, service|null, host|null]
//   ccache   null | "TYPE:residual" (any cache but MEMORY, by name)
//                 | [principal, creds...] (a MEMORY cache's contents)
//   creds    [client, server, [enctype, key(base64)], authtime, starttime, endtime,
//             renew_till, is_skey, ticket_flags, addresses, ticket(base64),
//             second_ticket(base64), authdata]
//   addresses, authdata   null | [[type, contents(base64)], ...]
//   enctypes null | [enctype, ...]
//
// The codec knows bytes only; cred_export.cc maps the record to a Cred and libkrb5.
#pragma once

#include <gssapi/gssapi.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/secret_bytes.h"

namespace apx::core {

// MIT's CRED_EXPORT_MAGIC (gssapiP_krb5.h).
inline constexpr std::string_view kCredExportMagic = "K5C1";

struct ExportedTyped {  // a krb5_address or krb5_authdata
  int32_t type = 0;
  std::vector<uint8_t> contents;
};

struct ExportedTicket {  // one krb5_creds
  std::optional<std::string> client, server;
  int32_t enctype = 0;
  base::SecretBytes key;
  int32_t authtime = 0, starttime = 0, endtime = 0, renew_till = 0;
  bool is_skey = false;
  int32_t flags = 0;
  std::optional<std::vector<ExportedTyped>> addresses;
  std::vector<uint8_t> ticket, second_ticket;
  std::optional<std::vector<ExportedTyped>> authdata;
};

struct ExportedName {
  std::string principal;
  std::optional<std::string> service, host;  // a host-based name as imported
};

enum class ExportedCcacheKind : uint8_t { kNone, kNamed, kContents };

struct ExportedCred {
  gss_cred_usage_t usage = GSS_C_BOTH;
  std::optional<ExportedName> name;
  std::optional<std::string> impersonator;
  bool default_identity = false;
  bool iakerb = false;
  std::optional<std::string> keytab, rcache;
  ExportedCcacheKind ccache_kind = ExportedCcacheKind::kNone;
  std::string ccache_name;                 // kNamed: full name; kContents: its principal
  std::vector<ExportedTicket> ccache_creds;  // kContents
  std::optional<std::string> client_keytab;
  bool have_tgt = false;
  uint32_t expire = 0, refresh_time = 0;  // MIT's ts2tt: seconds as unsigned 32 bits
  std::optional<std::vector<int32_t>> enctypes;
  std::optional<base::SecretBytes> password;
};

// The token holds keys: it is wiped when released.
[[nodiscard]] base::Result<base::SecretBytes> encode_exported_cred(const ExportedCred& c);
// Refuses anything MIT's import_cred.c would refuse, plus what apx cannot read exactly
// (see token/json.h); strings never contain NUL.
[[nodiscard]] base::Result<ExportedCred> decode_exported_cred(std::span<const uint8_t> token);

}  // namespace apx::core
