#!/bin/sh
# run-lwm2m.sh - the LwM2M bootstrap and registration benchmark of
# bench/RESULTS.md: cellstrap-bench-lwm2m over every scenario (classic and
# pack bootstrap; plain and DTLS-PSK registration; 0, 100k and 1M
# registrations already in the store and the server).
#
# Usage: bench/run-lwm2m.sh BUILD_DIR [PLAIN_DEVICES [DTLS_DEVICES [PRELOADS]]]
#
# Store files live in $STORE_DIR (default /tmp/cellstrap-lwm2m-bench, the
# machine's disk).  The preloaded files are built once, through the
# public store API, on tmpfs ($PRELOAD_DIR, default /dev/shm/...: the
# store has no batch API and one transaction per row on the disk runs at
# ~3k rows/s), then copied to $STORE_DIR; every run starts from a fresh
# copy of its preload.  Disk use: ~0.5 GB per million registrations.
set -eu
build=${1:?usage: bench/run-lwm2m.sh BUILD_DIR [PLAIN_DEVICES [DTLS_DEVICES [PRELOADS]]]}
plain_n=${2:-20000}
dtls_n=${3:-5000}
preloads=${4:-"0 100000 1000000"}
bench="$build/bench/cellstrap-bench-lwm2m"
store_dir=${STORE_DIR:-/tmp/cellstrap-lwm2m-bench}
preload_dir=${PRELOAD_DIR:-/dev/shm/cellstrap-lwm2m-preload}
mkdir -p "$store_dir" "$preload_dir"

base() {   # base N SECURITY: the preloaded file (built when missing)
    f="$preload_dir/pre-$1-$2.db"
    if [ ! -f "$f" ]; then
        "$bench" preload "$f" "$1" "$2" >&2
    fi
    echo "$f"
}

"$bench" header
for n in $preloads; do
    for sec in plain dtls; do
        for bs in classic pack; do
            db="$store_dir/run.db"
            rm -f "$db" "$db-wal" "$db-shm"
            if [ "$n" -gt 0 ]; then
                cp "$(base "$n" "$sec")" "$db"
            fi
            devices=$plain_n
            [ "$sec" = dtls ] && devices=$dtls_n
            # Bounded: a run that does not end in 10 minutes is reported.
            timeout 600 "$bench" run "$db" "$bs" "$sec" "$devices" 2>>"$store_dir/details.log" ||
                echo "| $bs | $sec | $n | $devices | (failed or timed out, see $store_dir/details.log) |"
        done
    done
done
rm -f "$store_dir/run.db" "$store_dir/run.db-wal" "$store_dir/run.db-shm"
