#!/usr/bin/env bash
# `apx enable` / `apx disable` in a scratch directory (--mech-dir, APX_MECH_DIR): the file
# written atomically with its marker, replaced only when apx wrote it, never a foreign one
# overwritten or removed; `apx status` through GSS_MECH_CONFIG sees apx serve Kerberos
# (interposer) or its own OID (standalone), and MIT's mechanism when apx is not there.
#   enable_test.sh APX MODULE
set -euo pipefail
. "$(dirname "$0")/lib.sh"
apx=$1
module=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dir=$work/mech.d
mkdir "$dir"
out=$work/out
unset APX_MECH_DIR GSS_MECH_CONFIG

"$apx" enable --mech-dir "$dir" --module "$module" >"$out" || fail "apx enable"
expect_line "$dir/apx.conf" '^# Written by `apx enable`' "the drop-in starts with apx's marker"
expect_line "$dir/apx.conf" "^apx 2\.25\.188904466058342031 $module <interposer>\$" \
    "the drop-in registers the interposer"
[ "$(stat -c %a "$dir/apx.conf")" = 644 ] || fail "apx.conf mode $(stat -c %a "$dir/apx.conf")"
[ "$(ls -A "$dir")" = apx.conf ] || fail "left over in $dir: $(ls -A "$dir")"
ok "mode 0644, no temporary file left"

GSS_MECH_CONFIG=$dir/apx.conf "$apx" status >"$out" || { cat "$out"; fail "apx status (interposer)"; }
expect_line "$out" '^ok +routing .*1\.2\.840\.113554\.1\.2\.2 to apx \(interposer' \
    "status: the mechglue sends krb5 to apx"
expect_line "$out" '^ok +enctypes .*aes256-cts-hmac-sha1-96' "status: enctypes"
expect_line "$out" '^info +versions +apx [0-9.]+; MIT krb5 1\.20.*OpenSSL 3' "status: versions"
GSS_MECH_CONFIG=$dir/apx.conf "$apx" status --json >"$out"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] is True, d' "$out" \
    || fail "status --json"
ok "status --json: ok"

# Re-enabling replaces apx's own file (here with the standalone form), via APX_MECH_DIR.
APX_MECH_DIR=$dir "$apx" enable --standalone --module "$module" >"$out" || fail "enable --standalone"
expect_line "$dir/apx.conf" "^apx-standalone 2\.25\.2656788351489794623 $module\$" \
    "enable --standalone replaces apx's own file"
GSS_MECH_CONFIG=$dir/apx.conf "$apx" status >"$out" || { cat "$out"; fail "apx status (standalone)"; }
expect_line "$out" '^ok +routing .*2\.25\.2656788351489794623 to apx \(standalone' \
    "status: the mechglue sends apx's OID to apx"

"$apx" disable --mech-dir "$dir" >"$out" || fail "apx disable"
[ ! -e "$dir/apx.conf" ] || fail "apx disable left apx.conf"
ok "disable removes the file"
"$apx" disable --mech-dir "$dir" >"$out" || fail "apx disable when already disabled"
ok "disable when disabled: exit 0"

# MIT's mechanism when apx is not configured: status says so and fails.
: >"$dir/empty.conf"
if GSS_MECH_CONFIG=$dir/empty.conf "$apx" status >"$out"; then fail "status passed without apx"; fi
expect_line "$out" '^FAIL +config +no apx line' "status without apx: config line"
expect_line "$out" '^FAIL +routing .*MIT' "status without apx: routing line"
rm "$dir/empty.conf"

# A file apx did not write is neither overwritten nor removed.
echo "gss-other 1.2.3.4 /usr/lib/other.so" >"$dir/apx.conf"
cp "$dir/apx.conf" "$work/foreign"
if "$apx" enable --mech-dir "$dir" --module "$module" 2>"$out"; then fail "enable overwrote a foreign file"; fi
expect_line "$out" 'was not written by `apx enable`' "enable refuses a foreign apx.conf"
if "$apx" disable --mech-dir "$dir" 2>"$out"; then fail "disable removed a foreign file"; fi
expect_line "$out" 'was not written by `apx enable`' "disable refuses a foreign apx.conf"
cmp -s "$dir/apx.conf" "$work/foreign" || fail "the foreign file changed"
ok "the foreign file is unchanged"
rm "$dir/apx.conf"

# A module that is not there is not written into the configuration.
if "$apx" enable --mech-dir "$dir" --module /nonexistent/gss_apx.so 2>"$out"; then
    fail "enable accepted a missing module"
fi
expect_line "$out" 'is not there' "enable refuses a missing module"
[ -z "$(ls -A "$dir")" ] || fail "files left after a refused enable: $(ls -A "$dir")"
ok "nothing written"
done_checks
