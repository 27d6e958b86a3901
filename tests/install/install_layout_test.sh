#!/usr/bin/env bash
# `meson install` of the release build into a DESTDIR: every file at its place under the
# build's --prefix and --libdir (and nothing else), the mech.conf snippets naming the
# installed module, a C program built against gssapi_apx.h through `pkg-config gss-apx`,
# and the man pages free of `man --warnings` complaints.
#   install_layout_test.sh BUILD_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest=$work/dest

meson install -C "$build" --no-rebuild --destdir "$dest" --quiet >"$work/install.log" 2>&1 \
    || { cat "$work/install.log" >&2; fail "meson install"; }

option() {  # NAME: the build's value of a built-in option
    meson introspect "$build" --buildoptions | python3 -c '
import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == sys.argv[1]))' "$1"
}
under() {  # DIR-OPTION: its absolute path (meson's relative dirs are under --prefix)
    local v; v=$(option "$1")
    case $v in /*) echo "$v" ;; *) echo "$prefix/$v" ;; esac
}
prefix=$(option prefix)
libdir=$(under libdir)
module=$libdir/gss/gss_apx.so
expected=(
    "$module"
    "$(under bindir)/apx"
    "$(under includedir)/gssapi/gssapi_apx.h"
    "$libdir/pkgconfig/gss-apx.pc"
    "$(under datadir)/apx/apx.conf"
    "$(under datadir)/apx/apx-standalone.conf"
    "$(under mandir)/man8/apx.8"
    "$(under mandir)/man7/gss_apx.7"
)
for f in "${expected[@]}"; do expect_file "$dest$f"; done
# Nothing else: a stray file (a test program, a static library) would end up in the .deb.
(cd "$dest" && find . -type f | sed 's|^\.||' | sort) >"$work/installed"
printf '%s\n' "${expected[@]}" | sort >"$work/expected"
diff -u "$work/expected" "$work/installed" || fail "installed files differ from the list"
ok "exactly ${#expected[@]} files installed"
[ -x "$dest$(under bindir)/apx" ] || fail "apx is not executable"

expect_line "$dest$(under datadir)/apx/apx.conf" \
    "^apx 2\.25\.188904466058342031 $module <interposer>\$" "interposer snippet names $module"
expect_line "$dest$(under datadir)/apx/apx-standalone.conf" \
    "^apx-standalone 2\.25\.2656788351489794623 $module\$" "standalone snippet names $module"

# pkg-config: the header's directory (under DESTDIR through the sysroot), the module path.
export PKG_CONFIG_PATH=$dest$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
cflags=$(pkg-config --cflags gss-apx) || fail "pkg-config --cflags gss-apx"
[[ " $cflags " == *" -I$dest$(under includedir) "* ]] \
    || fail "pkg-config --cflags gss-apx gave '$cflags'"
ok "pkg-config --cflags gss-apx: $cflags"
[ "$(PKG_CONFIG_SYSROOT_DIR= pkg-config --variable=module gss-apx)" = "$module" ] \
    || fail "pkg-config --variable=module gss-apx"
ok "pkg-config --variable=module gss-apx: $module"

# A C program against the header: the DER bytes it defines are the OIDs it names.
cat >"$work/oid.c" <<'C'
#include <gssapi/gssapi_apx.h>
#include <stdio.h>
#include <string.h>

/* gss_oid_to_str writes "{ 2 25 ... }" for "2.25..."; MIT counts the NUL in length. */
static int same(const char *der, unsigned len, const char *text) {
    OM_uint32 minor;
    gss_OID_desc oid = {len, (void *)der};
    gss_buffer_desc out = {0, NULL};
    char want[128];
    size_t n = (size_t)snprintf(want, sizeof want, "{ %s }", text);
    for (size_t i = 0; i < n; i++) want[i] = want[i] == '.' ? ' ' : want[i];
    int ok = gss_oid_to_str(&minor, &oid, &out) == GSS_S_COMPLETE &&
             out.length >= n && memcmp(out.value, want, n) == 0 &&
             (out.length == n || (out.length == n + 1 && ((char *)out.value)[n] == '\0'));
    printf("%s\n", ok ? text : "mismatch");
    gss_release_buffer(&minor, &out);
    return ok;
}

int main(void) {
    int ok = same(APX_MECH_OID_DER, APX_MECH_OID_LENGTH, APX_MECH_OID_STRING);
    ok &= same(APX_INTERPOSER_OID_DER, APX_INTERPOSER_OID_LENGTH, APX_INTERPOSER_OID_STRING);
    return ok ? 0 : 1;
}
C
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror $cflags -o "$work/oid" "$work/oid.c" $(pkg-config --libs gss-apx) \
    2>"$work/cc.log" || { cat "$work/cc.log" >&2; fail "compiling against gssapi_apx.h"; }
"$work/oid" >"$work/oid.out" || { cat "$work/oid.out" >&2; fail "OIDs in gssapi_apx.h"; }
ok "a C program built with pkg-config gss-apx: $(tr '\n' ' ' <"$work/oid.out")"

for page in "$dest$(under mandir)/man8/apx.8" "$dest$(under mandir)/man7/gss_apx.7"; do
    LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" >"$work/man.out" 2>"$work/man.err" \
        || fail "man -l $page"
    [ ! -s "$work/man.err" ] || { cat "$work/man.err" >&2; fail "man --warnings $page"; }
    grep -q "SEE ALSO" "$work/man.out" || fail "$page did not render"
    ok "man --warnings $(basename "$page"): no warnings"
done
done_checks
