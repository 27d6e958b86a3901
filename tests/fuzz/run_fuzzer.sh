#!/bin/sh
# run_fuzzer.sh FUZZER SEED_DIR ARTIFACT_DIR [libFuzzer options...]
#
# Runs a libFuzzer target over its seed corpus and then fuzzes for as long as the options
# allow. New inputs go to a temporary directory removed on exit, so SEED_DIR (the
# repository's corpus) is only read; a crashing input is saved in ARTIFACT_DIR and its
# path printed by libFuzzer.
set -eu
if [ $# -lt 3 ]; then
    echo "usage: run_fuzzer.sh FUZZER SEED_DIR ARTIFACT_DIR [options...]" >&2
    exit 2
fi
fuzzer=$1 seeds=$2 artifacts=$3
shift 3
[ -d "$seeds" ] || { echo "run_fuzzer.sh: no seed corpus $seeds" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/apx-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$artifacts"
# The first directory is the one libFuzzer writes to; the seed directory only feeds it.
# libFuzzer's own exit code for a crash is 77, which meson reads as "skipped": use 1.
"$fuzzer" -error_exitcode=1 -timeout_exitcode=1 "$@" -artifact_prefix="$artifacts/" \
    "$work" "$seeds"
