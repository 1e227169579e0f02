#!/usr/bin/env bash
# run-coap.sh - the CoAP transport benchmark of bench/RESULTS.md: our
# reference server and libcoap's coap-server-notls under the same load
# generator, one after the other in the same run, on loopback.
# Usage: bench/run-coap.sh BUILD_DIR [SECONDS]
set -euo pipefail
build=${1:?usage: bench/run-coap.sh BUILD_DIR [SECONDS]}
seconds=${2:-5}
bench="$build/bench/cellstrap-bench-coap"
port=$((30000 + $$ % 10000))

echo "## engine only (in-process, no sockets)"
"$bench" engine 64 10000 100000 1000000

run() { # run NAME COMMAND... ; then the idle counts
  local name=$1; shift
  local counts=$1; shift
  "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep 0.5
  echo
  echo "## $name over loopback UDP"
  echo "| idle peers | new peers/s | requests/s (64 active, 64 in flight) | server RSS bytes per idle peer |"
  echo "|---:|---:|---:|---:|"
  for n in $counts; do
    timeout 300 "$bench" load "127.0.0.1:$port" "$n" "$seconds" 64 "$pid" || echo "| $n | (timed out) | | |"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  port=$((port + 1))
}

run "cellstrap reference server" "64 10000 100000 1000000" "$bench" server "$port"
# libcoap walks all sessions per datagram: beyond 10k idle peers a run
# takes many minutes, so it stops there.
run "libcoap 4.3.1 coap-server-openssl" "64 10000" coap-server-openssl -A 0.0.0.0 -p "$port"
