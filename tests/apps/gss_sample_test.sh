#!/usr/bin/env bash
# MIT's sample programs (Debian's krb5-gss-samples) on a host where apx is the interposer:
# gss-server with -export (after each accept it exports its context and imports it again,
# three times, then carries on with the imported context) and gss-client, for an
# AES (RFC 4121) and a triple-DES (RFC 1964) service, with the krb5 mechanism and with
# SPNEGO, and with IAKERB for a client that cannot reach the KDC (with a TGT, and with a
# password). The four runs of run_scenarios (lib.sh): MIT's mechanism on both sides as the
# control, apx on both, and each side alone under apx; every transcript must equal the
# control's.
#
#   gss_sample_test.sh APX_INTERPOSER_CONF
set -euo pipefail
APP=gss-sample
APX_CONF=$1
# shellcheck source=tests/apps/lib.sh
. "$(dirname "$0")/lib.sh"

for p in gss-server gss-client; do
    command -v "$p" >/dev/null || fail "$p is missing: run scripts/deps"
done

server_pid=
cleanup_app() {
    stop_pid "$server_pid" gss-server
}
app_init
# The client asks for triple-DES session keys for the des3 service (the KDC would otherwise
# pick aes256-cts for any service), so those contexts use RFC 1964 tokens and are
# exported in that form.
sed 's/^\( *default_tgs_enctypes *=\)/\1 des3-cbc-sha1/' "$D/krb5.conf" >"$work/krb5-des3.conf"
grep -q "default_tgs_enctypes = des3-cbc-sha1 aes" "$work/krb5-des3.conf" \
    || fail "cannot make the des3 client's krb5.conf"

# One exchange: a gss-server for SERVICE@localhost that serves one connection, and a
# gss-client with OPTIONS sending one message. Appends what both printed that does not
# depend on the run (names, the message, the verdicts) to the transcript.
exchange() {  # RUN SERVICE SERVER_CONF CLIENT_CONF OPTIONS...
    local run=$1 service=$2 sconf=$3 cconf=$4
    shift 4
    local port log="$work/$run.$service$*.server.log" out="$work/$run.$service$*.client.log"
    local attempt listening=
    # A port picked free may be taken by a test running alongside before gss-server binds
    # it: then pick another (up to five times); any other exit is a failure.
    for attempt in 1 2 3 4 5; do
        port=$(pick_port)
        env GSS_MECH_CONFIG="$sconf" APX_TRACE="$work/trace.$run.server" \
            gss-server -once -export ${SERVER_FLAGS:-} -port "$port" -keytab "$D/service.keytab" \
            "$service@localhost" >"$log" 2>&1 &
        server_pid=$!
        # It prints this once it listens (a probe connection would use up its one -once).
        for _ in $(seq 200); do
            if grep -q '^starting\.\.\.$' "$log"; then listening=1; break; fi
            if ! kill -0 "$server_pid" 2>/dev/null; then
                grep -q 'Address already in use' "$log" && break
                fail "gss-server ($run) exited: $(cat "$log")"
            fi
            sleep 0.05
        done
        [ -z "$listening" ] || break
        if kill -0 "$server_pid" 2>/dev/null; then
            kill "$server_pid"
            fail "gss-server ($run) did not start listening in 10 s: $(cat "$log")"
        fi
        wait "$server_pid" 2>/dev/null || true
        [ "$attempt" -lt 5 ] || fail "gss-server ($run) found no free port: $(cat "$log")"
    done
    local conf="$D/krb5.conf"
    [ "$service" != des3 ] || conf="$work/krb5-des3.conf"
    [ -z "${CLIENT_KRB5_CONF:-}" ] || conf=$CLIENT_KRB5_CONF
    env GSS_MECH_CONFIG="$cconf" APX_TRACE="$work/trace.$run.client" KRB5_CONFIG="$conf" \
        KRB5CCNAME="${CLIENT_CCACHE:-$KRB5CCNAME}" \
        gss-client -port "$port" "$@" 127.0.0.1 "$service@localhost" "apx says hello" \
        >"$out" 2>&1 || true
    wait "$server_pid" || true
    server_pid=
    {
        echo "== $service $*"
        grep -E '^(Accepted connection|Received message|GSS-API error (exporting|importing))' "$log" || true
        grep -E '^(Signature verified|GSS-API error|"user@)' "$out" | sed 's/, lifetime [0-9]*//' || true
    } >>"$work/$run.transcript"
}

