#!/usr/bin/env bash
# The Debian package, as an admin meets it: `dpkg-buildpackage -us -uc -b` builds
# gss-apx_<version>_amd64.deb from a copy of the source tree, lintian finds no error,
# `apt-get install` of it changes nothing until `apx enable`, after which a fresh GSS
# program (built against the packaged header through the packaged pkg-config file) runs
# its Kerberos through apx (APX_TRACE shows it); `apx disable`, and removing the package
# with apx enabled, give it back to MIT's mechanism (the trace stays empty), and nothing
# is left in /etc/gss/mech.d.
#
# /etc/gss/mech.d is the whole host's: while apx.conf is there every MIT control test
# running beside this one would silently get apx. So the steps that touch it run in a
# private mount namespace (unshare) with a copy of the directory bind-mounted over it:
# no other process on the host ever sees our apx.conf, even if this test is killed
# half-way, and nothing needs restoring. The test is also non-parallel and last in its
# meson run (it builds and installs a package), and the trap purges the package.
#   deb_test.sh SOURCE_ROOT
set -euo pipefail
. "$(dirname "$0")/lib.sh"

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -qq --no-install-recommends -o DPkg::Lock::Timeout=600)
drop_in=/etc/gss/mech.d/apx.conf

installed() {
    dpkg-query -W -f='${Status}' gss-apx 2>/dev/null | grep -q "install ok installed"
}

# --- inside the private mount namespace -----------------------------------------------
if [ "${1:-}" = --in-namespace ]; then
    deb=$2 work=$3
    mkdir "$work/mech.d"
    cp -a /etc/gss/mech.d/. "$work/mech.d/"
    mount --bind "$work/mech.d" /etc/gss/mech.d
    ls -A /etc/gss/mech.d >"$work/mech.d.before"

    # probe: a fresh process asks for a Kerberos context; its trace tells who served it.
    probe() {  # TRACE_FILE
        rm -f "$1"
        env -u GSS_MECH_CONFIG APX_TRACE="$1" KRB5CCNAME="FILE:$work/no-ccache" \
            KRB5_CONFIG=/dev/null "$work/probe" >/dev/null 2>&1 || true
    }
    enabled_uses_apx() {
        probe "$work/trace"
        expect_line "$work/trace" 'init_sec_context: start' "$1: a fresh process uses apx"
    }
    disabled_uses_mit() {
        probe "$work/trace"
        [ ! -s "$work/trace" ] || { cat "$work/trace" >&2; fail "$1: apx still served"; }
        ok "$1: a fresh process uses MIT's mechanism (trace empty)"
    }

    apt-get install "${apt_opts[@]}" "$deb" >"$work/install.log" 2>&1 \
        || { cat "$work/install.log" >&2; fail "apt-get install $deb"; }
    touch "$work/we-installed"
    expect_line "$work/install.log" "run 'apx enable'" "postinst says to run apx enable"
    [ ! -e "$drop_in" ] || fail "installing the package enabled apx"
    ok "installing does not enable apx"

    # The probe, built against the installed header through the installed gss-apx.pc.
    cat >"$work/probe.c" <<'C'
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_apx.h>
#include <string.h>

