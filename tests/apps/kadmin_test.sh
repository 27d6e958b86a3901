#!/usr/bin/env bash
# kadmind and kadmin, MIT's own programs, on a host where apx is the interposer: the same
# administration session once with both under apx and once with both under MIT's built-in
# mechanism (the control). Each step must succeed in both, with the same output, and the
# apx run must have gone through apx on both sides (APX_TRACE) while the control did not.
#
#   kadmin_test.sh APX_INTERPOSER_CONF
#
# kadmind reads its keys from the database (the "KDB:" keytab), imports its names with a
# trailing NUL (libgssrpc), and compares gss_display_name's name type by pointer; the
# kadmin client library names the server with GSS_KRB5_NT_PRINCIPAL.
set -euo pipefail

readonly APX_CONF=$1
readonly TOP=$(cd "$(dirname "$0")/../.." && pwd)
readonly REALM=APX.TEST

work=$(mktemp -d "${TMPDIR:-/tmp}/apx-kadmin.XXXXXX")
kadmind_pid=

fail() {
    echo "kadmin_test: FAIL: $*" >&2
    exit 1
}

stop_kadmind() {
    [ -n "$kadmind_pid" ] || return 0
    # Only our kadmind: the pid may have been reused once it exited.
    if kill -0 "$kadmind_pid" 2>/dev/null \
        && grep -q kadmind "/proc/$kadmind_pid/comm" 2>/dev/null; then
        kill "$kadmind_pid" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "$kadmind_pid" 2>/dev/null || break
            sleep 0.05
        done
    fi
    kadmind_pid=
}

