#!/usr/bin/env bash
# `apx doctor` against a throwaway realm (scripts/realm): every step green on a healthy
# set-up, then each broken set-up once, each with its own FAIL line and a non-zero exit.
#   doctor_test.sh APX INTERPOSER_CONF REALM_SCRIPT
set -euo pipefail
. "$(dirname "$0")/lib.sh"
apx=$1
conf=$2
realm_script=$3
work=$(mktemp -d)
realm=$work/realm
trap '"$realm_script" stop "$realm" || true; rm -rf "$work"' EXIT
"$realm_script" start "$realm"
# shellcheck disable=SC1091
. "$realm/env"
export GSS_MECH_CONFIG=$conf
unset APX_TRACE
out=$work/out

# doctor_fails WHAT ARGS...: doctor exits non-zero; its output is in $out.
doctor_fails() {
    local what=$1; shift
    if "$@" >"$out" 2>&1; then cat "$out" >&2; fail "$what: apx doctor passed"; fi
    ok "$what: non-zero exit"
}

# Healthy: all nine steps pass.
"$apx" doctor host@localhost >"$out" || { cat "$out" >&2; fail "healthy: apx doctor failed"; }
cat "$out"
for step in config module routing ccache ticket clock keytab establish wrap; do
    expect_line "$out" "^ok +$step " "healthy: $step"
done
no_line "$out" '^(FAIL|skip)' "healthy: nothing failed or skipped"
expect_line "$out" '^ok +ticket +host/localhost@APX\.TEST: ticket aes256-cts-hmac-sha1-96 kvno 3, .*flags .*forwardable' \
    "healthy: the ticket's enctype, kvno and flags"
"$apx" doctor host@localhost --json >"$out" || fail "healthy: apx doctor --json"
python3 - "$out" <<'PY' || fail "healthy: --json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True and len(d["steps"]) == 9, d
assert all(s["result"] == "pass" for s in d["steps"]), d
PY
ok "healthy: --json has nine passed steps"

# The module path in mech.conf is wrong: the mechglue silently serves MIT's mechanism.
echo "apx 2.25.188904466058342031 $work/nowhere/gss_apx.so <interposer>" >"$work/bad.conf"
doctor_fails "module path wrong" env GSS_MECH_CONFIG="$work/bad.conf" "$apx" doctor host@localhost
expect_line "$out" "^FAIL +module +cannot load $work/nowhere/gss_apx.so: .*No such file" \
    "module path wrong: the loader's error"
expect_line "$out" '^FAIL +routing ' "module path wrong: routing fails"
expect_line "$out" '^skip +establish ' "module path wrong: no establishment"

# A keytab whose key is older than the KDC's (kvno 2 against 3).
doctor_fails "stale keytab" "$apx" doctor host@localhost --keytab "FILE:$realm/stale.keytab"
expect_line "$out" '^FAIL +keytab +.*stale\.keytab holds host/localhost@APX\.TEST at kvno 2, the KDC issues tickets for kvno 3: the keytab is out of date; extract' \
    "stale keytab: kvno 2 against the KDC's 3, and what to do"
expect_line "$out" '^ok +ticket ' "stale keytab: the ticket itself is fine"

# A service the KDC does not know.
doctor_fails "unknown service" "$apx" doctor nosuch@localhost
expect_line "$out" '^FAIL +ticket +the KDC does not know nosuch/localhost@APX\.TEST .*addprinc' \
    "unknown service: the KDC does not know it, and what to do"

# No ccache at all.
doctor_fails "no ccache" env KRB5CCNAME="FILE:$work/no-such-ccache" "$apx" doctor host@localhost
expect_line "$out" '^FAIL +ccache +no credentials in FILE:.*no-such-ccache .*run kinit' \
    "no ccache: run kinit"
expect_line "$out" '^skip +ticket ' "no ccache: no ticket asked for"

# Clock skew beyond clockskew, without faking the system time: the user's ccache says (in
# its DeltaTime header, as kinit writes it when kdc_timesync is on) that the KDC's clock
# runs an hour ahead, so libkrb5 dates this host's requests an hour off (cc_file.c).
python3 - "$realm/ccache" "$work/skewed.ccache" 3600 <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:2] == b"\x05\x04", "not a version 4 FILE ccache"
header_len = struct.unpack(">H", data[2:4])[0]
# tag 1 (FCC_TAG_DELTATIME), length 8: seconds and microseconds of the KDC's offset
header = struct.pack(">HHiI", 1, 8, int(sys.argv[3]), 0)
open(sys.argv[2], "wb").write(data[:2] + struct.pack(">H", len(header)) + header
                              + data[4 + header_len:])
PY
doctor_fails "clock skew" env KRB5CCNAME="FILE:$work/skewed.ccache" "$apx" doctor host@localhost
expect_line "$out" '^FAIL +clock +the KDC finds this host.s requests more than clockskew \(300 s\) off its clock \(libkrb5 here adds 3600 s.*NTP' \
    "clock skew: the clock line, with the offset and what to do"
expect_line "$out" '^FAIL +ticket +.*Clock skew too great' "clock skew: the KDC's refusal"
done_checks