scenario() {  # NAME SERVER_MECH_CONF CLIENT_MECH_CONF
    local name=$1 service opts
    : >"$work/$name.transcript"
    for service in host des3; do
        for opts in "" "-spnego"; do
            # shellcheck disable=SC2086
            exchange "$name" "$service" "$2" "$3" $opts
        done
    done
    # IAKERB: the client's krb5.conf names a KDC that does not answer, so its tickets can
    # only come through the server. With a TGT (a TGS exchange relayed), and with a
    # password and no tickets at all (AS exchanges with SPAKE pre-authentication, then TGS).
    kinit -k -t "$D/user.keytab" -c "FILE:$work/iakerb-tgt.ccache" user \
        || fail "$name: kinit for the IAKERB client"
    SERVER_FLAGS=-iakerb CLIENT_KRB5_CONF="$work/krb5-no-kdc.conf" \
        CLIENT_CCACHE="FILE:$work/iakerb-tgt.ccache" exchange "$name" host "$2" "$3" -iakerb
    rm -f "$work/iakerb-pw.ccache"
    SERVER_FLAGS=-iakerb CLIENT_KRB5_CONF="$work/krb5-no-kdc.conf" \
        CLIENT_CCACHE="FILE:$work/iakerb-pw.ccache" exchange "$name" host "$2" "$3" -iakerb \
        -user "strong@$REALM" -pass apx-test-strong
    # Every exchange of every run succeeded: the message came through the re-imported
    # context and the client verified the server's MIC of it.
    [ "$(grep -c '^Signature verified' "$work/$name.transcript")" -eq 6 ] \
        || fail "$name: not every exchange succeeded: $(cat "$work/$name.transcript")"
    pass
    [ "$(grep -c '^Received message: "apx says hello"' "$work/$name.transcript")" -eq 6 ] \
        || fail "$name: the server did not read every message: $(cat "$work/$name.transcript")"
    pass
}

# The IAKERB client's krb5.conf: the realm's KDC moved to a port nothing listens on.
sed "s/127\.0\.0\.1:$APX_REALM_PORT/127.0.0.1:1/" "$D/krb5.conf" >"$work/krb5-no-kdc.conf"
grep -q "127.0.0.1:1$" "$work/krb5-no-kdc.conf" || fail "cannot make the IAKERB client's krb5.conf"

run_scenarios host/localhost
# The server under apx exported and imported through apx (MIT's layout, read by apx).
for want in "des3/localhost@$REALM, enctype 16"; do
    grep -q "accept_sec_context: accepted user@$REALM for $want" "$work/trace.apx.server" \
        || fail "apx: no context for $want through apx: $(grep accepted "$work/trace.apx.server")"
    pass
done
# IAKERB went through apx where apx was loaded: the server relayed the client's requests
# and checked its finished checksum; the client sent them and got its tickets through them.
for run in apx apx-server; do
    for want in "IAKERB: relayed the initiator's TGS request for $REALM" \
                "IAKERB: relayed the initiator's AS request for $REALM" \
                "IAKERB finished checksum verified"; do
        grep -q "accept_sec_context: $want" "$work/trace.$run.server" \
            || fail "$run: no '$want' in the server's apx trace"
        pass
    done
done
for run in apx apx-client; do
    for want in "IAKERB TGS request for realm $REALM" "IAKERB AS request for realm $REALM" \
                "IAKERB initial tickets for strong@$REALM" \
                "IAKERB service ticket for host/localhost@$REALM"; do
        grep -q "init_sec_context: $want" "$work/trace.$run.client" \
            || fail "$run: no '$want' in the client's apx trace"
        pass
    done
done
echo "$APP: $checks checks passed"