int main(void) {
    OM_uint32 minor;
    gss_buffer_desc text = {sizeof "host@localhost" - 1, "host@localhost"};
    gss_name_t target = GSS_C_NO_NAME;
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc out = {0, NULL};
    gss_OID_desc krb5 = {9, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};
    if (gss_import_name(&minor, &text, GSS_C_NT_HOSTBASED_SERVICE, &target) != GSS_S_COMPLETE)
        return 2;
    /* No ccache: fails either way; only who served the call matters. */
    gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ctx, target, &krb5, 0, 0,
                         GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &out, NULL, NULL);
    gss_release_buffer(&minor, &out);
    gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &target);
    return strlen(APX_MECH_OID_STRING) > 0 ? 0 : 1;
}
C
    # shellcheck disable=SC2046
    cc -std=c11 -o "$work/probe" "$work/probe.c" $(pkg-config --cflags --libs gss-apx) \
        || fail "building a program with the packaged gss-apx.pc"
    ok "a program builds with the packaged header and pkg-config file"
    disabled_uses_mit "installed, not enabled"

    apx enable >"$work/out" || { cat "$work/out" >&2; fail "apx enable"; }
    expect_line "$drop_in" '^apx 2\.25\.188904466058342031 /usr/lib/x86_64-linux-gnu/gss/gss_apx\.so <interposer>$' \
        "apx enable names the packaged module"
    enabled_uses_apx "apx enable"
    apx status >"$work/out" || { cat "$work/out" >&2; fail "apx status after enable"; }
    expect_line "$work/out" '^ok +routing ' "apx status: apx serves Kerberos"

    apx disable >"$work/out" || fail "apx disable"
    [ ! -e "$drop_in" ] || fail "apx disable left $drop_in"
    disabled_uses_mit "apx disable"

    # Removing the package while apx is enabled disables it first.
    apx enable >/dev/null || fail "apx enable (again)"
    enabled_uses_apx "enabled again"
    apt-get remove "${apt_opts[@]}" gss-apx >"$work/remove.log" 2>&1 \
        || { cat "$work/remove.log" >&2; fail "apt-get remove gss-apx"; }
    [ ! -e "$drop_in" ] || fail "removing the package left $drop_in"
    ok "apt-get remove took $drop_in away"
    disabled_uses_mit "package removed"
    apt-get purge "${apt_opts[@]}" gss-apx >"$work/purge.log" 2>&1 \
        || { cat "$work/purge.log" >&2; fail "apt-get purge gss-apx"; }
    ! installed || fail "gss-apx still installed after purge"
    rm -f "$work/we-installed"
    [ ! -e /usr/bin/apx ] && [ ! -e /usr/lib/x86_64-linux-gnu/gss/gss_apx.so ] \
        || fail "files left after purge"
    ok "purge: the package's files are gone"
    ls -A /etc/gss/mech.d | diff -u "$work/mech.d.before" - \
        || fail "/etc/gss/mech.d differs from before the test"
    ok "/etc/gss/mech.d as before"
    done_checks "in the mount namespace"
    exit 0
fi

# --- outside: build, lintian, then the namespace --------------------------------------
src=$1
! installed || fail "gss-apx is already installed on this host: this test installs and purges its own"
[ ! -e "$drop_in" ] || fail "$drop_in exists on this host: remove it (apx disable) first"
work=$(mktemp -d)
chmod 755 "$work"  # apt's sandbox user reads the .deb from here
ls -A /etc/gss/mech.d >"$work/host-mech.d.before"
cleanup() {
    if [ -e "$work/we-installed" ] && installed; then
        apt-get purge "${apt_opts[@]}" gss-apx >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
mkdir "$work/gss-apx-$version"
# The tracked and new files, not the build directories (.gitignore'd).
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$src" && git ls-files -co --exclude-standard -z) \
        | (cd "$src" && tar --null -T - -cf -) | tar -xf - -C "$work/gss-apx-$version"
else
    tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . \
        | tar -xf - -C "$work/gss-apx-$version"
fi
start=$SECONDS
(cd "$work/gss-apx-$version" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=$(nproc)" \
    dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 \
    || { tail -n 40 "$work/build.log" >&2; fail "dpkg-buildpackage"; }
deb=$work/gss-apx_${version}_amd64.deb
expect_file "$deb"
echo "dpkg-buildpackage took $((SECONDS - start)) s"
dpkg-deb -c "$deb" | awk '{print $6}' >"$work/contents"
for f in usr/bin/apx usr/lib/x86_64-linux-gnu/gss/gss_apx.so usr/include/gssapi/gssapi_apx.h \
    usr/lib/x86_64-linux-gnu/pkgconfig/gss-apx.pc usr/share/apx/apx.conf \
    usr/share/apx/apx-standalone.conf usr/share/man/man8/apx.8.gz \
    usr/share/man/man7/gss_apx.7.gz usr/share/doc/gss-apx/README.md.gz \
    usr/share/doc/gss-apx/copyright; do
    expect_line "$work/contents" "^\./$f\$" "the package holds /$f"
done
lintian --allow-root --fail-on error "$deb" >"$work/lintian.log" 2>&1 \
    || { cat "$work/lintian.log" >&2; fail "lintian found errors"; }
no_line "$work/lintian.log" '^E:' "lintian: no errors"
sed 's/^/lintian: /' "$work/lintian.log"

unshare --mount --propagation private "$0" --in-namespace "$deb" "$work"
ls -A /etc/gss/mech.d | diff -u "$work/host-mech.d.before" - \
    || fail "the host's /etc/gss/mech.d changed"
ok "the host's /etc/gss/mech.d was never touched"
done_checks
