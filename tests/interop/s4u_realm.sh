#!/bin/bash
# A throwaway realm S4U.TEST whose KDC grants constrained delegation, for the S4U interop
# tests (s4u_test.cc). MIT's DB2 back end cannot say who may delegate to whom (kadmin's
# allowed_to_delegate_to needs the LDAP back end); MIT's own t_s4u.py uses its test KDB
# module, read-only principals and delegation tables in kdc.conf, built in MIT's source
# tree (-Dmit_krb5_src). The system's krb5kdc and kadmin.local load it from there.
#
#   s4u_realm.sh start DIR MIT_SRC   write the realm, extract keytabs, get the service's
#                                    forwardable TGT, start krb5kdc on a free port
#   s4u_realm.sh stop DIR            stop that KDC
#
# Principals: user; service/1 (ok-to-auth-as-delegate, may delegate to service/2, keytab
# DIR/service1.keytab, TGT in DIR/service1.ccache); service/2 and service/3 (keytab
# DIR/backend.keytab); rbcd/1, which accepts delegation from service/1 (resource-based).
set -euo pipefail
unset LD_PRELOAD GSS_MECH_CONFIG APX_TRACE KRB5_TRACE KRB5CCNAME KRB5_KTNAME \
    KRB5_CLIENT_KTNAME KRB5RCACHEDIR KRB5RCACHENAME KRB5RCACHETYPE
readonly REALM=S4U.TEST

write_conf() {  # DIR MIT_SRC PORT
    cat > "$1/krb5.conf" <<CONF
[libdefaults]
    default_realm = $REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    rdns = false
    forwardable = true
[realms]
    $REALM = {
        kdc = 127.0.0.1:$3
    }
CONF
    cat > "$1/kdc.conf" <<CONF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$3
    kdc_tcp_listen = 127.0.0.1:$3
[realms]
    $REALM = {
        database_module = test
    }
[dbmodules]
    db_module_dir = $2/plugins/kdb
    test = {
        db_library = test
        princs = {
            krbtgt/$REALM = {
                keys = aes128-cts
            }
            user = {
                keys = aes128-cts
            }
            service/1 = {
                flags = +ok-to-auth-as-delegate
                keys = aes128-cts
            }
            service/2 = {
                keys = aes128-cts
            }
            service/3 = {
                keys = aes128-cts
            }
            rbcd/1 = {
                keys = aes128-cts
            }
        }
        delegation = {
            service/1 = service/2
        }
        rbcd = {
            rbcd/1@$REALM = service/1@$REALM
        }
    }
[logging]
    kdc = FILE:$1/kdc.log
CONF
}

start() {  # DIR MIT_SRC
    local d=$1 port pid
    [ -f "$2/plugins/kdb/test.so" ] || { echo "s4u_realm: no test KDB module in $2" >&2; exit 1; }
    mkdir -p "$d"
    for _ in $(seq 20); do
        port=$((20000 + RANDOM % 12000))
        write_conf "$d" "$2" "$port"
        export KRB5_CONFIG="$d/krb5.conf" KRB5_KDC_PROFILE="$d/kdc.conf"
        if [ ! -f "$d/service1.keytab" ]; then
            kadmin.local -r "$REALM" -q "ktadd -norandkey -k $d/service1.keytab service/1" >/dev/null
            for p in service/2 service/3 rbcd/1; do
                kadmin.local -r "$REALM" -q "ktadd -norandkey -k $d/backend.keytab $p" >/dev/null
            done
        fi
        setsid krb5kdc -n -r "$REALM" </dev/null >>"$d/kdc.stderr" 2>&1 &
        pid=$!
        echo "$pid" > "$d/kdc.pid"
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            if kinit -f -k -t "$d/service1.keytab" -c "$d/service1.ccache" service/1 2>/dev/null; then
                return 0
            fi
            sleep 0.1
        done
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    echo "s4u_realm: krb5kdc did not start; see $d/kdc.stderr" >&2
    exit 1
}

stop() {
    local pid
    pid=$(cat "$1/kdc.pid" 2>/dev/null) || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

case "${1:-}" in
    start) [ $# -eq 3 ] || exit 2; start "$2" "$3" ;;
    stop) [ $# -eq 2 ] || exit 2; stop "$2" ;;
    *) echo "usage: s4u_realm.sh start DIR MIT_SRC | stop DIR" >&2; exit 2 ;;
esac
