#!/usr/bin/env bash
# Runs one of MIT krb5's k5test scripts in MIT's built source tree with apx as the
# interposer in every realm it makes, then checks from APX_TRACE that apx served it.
#
#   run_script.sh MIT_SRC APX_CONF DIR SCRIPT
#     MIT_SRC   krb5-1.20.1/src, configured and built (scripts/mit-krb5)
#     APX_CONF  apx's interposer mech.conf line (build/mech/spi/apx-interposer.conf)
#     DIR       the script's directory under MIT_SRC (tests/gssapi, appl/gss-sample, ...)
#     SCRIPT    the script's file name (t_gssapi.py, ...)
# Prints the number of commands the script ran and its last lines on failure.
set -euo pipefail
mit=$1 conf=$2 dir=$3 script=$4
here=$(cd "$(dirname "$0")" && pwd)
work="$mit/$dir"
trace=$(mktemp "${TMPDIR:-/tmp}/apx-mit-trace.XXXXXX")
trap 'rm -f "$trace"' EXIT

# The realm's programs must run MIT's in-tree build; nothing from the caller's realm.
unset KRB5_CONFIG KRB5CCNAME KRB5_KTNAME KRB5_CLIENT_KTNAME KRB5RCACHEDIR KRB5RCACHETYPE \
    KRB5RCACHENAME GSS_MECH_CONFIG KRB5_TRACE
export APX_TRACE=$trace

cd "$work"
status=0
PYTHONPATH="$mit/util" python3 "$here/k5test_apx.py" "$conf" "$script" > "$trace.out" 2>&1 \
    || status=$?
commands=$(grep -c '^\*\*\* \[[0-9]*\] Executing' testlog 2>/dev/null || true)
echo "$dir/$script: exit $status, ${commands:-0} commands, $(wc -l < "$trace") apx trace lines"
if [ "$status" -ne 0 ]; then
    tail -40 "$trace.out"
    rm -f "$trace.out"
    exit 1
fi
rm -f "$trace.out"
if [ ! -s "$trace" ]; then
    echo "apx's trace is empty: apx did not serve $script" >&2
    exit 1
fi
