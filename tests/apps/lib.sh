# Shared by the app tests (sourced, not run): a throwaway realm, service principals of the
# test's own, free ports, daemons stopped by pid, and the checks every test makes.
#
# The sourcing script sets APP (its name in messages) and defines `cleanup_app` (stops its
# daemons); `app_init` then makes $work, starts the realm and sources its env.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly TOP
readonly REALM=APX.TEST

work=
checks=0

fail() {
    echo "$APP: FAIL: $*" >&2
    exit 1
}

# One passed check: counted, so the closing line says how many the run made.
pass() {
    checks=$((checks + 1))
}

expect_line() {  # WHAT FILE REGEX
    grep -qE -- "$3" "$2" || fail "$1: no line matching '$3' in: $(head -c 2000 "$2")"
    pass
}

app_cleanup() {
    local rc=$?
    cleanup_app || true
    if [ -n "$work" ]; then
        "$TOP/scripts/realm" stop "$work/realm" || true
        if [ "${APX_KEEP_REALM:-}" = 1 ]; then
            echo "$APP: kept $work (exit $rc)" >&2
        else
            rm -rf "$work"
        fi
    fi
}

app_init() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/apx-$APP.XXXXXX")
    chmod 755 "$work"
    trap app_cleanup EXIT
    trap 'exit 1' INT TERM HUP
    "$TOP/scripts/realm" start "$work/realm"
    # shellcheck source=/dev/null
    . "$work/realm/env"
    D=$APX_REALM_DIR
}

# Adds PRINCIPAL to the realm with a random key and writes it into KEYTAB.
add_service() {  # PRINCIPAL KEYTAB
    local out
    out=$(GSS_MECH_CONFIG="$D/empty-mech.conf" kadmin.local -r "$REALM" \
        -q "addprinc -randkey $1" 2>&1) || fail "kadmin.local: $out"
    grep -q "Principal \"$1@$REALM\" created" <<<"$out" || fail "kadmin.local addprinc $1: $out"
    out=$(GSS_MECH_CONFIG="$D/empty-mech.conf" kadmin.local -r "$REALM" \
        -q "ktadd -k $2 $1" 2>&1) || fail "kadmin.local: $out"
    grep -q "added to keytab WRFILE:$2" <<<"$out" || fail "kadmin.local ktadd $1: $out"
}

# A TCP port nobody listens on at 127.0.0.1, below the kernel's ephemeral range
# (32768 and up) so no outgoing connection holds it; another test running in parallel
# may still take it first, which is why daemons that bind it are started with a retry.
pick_port() {
    local p
    for _ in $(seq 100); do
        p=$((20000 + RANDOM % 12000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    fail "no free port on 127.0.0.1"
}

# Waits until PID listens on PORT; fails with LOG's tail if it exits first.
wait_listening() {  # WHAT PID PORT LOG
    for _ in $(seq 300); do
        kill -0 "$2" 2>/dev/null || fail "$1 exited: $(tail -n 20 "$4")"
        if (exec 3<>"/dev/tcp/127.0.0.1/$3") 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    fail "$1 did not listen on port $3: $(tail -n 20 "$4")"
}

# Stops PID if it is still the program COMM (the pid may have been reused once it
# exited), and waits for it to go.
stop_pid() {  # PID COMM
    [ -n "$1" ] || return 0
    if kill -0 "$1" 2>/dev/null && grep -q "$2" "/proc/$1/comm" 2>/dev/null; then
        kill "$1" 2>/dev/null || true
        for _ in $(seq 200); do
            kill -0 "$1" 2>/dev/null || return 0
            sleep 0.05
        done
        kill -KILL "$1" 2>/dev/null || true
    fi
}

# The four runs of the app's `scenario NAME SERVER_MECH_CONF CLIENT_MECH_CONF`: MIT's
# mechanism on both sides (the control), apx on both sides, and each side under apx with
# the other under MIT's mechanism (the wire between apx and MIT). Each run writes
# $work/NAME.transcript, which must equal the control's, and traces apx to
# $work/trace.NAME.server and $work/trace.NAME.client: the sides under MIT's mechanism
# must never have reached apx, the sides under apx must show ACCEPTOR accepting
# user@APX.TEST and the client asking for ACCEPTOR.
run_scenarios() {  # ACCEPTOR
    local acceptor=$1 mit="$D/empty-mech.conf" run
    scenario mit "$mit" "$mit"
    scenario apx "$APX_CONF" "$APX_CONF"
    scenario apx-server "$APX_CONF" "$mit"
    scenario apx-client "$mit" "$APX_CONF"
    for run in apx apx-server apx-client; do
        diff -u "$work/mit.transcript" "$work/$run.transcript" >"$work/$run.diff" \
            || fail "$run: apx and MIT's mechanism differ: $(head -c 3000 "$work/$run.diff")"
        pass
    done
    for f in mit.server mit.client apx-server.client apx-client.server; do
        [ ! -s "$work/trace.$f" ] || fail "$f under MIT's mechanism reached apx: $(head -n 3 "$work/trace.$f")"
        pass
    done
    for run in apx apx-server; do
        grep -q "accept_sec_context: accepted user@$REALM for $acceptor@$REALM" "$work/trace.$run.server" \
            || fail "$run: the server did not accept through apx: $(head -n 20 "$work/trace.$run.server" 2>/dev/null)"
        pass
    done
    for run in apx apx-client; do
        grep -q "init_sec_context: AP-REQ for $acceptor@$REALM as user@$REALM" "$work/trace.$run.client" \
            || fail "$run: the client did not initiate through apx: $(head -n 20 "$work/trace.$run.client" 2>/dev/null)"
        pass
    done
}
