# Shared by the app tests (sourced, not run): a throwaway realm, service principals of the
# test's own, free ports, daemons stopped by pid, and the checks every test makes.
#
# The sourcing script sets APP (its name in messages) and defines `cleanup_app` (stops its
# daemons); `app_init` then makes $work, starts the realm and sources its env.
# shellcheck shell=bash

readonly TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
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

# A TCP port nobody listens on at 127.0.0.1 (the daemon still fails cleanly if one
# takes it meanwhile).
pick_port() {
    local p
    for _ in $(seq 100); do
        p=$((20000 + RANDOM % 40000))
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

# The control's processes never reached apx; the apx run's trace shows the acceptor
# ACCEPTOR accepted user@APX.TEST through apx and the initiator asked for it.
check_traces() {  # ACCEPTOR MIT_TRACE... -- APX_SERVER_TRACE APX_CLIENT_TRACE
    local acceptor=$1
    shift
    while [ "$1" != -- ]; do
        [ ! -s "$1" ] || fail "the MIT run reached apx: $(head -n 3 "$1")"
        pass
        shift
    done
    shift
    grep -q "accept_sec_context: accepted user@$REALM for $acceptor@$REALM" "$1" \
        || fail "the server did not accept through apx: $(head -n 20 "$1" 2>/dev/null)"
    pass
    grep -q "init_sec_context: AP-REQ for $acceptor@$REALM as user@$REALM" "$2" \
        || fail "the client did not initiate through apx: $(head -n 20 "$2" 2>/dev/null)"
    pass
}