cleanup() {
    stop_kadmind
    "$TOP/scripts/realm" stop "$work/realm" || true
    if [ "${APX_KEEP_REALM:-}" = 1 ]; then
        echo "kadmin_test: kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

"$TOP/scripts/realm" start "$work/realm"
# shellcheck source=/dev/null
. "$work/realm/env"
unset KRB5_KTNAME  # kadmind uses the database's keys; kadmin names its keytab
D=$APX_REALM_DIR

# kadmind in the background, its GSS library configured by MECH_CONF; returns once it
# answers on its port.
start_kadmind() {  # NAME MECH_CONF
    local pidfile="$work/kadmind.$1.pid"
    GSS_MECH_CONFIG=$2 APX_TRACE="$work/trace.$1.kadmind" \
        setsid kadmind -nofork -r "$REALM" -P "$pidfile" </dev/null >>"$work/kadmind.$1.out" 2>&1 &
    kadmind_pid=$!
    for _ in $(seq 200); do
        kill -0 "$kadmind_pid" 2>/dev/null \
            || fail "$1: kadmind exited: $(tail -n 5 "$work/kadmind.$1.out" "$D/kadmin.log")"
        # The port is open once kadmind has set up its GSS names and listens.
        if (exec 3<>"/dev/tcp/127.0.0.1/$APX_KADMIND_PORT") 2>/dev/null; then
            [ -s "$pidfile" ] && kadmind_pid=$(cat "$pidfile")
            return 0
        fi
        sleep 0.05
    done
    fail "$1: kadmind did not listen on port $APX_KADMIND_PORT"
}

# One kadmin query as admin/admin (keytab, or password with -w); stdout+stderr to OUT.
kadmin_q() {  # NAME MECH_CONF OUT QUERY [AUTH...]
    local name=$1 conf=$2 out=$3 query=$4
    shift 4
    local auth=("$@")
    [ ${#auth[@]} -gt 0 ] || auth=(-k -t "$D/admin.keytab")
    local rc=0
    GSS_MECH_CONFIG=$conf APX_TRACE="$work/trace.$name.kadmin" \
        kadmin -r "$REALM" -p admin/admin "${auth[@]}" -q "$query" >"$out" 2>&1 </dev/null || rc=$?
    # kadmin exits 0 even when the query fails: it prints the reason after the name of
    # the failing step ("kadmin: ...", "get_principal: ... while retrieving ...").
    [ "$rc" -eq 0 ] || fail "$name: kadmin -q '$query' exited $rc: $(cat "$out")"
    if grep -qE '^[a-z_]+: ' "$out"; then
        fail "$name: kadmin -q '$query': $(cat "$out")"
    fi
}

expect_line() {  # NAME FILE REGEX
    grep -qE "$3" "$2" || fail "$1: no line matching '$3' in: $(cat "$2")"
}

# The administration session; its outputs, with the run's name replaced by NAME, go to
# $work/NAME.transcript for the comparison with the other run.
scenario() {  # NAME MECH_CONF
    local name=$1 conf=$2 o="$work/$1" kt="$work/$1.keytab"
    local princ="new-$1"
    local log_start=$(($(wc -l <"$D/kadmin.log") + 1))
    start_kadmind "$name" "$conf"

    kadmin_q "$name" "$conf" "$o.getprinc" "getprinc user"
    expect_line "$name" "$o.getprinc" "^Principal: user@$REALM$"
    kadmin_q "$name" "$conf" "$o.getprinc-pw" "getprinc admin/admin" -w apx-test-admin
    expect_line "$name" "$o.getprinc-pw" "^Principal: admin/admin@$REALM$"
    kadmin_q "$name" "$conf" "$o.addprinc" "addprinc -randkey $princ"
    expect_line "$name" "$o.addprinc" "^Principal \"$princ@$REALM\" created\.$"
    kadmin_q "$name" "$conf" "$o.ktadd" "ktadd -k $kt $princ"
    expect_line "$name" "$o.ktadd" "^Entry for principal $princ with kvno 2, encryption type .* added to keytab WRFILE:$kt\.$"

    # The keytab holds the new key, and the KDC agrees it is the principal's.
    klist -k "$kt" >"$o.klist" 2>&1 || fail "$name: klist -k $kt: $(cat "$o.klist")"
    expect_line "$name" "$o.klist" "^ +2 $princ@$REALM$"
    KRB5CCNAME="MEMORY:kadmin_test" kinit -k -t "$kt" "$princ" >"$o.kinit" 2>&1 \
        || fail "$name: kinit with the extracted key: $(cat "$o.kinit")"

    # This kadmind logged each request as a success, for admin/admin.
    tail -n "+$log_start" "$D/kadmin.log" >"$o.log"
    for req in "kadm5_get_principal, user@$REALM" "kadm5_create_principal, $princ@$REALM" \
        "kadm5_randkey_principal, $princ@$REALM"; do
        grep -q "Request: $req, success, client=admin/admin@$REALM" "$o.log" \
            || fail "$name: kadmind did not log '$req' as a success: $(tail -n 5 "$D/kadmin.log")"
    done
    stop_kadmind

    for f in getprinc getprinc-pw addprinc ktadd klist; do
        echo "== $f"
        # Times, kvnos of the tickets and the run's own names differ between runs.
        sed -e "s/$princ/new-RUN/g" -e "s|$kt|KEYTAB|g" \
            -e '/^Last \(modified\|password change\|successful\|failed\)/d' \
            -e '/^Expiration date/d' -e '/^Password expiration/d' "$o.$f"
    done >"$work/$name.transcript"
}

# MIT's mechanism first (the control), then apx.
scenario mit "$D/empty-mech.conf"
scenario apx "$APX_CONF"

if ! diff -u "$work/mit.transcript" "$work/apx.transcript" >"$work/diff"; then
    fail "apx and MIT's mechanism differ: $(cat "$work/diff")"
fi

# The control ran without apx; the apx run went through apx on both sides.
for f in "$work/trace.mit.kadmind" "$work/trace.mit.kadmin"; do
    [ ! -s "$f" ] || fail "the MIT run reached apx: $(head -n 3 "$f")"
done
grep -q "acquire_cred: acceptor kadmin/admin@$REALM from KDB:" "$work/trace.apx.kadmind" \
    || fail "kadmind did not take its credential from apx: $(head -n 20 "$work/trace.apx.kadmind")"
grep -q "accept_sec_context: accepted admin/admin@$REALM for kadmin/admin@$REALM" \
    "$work/trace.apx.kadmind" \
    || fail "kadmind did not accept through apx: $(head -n 20 "$work/trace.apx.kadmind")"
grep -q "init_sec_context: AP-REQ for kadmin/admin@$REALM as admin/admin@$REALM" \
    "$work/trace.apx.kadmin" \
    || fail "kadmin did not initiate through apx: $(head -n 20 "$work/trace.apx.kadmin")"

echo "kadmin_test: kadmind and kadmin work under apx as under MIT's mechanism"
