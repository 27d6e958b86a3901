// The "keytab" step of `apx doctor`: does the service's keytab hold the key the KDC
// encrypts its tickets in (same kvno, same enctype)?
#include <krb5/krb5.h>
#include <unistd.h>

#include <set>
#include <string>

#include "doctor.h"

namespace apx::cli {
namespace {

struct Holdings {
  std::set<krb5_kvno> kvnos;
  bool exact = false;  // an entry with the ticket's kvno and enctype
  bool kvno_only = false;
};

// Keytab entries carry an 8-bit kvno in old files (RFC-less format, MIT keytab.txt);
// libkrb5 compares the low 8 bits when the stored one is not wider.
bool same_kvno(krb5_kvno stored, krb5_kvno wanted) {
  return stored == wanted || (stored <= 255 && stored == (wanted & 0xff));
}

krb5_error_code scan(Krb5State& k, krb5_keytab kt, Holdings& h) {
  krb5_kt_cursor cursor{};
  krb5_error_code code = krb5_kt_start_seq_get(k.ctx, kt, &cursor);
  if (code != 0) return code;
  krb5_keytab_entry e{};
  while (krb5_kt_next_entry(k.ctx, kt, &e, &cursor) == 0) {
    if (krb5_principal_compare(k.ctx, e.principal, k.ticket->server)) {
      h.kvnos.insert(e.vno);
      if (same_kvno(e.vno, k.kvno)) {
        h.kvno_only = true;
        h.exact = h.exact || e.key.enctype == k.ticket_enctype;
      }
    }
    krb5_free_keytab_entry_contents(k.ctx, &e);
  }
  return krb5_kt_end_seq_get(k.ctx, kt, &cursor);
}

std::string kvno_list(const std::set<krb5_kvno>& kvnos) {
  std::string out;
  for (krb5_kvno v : kvnos) {
    if (!out.empty()) out += ", ";
    out += std::to_string(v);
  }
  return out;
}

std::string keytab_name(krb5_context ctx, krb5_keytab kt) {
  char name[1024] = {};
  return krb5_kt_get_name(ctx, kt, name, sizeof name) == 0 ? name : "?";
}

}  // namespace

bool check_keytab(Report& r, Krb5State& k, const std::string& keytab) {
  krb5_keytab kt = nullptr;
  krb5_error_code code = keytab.empty() ? krb5_kt_default(k.ctx, &kt)
                                        : krb5_kt_resolve(k.ctx, keytab.c_str(), &kt);
  if (code != 0) {
    r.fail("keytab", "cannot open keytab " + keytab + ": " + k.error(code));
    return false;
  }
  const std::string name = keytab_name(k.ctx, kt);
  const std::string who = [&] {
    char* s = nullptr;
    std::string out = krb5_unparse_name(k.ctx, k.ticket->server, &s) == 0 ? s : "?";
    krb5_free_unparsed_name(k.ctx, s);
    return out;
  }();
  Holdings h;
  code = scan(k, kt, h);
  krb5_kt_close(k.ctx, kt);
  const std::string redo = "; extract the current key with kadmin: ktadd -k " + name +
                           " -norandkey " + who;
  if (code != 0) {
    r.skip("keytab", "cannot read " + name + " (" + k.error(code) +
                         "): run as the service's user or root, or pass --keytab");
    return false;
  }
  if (h.kvnos.empty()) {
    r.fail("keytab", name + " has no key for " + who + redo);
  } else if (!h.kvno_only) {
    r.fail("keytab", name + " holds " + who + " at kvno " + kvno_list(h.kvnos) +
                         ", the KDC issues tickets for kvno " + std::to_string(k.kvno) +
                         ": the keytab is out of date" + redo);
  } else if (!h.exact) {
    r.fail("keytab", name + " holds " + who + " kvno " + std::to_string(k.kvno) +
                         " but no " + enctype_name(k.ticket_enctype) +
                         " key, the enctype of the KDC's tickets" + redo);
  } else {
    r.pass("keytab", name + " holds " + who + " kvno " + std::to_string(k.kvno) + " " +
                         enctype_name(k.ticket_enctype) + ", as the KDC's ticket needs");
    return true;
  }
  return false;
}

}  // namespace apx::cli
