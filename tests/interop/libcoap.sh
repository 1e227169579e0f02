#!/usr/bin/env bash
# libcoap.sh - cellstrap's CoAP engine against libcoap 4.3 (an independent
# implementation) over real UDP sockets on loopback, both ways, in the
# clear or over DTLS-PSK:
#   our client (coap_peer) -> libcoap's server: GET, PUT then GET,
#       block-wise PUT and GET of 5003 bytes, Observe
#   libcoap's client -> our server (coap_peer server): the same, 4.04, and
#       with DTLS a wrong identity and a wrong key refused with the alert
# Usage: libcoap.sh PATH/TO/coap_peer plain|dtls
set -euo pipefail
peer=${1:?usage: libcoap.sh coap_peer plain|dtls}
mode=${2:?usage: libcoap.sh coap_peer plain|dtls}

identity=cellstrap-device
key=secret-psk-0123456789
base=$((20000 + ($$ % 20000)))
if [ "$mode" = dtls ]; then
  server_cmd=(coap-server-openssl -k "$key")
  client_cmd=(coap-client-openssl -u "$identity" -k "$key")
  their_port=$((base + 1))     # libcoap serves DTLS on -p + 1
  scheme=coaps
  ours=(--psk "$identity:$key")
else
  server_cmd=(coap-server-notls)
  client_cmd=(coap-client-notls)
  their_port=$base
  scheme=coap
  ours=()
fi
our_port=$((base + 2))
command -v "${server_cmd[0]}" >/dev/null || { echo "libcoap3-bin is not installed" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL ($mode): $*" >&2; exit 1; }
expect() { # expect NAME EXPECTED ACTUAL
  [ "$2" = "$3" ] || fail "$1: expected [$2], got [$3]"
  echo "ok - $mode: $1"
}
get() { "$peer" get "127.0.0.1:$their_port" "$1" "${ours[@]}" "${@:2}" 2>/dev/null; }

# --- our client against libcoap's server ---
"${server_cmd[@]}" -A 127.0.0.1 -p "$base" -d 10 >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
  get / >"$work/index" && break
  sleep 0.1
done
grep -q "libcoap" "$work/index" || fail "GET / from libcoap: $(cat "$work/index")"
echo "ok - $mode: our GET / to libcoap"

"$peer" put "127.0.0.1:$their_port" /example_data "cellstrap-42" "${ours[@]}" 2>/dev/null || fail "PUT /example_data"
expect "our PUT then GET on libcoap" "cellstrap-42" "$(get /example_data)"

# Block-wise both ways: a 5003-byte body is PUT in Block1 blocks and read
# back in Block2 blocks.
head -c 5000 /dev/zero | tr '\0' 'b' >"$work/big"
printf 'end' >>"$work/big"
"$peer" put "127.0.0.1:$their_port" /example_data "@$work/big" "${ours[@]}" 2>/dev/null \
  || fail "block-wise PUT to libcoap"
get /example_data | head -c 5003 >"$work/big.back"
cmp -s "$work/big" "$work/big.back" || fail "block-wise GET from libcoap: $(wc -c <"$work/big.back") bytes back"
echo "ok - $mode: our block-wise PUT and GET of 5003 bytes with libcoap"

timeout 20 "$peer" get "127.0.0.1:$their_port" /time --observe 3 "${ours[@]}" >"$work/time" 2>/dev/null \
  || fail "observe /time on libcoap"
expect "our observe of libcoap /time: 3 notifications" 3 "$(grep -c . "$work/time")"

# --- libcoap's client against our server ---
"$peer" server "$our_port" "${ours[@]}" >"$work/ours.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q ready "$work/ours.log" && break; sleep 0.1; done
url="$scheme://127.0.0.1:$our_port"

expect "libcoap GET /t from us" "hello" "$("${client_cmd[@]}" -m get "$url/t")"
"${client_cmd[@]}" -m put -e "v-17" "$url/store" >/dev/null
expect "libcoap PUT then GET on us" "v-17" "$("${client_cmd[@]}" -m get "$url/store")"
"${client_cmd[@]}" -m get "$url/nope" >"$work/nope" 2>&1 || true
grep -q "4.04" "$work/nope" || fail "unknown path: expected 4.04, got $(cat "$work/nope")"
echo "ok - $mode: libcoap gets 4.04 for an unknown path"

"${client_cmd[@]}" -m put -f "$work/big" "$url/store" >/dev/null
"${client_cmd[@]}" -m get "$url/store" >"$work/big.ours"
cmp -s "$work/big" <(head -c 5003 "$work/big.ours") || fail "libcoap block-wise to us: $(wc -c <"$work/big.ours") bytes back"
echo "ok - $mode: libcoap block-wise PUT and GET of 5003 bytes with us"

timeout 20 "${client_cmd[@]}" -s 2 -m get "$url/obs" >"$work/obs" 2>&1 || true
# The first response and at least three notifications (one every 200 ms).
count=$(grep -o "n=[0-9]*" "$work/obs" | sort -u | wc -l)
[ "$count" -ge 4 ] || fail "libcoap observing us: $(cat "$work/obs")"
grep -q "n=0" "$work/obs" || fail "observe: no first response"
echo "ok - $mode: libcoap observes us: $count distinct values"

if [ "$mode" = dtls ]; then
  timeout 20 coap-client-openssl -u intruder -k "$key" -m get "$url/t" >"$work/badid" 2>&1 || true
  grep -qi "unknown psk identity" "$work/badid" || fail "wrong identity: $(cat "$work/badid")"
  grep -q hello "$work/badid" && fail "wrong identity got an answer"
  echo "ok - dtls: an unknown identity is refused with alert 115"
  timeout 20 coap-client-openssl -u "$identity" -k wrong-key-000000000 -m get "$url/t" >"$work/badkey" 2>&1 || true
  grep -qi "bad record mac" "$work/badkey" || fail "wrong key: $(cat "$work/badkey")"
  grep -q hello "$work/badkey" && fail "wrong key got an answer"
  echo "ok - dtls: a wrong key is refused (bad_record_mac)"
fi
echo "interop libcoap $mode: all passed"
