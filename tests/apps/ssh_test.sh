#!/usr/bin/env bash
# OpenSSH (Debian's sshd and ssh, with the GSSAPI key-exchange patch) on a host where apx is
# the interposer: the same logins once with sshd, ssh, the session's programs and a
# gss-server under apx, and once all under MIT's built-in mechanism (the control). Each
# step must have the same outcome and output in both runs, the apx run must have gone
# through apx in every process that does GSS (APX_TRACE) and the control through none.
#
#   ssh_test.sh APX_INTERPOSER_CONF
#
# Runs as root: sshd needs it, and the logins go to a local account, apxuser, created here
# if absent and kept (its password is "*": no password, not "locked" for sshd without PAM).
# Who is allowed in is this run's k5login file, not the account's home: krb5.conf's
# k5login_directory points krb5_kuserok at the run's directory.
#
# How apx reaches each of sshd's processes (each checked below from the trace's pids and
# sshd's own log):
#   - the listener re-executes itself for each connection with its environment, so the
#     connection's monitor (privileged, "Forked child N") sees GSS_MECH_CONFIG, KRB5_*
#     and APX_TRACE; it accepts the contexts (gssapi-with-mic and gssapi-keyex alike, over
#     the monitor protocol) and stores the delegated tickets (gss_krb5_copy_ccache);
#   - the network child ("Network child is on pid M") loads the mechanisms before it
#     chroots to /run/sshd (ssh_gssapi_prepare_supported_oids) and does no GSS itself;
#   - the session gets a fresh environment: KRB5CCNAME (the delegated ccache) from sshd,
#     KRB5_CONFIG, GSS_MECH_CONFIG and APX_TRACE only through SetEnv in sshd_config.
set -euo pipefail

# Absolute: sshd works from /, and the session from the account's home.
APX_CONF=$(realpath -e "$1")
readonly APX_CONF
TOP=$(cd "$(dirname "$0")/../.." && pwd)
readonly TOP
readonly REALM=APX.TEST
readonly ACCOUNT=apxuser
readonly PATH_CLEAN=/usr/sbin:/usr/bin:/sbin:/bin

fail() {
    echo "ssh_test: FAIL: $*" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] || fail "must run as root (sshd, a local account)"
for p in /usr/sbin/sshd ssh ssh-keygen gss-server gss-client useradd; do
    command -v "$p" >/dev/null || fail "$p is missing: run scripts/deps"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/apx-ssh.XXXXXX")
# The session (uid apxuser) reads krb5.conf and writes its trace in here.
chmod 711 "$work"
sshd_pid=
gss_server_pid=

# Stop PID if it is still the program COMM (the pid may have been reused once it exited).
stop_pid() {  # PID COMM
    [ -n "$1" ] || return 0
    if kill -0 "$1" 2>/dev/null && grep -qx "$2" "/proc/$1/comm" 2>/dev/null; then
        kill "$1" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "$1" 2>/dev/null || return 0
            sleep 0.05
        done
        kill -KILL "$1" 2>/dev/null || true
    fi
}

