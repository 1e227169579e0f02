#!/usr/bin/env bash
# libcoap_plain.sh - cellstrap's CoAP engine against libcoap 4.3 over real
# UDP sockets on loopback, both ways:
#   our client (coap_peer) -> coap-server-notls: GET, PUT then GET, Observe
#   coap-client-notls -> our server (coap_peer server): GET, PUT, Observe, 4.04
# Usage: libcoap_plain.sh PATH/TO/coap_peer
set -euo pipefail
peer=${1:?usage: libcoap_plain.sh coap_peer}
command -v coap-server-notls >/dev/null || { echo "libcoap3-bin is not installed" >&2; exit 1; }

base=$((20000 + ($$ % 20000)))
their_port=$base
our_port=$((base + 1))
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
expect() { # expect NAME EXPECTED ACTUAL
  [ "$2" = "$3" ] || fail "$1: expected [$2], got [$3]"
  echo "ok - $1"
}

# --- our client against libcoap's server ---
coap-server-notls -A 127.0.0.1 -p "$their_port" -d 10 >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
  "$peer" get "127.0.0.1:$their_port" / >"$work/index" 2>/dev/null && break
  sleep 0.1
done
grep -q "libcoap" "$work/index" || fail "GET / from libcoap: $(cat "$work/index")"
echo "ok - our GET / to libcoap"

"$peer" put "127.0.0.1:$their_port" /example_data "cellstrap-42" 2>/dev/null || fail "PUT /example_data"
expect "our PUT then GET on libcoap" "cellstrap-42" \
  "$("$peer" get "127.0.0.1:$their_port" /example_data 2>/dev/null)"

# Block-wise both ways: a 5000-byte body is PUT in Block1 blocks and read
# back in Block2 blocks.
head -c 5000 /dev/zero | tr '\0' 'b' >"$work/big"
printf 'end' >>"$work/big"
"$peer" put "127.0.0.1:$their_port" /example_data "@$work/big" 2>/dev/null || fail "block-wise PUT to libcoap"
"$peer" get "127.0.0.1:$their_port" /example_data 2>/dev/null | head -c 5003 >"$work/big.back"
cmp -s "$work/big" "$work/big.back" || fail "block-wise GET from libcoap: $(wc -c <"$work/big.back") bytes back"
echo "ok - our block-wise PUT and GET of 5003 bytes with libcoap"

timeout 20 "$peer" get "127.0.0.1:$their_port" /time --observe 3 >"$work/time" 2>/dev/null \
  || fail "observe /time on libcoap"
expect "our observe of libcoap /time: 3 notifications" 3 "$(grep -c . "$work/time")"

# --- libcoap's client against our server ---
"$peer" server "$our_port" >"$work/ours.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q ready "$work/ours.log" && break; sleep 0.1; done

expect "libcoap GET /t from us" "hello" \
  "$(coap-client-notls -m get "coap://127.0.0.1:$our_port/t")"
coap-client-notls -m put -e "v-17" "coap://127.0.0.1:$our_port/store" >/dev/null
expect "libcoap PUT then GET on us" "v-17" \
  "$(coap-client-notls -m get "coap://127.0.0.1:$our_port/store")"
coap-client-notls -m get "coap://127.0.0.1:$our_port/nope" >"$work/nope" 2>&1 || true
grep -q "4.04" "$work/nope" || fail "unknown path: expected 4.04, got $(cat "$work/nope")"
echo "ok - libcoap gets 4.04 for an unknown path"

coap-client-notls -m put -f "$work/big" "coap://127.0.0.1:$our_port/store" >/dev/null
coap-client-notls -m get "coap://127.0.0.1:$our_port/store" >"$work/big.ours"
cmp -s "$work/big" <(head -c 5003 "$work/big.ours") || fail "libcoap block-wise to us: $(wc -c <"$work/big.ours") bytes back"
echo "ok - libcoap block-wise PUT and GET of 5003 bytes with us"

timeout 20 coap-client-notls -s 2 -m get "coap://127.0.0.1:$our_port/obs" >"$work/obs" 2>&1 || true
# The first response and at least three notifications (one every 200 ms).
count=$(grep -o "n=[0-9]*" "$work/obs" | sort -u | wc -l)
[ "$count" -ge 4 ] || fail "libcoap observing us: $(cat "$work/obs")"
grep -q "n=0" "$work/obs" || fail "observe: no first response"
echo "ok - libcoap observes us: $count distinct values"

echo "interop_libcoap_plain: all passed"