cleanup() {
    stop_pid "$sshd_pid" sshd
    stop_pid "$gss_server_pid" gss-server
    "$TOP/scripts/realm" stop "$work/realm" || true
    if [ "${APX_KEEP_REALM:-}" = 1 ]; then
        echo "ssh_test: kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

"$TOP/scripts/realm" start "$work/realm"
readonly D=$work/realm

# The gssapi-keyex methods come from Debian's GSSAPI key-exchange patch.
ssh -Q kex-gss 2>/dev/null | grep -q '^gss-group14-sha256-$' \
    || fail "this ssh has no GSSAPI key exchange (ssh -Q kex-gss): $(ssh -V 2>&1)"

# The account, idempotently; sshd without PAM refuses a locked one ("!" password).
id "$ACCOUNT" >/dev/null 2>&1 || useradd -m -s /bin/sh "$ACCOUNT" 2>/dev/null \
    || id "$ACCOUNT" >/dev/null 2>&1 || fail "cannot create the account $ACCOUNT"
usermod -p '*' "$ACCOUNT"
# sshd's privilege-separation directory (systemd's RuntimeDirectory makes it at boot).
mkdir -p /run/sshd
chmod 755 /run/sshd

mkdir "$work/k5login"
allow() {  # PRINCIPAL: the one principal allowed into the account
    echo "$1" >"$work/k5login/$ACCOUNT"
}
cat >"$work/krb5.conf" <<EOF
include $D/krb5.conf
[libdefaults]
    k5login_directory = $work/k5login
EOF

ssh-keygen -q -t ed25519 -N '' -C apx-test -f "$work/host_key"

pick_port() {
    local p
    for _ in $(seq 100); do
        p=$((20000 + RANDOM % 12000))
        if ! ss -Hlnt "sport = :$p" 2>/dev/null | grep -q .; then
            echo "$p"
            return 0
        fi
    done
    fail "no free port on 127.0.0.1"
}

write_sshd_config() {  # NAME MECH_CONF PORT
    cat >"$work/sshd_config.$1" <<EOF
ListenAddress 127.0.0.1
Port $3
HostKey $work/host_key
PidFile $work/sshd.$1.pid
LogLevel DEBUG2
UsePAM no
StrictModes no
PasswordAuthentication no
PubkeyAuthentication no
KbdInteractiveAuthentication no
GSSAPIAuthentication yes
GSSAPIKeyExchange yes
GSSAPICleanupCredentials yes
# Any key in KRB5_KTNAME, not only host/<gethostname()>.
GSSAPIStrictAcceptorCheck no
SetEnv KRB5_CONFIG=$work/krb5.conf GSS_MECH_CONFIG=$2 APX_TRACE=$work/trace.$1.session
EOF
}

# sshd in the foreground of a background job (-D: $! is the listener), logging to stderr;
# returns once it listens. Its environment is only what it needs.
start_sshd() {  # NAME MECH_CONF
    local name=$1 log="$work/sshd.$1.log" port
    for _ in 1 2 3 4 5; do
        port=$(pick_port)
        write_sshd_config "$name" "$2" "$port"
        env -i PATH="$PATH_CLEAN" KRB5_CONFIG="$work/krb5.conf" \
            KRB5_KTNAME="FILE:$D/service.keytab" KRB5RCACHEDIR="$D/rcache" \
            GSS_MECH_CONFIG="$2" APX_TRACE="$work/trace.$name.sshd" \
            setsid /usr/sbin/sshd -D -e -f "$work/sshd_config.$name" </dev/null >"$log" 2>&1 &
        sshd_pid=$!
        for _ in $(seq 200); do
            # The log, not a probe connection: a probe would start a monitor of its own.
            # sshd ends its stderr lines with CRLF.
            if grep -q "^Server listening on 127.0.0.1 port $port\." "$log"; then
                sshd_port=$port
                return 0
            fi
            kill -0 "$sshd_pid" 2>/dev/null || break
            sleep 0.05
        done
        grep -q "Address already in use" "$log" || break
        stop_pid "$sshd_pid" sshd
    done
    fail "$name: sshd did not start: $(tail -n 5 "$log")"
}

# MIT's sample server with the realm's keytab, answering as host/localhost.
start_gss_server() {  # NAME MECH_CONF
    local name=$1 log="$work/gss-server.$1.log"
    for _ in 1 2 3 4 5; do
        gss_server_port=$(pick_port)
        env -i PATH="$PATH_CLEAN" KRB5_CONFIG="$D/krb5.conf" KRB5RCACHEDIR="$D/rcache" \
            GSS_MECH_CONFIG="$2" APX_TRACE="$work/trace.$name.gss-server" \
            setsid gss-server -port "$gss_server_port" -keytab "$D/service.keytab" host@localhost \
            </dev/null >"$log" 2>&1 &
        gss_server_pid=$!
        for _ in $(seq 200); do
            # Printed once it listens; it exits if it cannot bind.
            grep -q '^starting\.\.\.$' "$log" && return 0
            kill -0 "$gss_server_pid" 2>/dev/null || break
            sleep 0.05
        done
        grep -q "Address already in use" "$log" || break
        stop_pid "$gss_server_pid" gss-server
    done
    fail "$name: gss-server did not start: $(cat "$log")"
}

# ssh as user@APX.TEST (the realm's TGT) to the account; stdout to OUT, stderr to OUT.err.
ssh_as_user() {  # NAME MECH_CONF OUT SSH_OPTION... -- COMMAND
    local name=$1 conf=$2 out=$3
    shift 3
    local opts=()
    while [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    local rc=0
    env -i PATH="$PATH_CLEAN" HOME="$work" KRB5_CONFIG="$D/krb5.conf" \
        KRB5CCNAME="FILE:$D/ccache" GSS_MECH_CONFIG="$conf" APX_TRACE="$work/trace.$name.ssh" \
        timeout 30 ssh -F /dev/null -T -p "$sshd_port" -o BatchMode=yes -o ConnectTimeout=10 \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile="$work/known_hosts" \
        -o GSSAPIAuthentication=yes "${opts[@]}" "$ACCOUNT@localhost" "$@" \
        </dev/null >"$out" 2>"$out.err.crlf" || rc=$?
    # ssh ends its stderr lines with CRLF.
    tr -d '\r' <"$out.err.crlf" >"$out.err"
    return "$rc"
}

expect_line() {  # NAME FILE REGEX
    grep -qE "$3" "$2" || fail "$1: no line matching '$3' in $2: $(cat "$2")"
}

# The same for a line another process may still be writing.
wait_line() {  # NAME FILE REGEX
    for _ in $(seq 100); do
        grep -qE "$3" "$2" && return 0
        sleep 0.05
    done
    expect_line "$@"
}

# The session's delegated ccache is removed once the session ends (GSSAPICleanupCredentials).
expect_gone() {  # NAME PATH
    for _ in $(seq 100); do
        [ -e "$2" ] || return 0
        sleep 0.05
    done
    fail "$1: the delegated ccache $2 outlived its session"
}

# The five logins under one mechanism configuration; the outputs, normalised, go to
# $work/NAME.transcript for the comparison with the other run.
scenario() {  # NAME MECH_CONF
    local name=$1 conf=$2 o="$work/$1" rc
    : >"$work/trace.$name.session"
    chown "$ACCOUNT" "$work/trace.$name.session"
    allow "user@$REALM"
    start_sshd "$name" "$conf"
    start_gss_server "$name" "$conf"

    # shellcheck disable=SC2016  # expanded in the session
    # 1. gssapi-with-mic, no delegation: the command runs as the account, no ccache.
    ssh_as_user "$name" "$conf" "$o.1" -o PreferredAuthentications=gssapi-with-mic \
        -o GSSAPIDelegateCredentials=no -o LogLevel=ERROR -- 'id -un; echo "ccache=${KRB5CCNAME:-none}"' \
        || fail "$name: gssapi-with-mic login failed: $(cat "$o.1" "$o.1.err")"
    expect_line "$name" "$o.1" "^$ACCOUNT$"
    expect_line "$name" "$o.1" "^ccache=none$"

    # 2. Delegation: the session holds the forwarded TGT in its KRB5CCNAME and uses it
    # through GSS, to the gss-server and delegating again (a second hop).
    local g="gss-client -port $gss_server_port" h="localhost host@localhost"
    ssh_as_user "$name" "$conf" "$o.2" -o PreferredAuthentications=gssapi-with-mic \
        -o GSSAPIDelegateCredentials=yes -o LogLevel=ERROR -- \
        "echo \"ccache=\$KRB5CCNAME\"; klist -f; $g $h hello-$name; echo \"gss-client: \$?\";
         $g -d $h again-$name; echo \"gss-client -d: \$?\"; klist" \
        || fail "$name: login with delegation failed: $(cat "$o.2" "$o.2.err")"
    expect_line "$name" "$o.2" "^ccache=FILE:/tmp/krb5cc_[0-9]+_"
    expect_line "$name" "$o.2" "^Default principal: user@$REALM$"
    # The delegated TGT: forwardable (F) and forwarded (f).
    grep -A1 -E " krbtgt/$REALM@$REALM$" "$o.2" | grep -qE '^	Flags: .*F.*f' \
        || fail "$name: no forwarded, forwardable TGT in the session: $(cat "$o.2")"
    expect_line "$name" "$o.2" "^gss-client: 0$"
    expect_line "$name" "$o.2" "^gss-client -d: 0$"
    # The TGT served: the service ticket it bought sits in the delegated ccache.
    expect_line "$name" "$o.2" " host/localhost@$REALM$"
    wait_line "$name" "$work/gss-server.$name.log" "^Received message: \"hello-$name\"$"
    wait_line "$name" "$work/gss-server.$name.log" "^Received message: \"again-$name\"$"
    [ "$(grep -c '^Accepted connection: "user@APX.TEST"$' "$work/gss-server.$name.log")" -eq 2 ] \
        || fail "$name: gss-server did not accept user@$REALM twice: $(cat "$work/gss-server.$name.log")"

    # 3. The session's ccache is gone after logout.
    delegated=$(sed -n 's/^ccache=FILE://p' "$o.2")
    expect_gone "$name" "$delegated"
    echo "$delegated" >"$o.ccache"

    # 4. gssapi-keyex: the key exchange itself is GSS-authenticated, and so is the login.
    ssh_as_user "$name" "$conf" "$o.4" -v -o GSSAPIKeyExchange=yes \
        -o PreferredAuthentications=gssapi-keyex -o GSSAPIDelegateCredentials=no -- 'id -un' \
        || fail "$name: gssapi-keyex login failed: $(cat "$o.4" "$o.4.err")"
    expect_line "$name" "$o.4" "^$ACCOUNT$"
    expect_line "$name" "$o.4.err" "^debug1: kex: algorithm: gss-"
    expect_line "$name" "$o.4.err" "^Authenticated to localhost \(\[127\.0\.0\.1\]:$sshd_port\) using \"gssapi-keyex\"\.$"

    # 5. A k5login without user@APX.TEST: both methods refuse, although the context was
    # established (authentication succeeds, authorisation does not).
    allow "other/localhost@$REALM"
    rc=0
    ssh_as_user "$name" "$conf" "$o.5" -o GSSAPIKeyExchange=yes \
        -o PreferredAuthentications=gssapi-keyex,gssapi-with-mic -o LogLevel=ERROR -- 'id -un' \
        || rc=$?
    [ "$rc" -eq 255 ] || fail "$name: a login outside the k5login exited $rc: $(cat "$o.5" "$o.5.err")"
    [ ! -s "$o.5" ] || fail "$name: a refused login ran its command: $(cat "$o.5")"
    expect_line "$name" "$o.5.err" "^$ACCOUNT@localhost: Permission denied \(gssapi-keyex,gssapi-with-mic\)\.$"
    allow "user@$REALM"

    stop_pid "$gss_server_pid" gss-server
    stop_pid "$sshd_pid" sshd
    local log="$work/sshd.$name.txt"
    tr -d '\r' <"$work/sshd.$name.log" >"$log"
    [ "$(grep -c "^Accepted gssapi-with-mic for $ACCOUNT from 127.0.0.1 port [0-9]* ssh2: user@$REALM$" "$log")" -eq 2 ] \
        || fail "$name: sshd did not log two gssapi-with-mic logins: $(grep Accepted "$log")"
    [ "$(grep -c "^Accepted gssapi-keyex for $ACCOUNT from 127.0.0.1 port [0-9]* ssh2: user@$REALM$" "$log")" -eq 1 ] \
        || fail "$name: sshd did not log one gssapi-keyex login: $(grep Accepted "$log")"

    for s in 1 2 4 5; do
        echo "== $s"
        cat "$o.$s"
        # gss-server's view of scenario 2. Not its naming attributes: MIT lists the ticket's
        # PAC (urn:mspac:*), apx has no gss_inquire_name and says so.
        [ "$s" != 2 ] || grep -E '^(localname|Accepted connection|Received message): ' \
            "$work/gss-server.$name.log"
        [ "$s" != 4 ] || grep -E '^(debug1: kex: algorithm|Authenticated to)' "$o.4.err"
        [ "$s" != 5 ] || cat "$o.5.err"
    # An AP-REQ's size varies by a few octets from one to the next in both mechanisms (the
    # DER lengths of the authenticator's microseconds and sequence number).
    # gss-client lists the name types the mechanism imports, apx's own (no composite export
    # names, which apx does not import; anonymous and enterprise names, which it does).
    done | sed -E -e "s/-$name\>/-RUN/g" -e "s/:$sshd_port\>/:PORT/g" \
        -e 's|/tmp/krb5cc_[0-9]+_[A-Za-z0-9]+|CCACHE|g' \
        -e 's|^[0-9/]+ [0-9:]+  [0-9/]+ [0-9:]+  |TIMES  |' -e 's/lifetime [0-9]+/lifetime N/' \
        -e 's/^(Sending init_sec_context token \(size=)[0-9]+/\1N/' \
        -e '/^Mechanism \{ 1 2 840 113554 1 2 2 \} supports [0-9]+ names$/d' -e '/^  [0-9]+: \{ [0-9 ]+ \}$/d' \
        >"$work/$name.transcript"
}

# Pids of one kind of sshd process, from sshd's log ("Forked child N.", ...), in order.
sshd_pids() {  # LOG SED_EXPR
    sed -n "$2" "$1" | awk '!seen[$0]++'
}

# The pids of TRACE's lines matching REGEX.
trace_pids() {  # TRACE REGEX
    { grep -E "$2" "$1" || true; } | sed -n 's/^apx\[\([0-9]*\)\] .*/\1/p' | sort -u
}

count() {  # FILE REGEX
    grep -cE "$2" "$1" || true
}

SECONDS=0
# MIT's mechanism first (the control), then apx.
scenario mit "$D/empty-mech.conf"
scenario apx "$APX_CONF"

if ! diff -u "$work/mit.transcript" "$work/apx.transcript" >"$work/diff"; then
    fail "apx and MIT's mechanism differ: $(cat "$work/diff")"
fi

# The control ran without apx anywhere.
for f in "$work"/trace.mit.*; do
    [ ! -s "$f" ] || fail "the MIT run reached apx: $f: $(head -n 3 "$f")"
done

# The apx run. sshd: each connection's monitor accepted its contexts and stored the
# delegated tickets; each network child loaded apx and did nothing else with it.
log="$work/sshd.apx.txt"
t="$work/trace.apx.sshd"
monitors=$(sshd_pids "$log" 's/^debug1: Forked child \([0-9]*\)\.$/\1/p')
network=$(sshd_pids "$log" 's/^debug2: Network child is on pid \([0-9]*\)$/\1/p')
if [ "$(wc -l <<<"$monitors")" -ne 4 ] || [ "$(wc -l <<<"$network")" -ne 4 ]; then
    fail "not four connections in sshd's log: monitors $monitors, network children $network"
fi
accepted="accept_sec_context: accepted user@$REALM for host/localhost@$REALM"
[ "$(trace_pids "$t" "$accepted")" = "$(sort -u <<<"$monitors")" ] \
    || fail "not every monitor, or not only monitors, accepted through apx: $(cat "$t")"
[ "$(count "$t" "$accepted")" -ge 4 ] || fail "sshd accepted fewer than 4 contexts: $(cat "$t")"
# The refused logins (the last connection) were authenticated, by the key exchange and by
# gssapi-with-mic, and refused by the k5login only.
[ "$(count "$t" "^apx\[$(tail -n 1 <<<"$monitors")\] [0-9.]+ $accepted")" -eq 2 ] \
    || fail "the refused connection did not establish its two contexts through apx: $(cat "$t")"
[ "$(trace_pids "$t" "copy_tickets: tickets of user@$REALM copied")" = \
    "$(sed -n 2p <<<"$monitors")" ] \
    || fail "the delegating login's monitor did not store the tickets through apx: $(cat "$t")"
[ "$(trace_pids "$t" "interposer: serving krb5")" = "$(printf '%s\n%s\n' "$monitors" "$network" | sort -u)" ] \
    || fail "apx was not loaded in each monitor and network child: $(cat "$t")"
for pid in $network; do
    if grep "^apx\[$pid\] " "$t" | grep -qv "interposer: serving krb5"; then
        fail "network child $pid did GSS work itself: $(cat "$t")"
    fi
done
# ssh: every login initiated through apx, the second one delegating.
s="$work/trace.apx.ssh"
[ "$(count "$s" "init_sec_context: AP-REQ for host/localhost@$REALM as user@$REALM")" -ge 4 ] \
    || fail "ssh did not initiate through apx: $(cat "$s")"
[ "$(count "$s" "init_sec_context: delegation attached$")" -eq 1 ] \
    || fail "ssh did not delegate once through apx: $(cat "$s")"
# The session's gss-client started from the delegated ccache, twice, delegating again once.
s="$work/trace.apx.session"
grep -qF "acquire_cred: initiator user@$REALM from FILE:$(cat "$work/apx.ccache")" "$s" \
    || fail "the session's gss-client did not use the delegated ccache: $(cat "$s")"
[ "$(count "$s" "init_sec_context: AP-REQ for host/localhost@$REALM as user@$REALM")" -eq 2 ] \
    || fail "the session did not initiate twice through apx: $(cat "$s")"
[ "$(count "$s" "init_sec_context: delegation attached$")" -eq 1 ] \
    || fail "the session did not delegate through apx: $(cat "$s")"
[ "$(count "$work/trace.apx.gss-server" "$accepted")" -eq 2 ] \
    || fail "gss-server did not accept twice through apx: $(cat "$work/trace.apx.gss-server")"

echo "ssh_test: sshd, ssh, the session and gss-server work under apx as under MIT's mechanism (${SECONDS}s)"
