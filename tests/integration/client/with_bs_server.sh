#!/bin/sh
# with_bs_server.sh APPS_DIR - cellstrap-client against cellstrap-bs (plain
# CoAP) and cellstrap-server (DTLS-PSK with the credentials the BS issued,
# through a shared SQLite store): bootstrap, register, read/write/execute
# through the admin socket, restart from the state file, Bootstrap-Pack,
# De-register on SIGTERM.  Not registered in ctest by the client module (it
# spans three modules); tests/e2e.cmake may adopt it.
set -u
B=$1
DIR=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*"; for f in "$DIR"/*.log; do echo "== $f"; cat "$f"; done; exit 1; }
BASE=$((20000 + $$ % 20000)); BS=$BASE; SRV=$((BASE + 1)); BSS=$((BASE + 2))
KEY=00112233445566778899aabbccddeeff
cat > "$DIR/bs.json" <<JSON
{"endpoints": {"*": {"allow_nosec_bootstrap": true,
  "servers": [{"name": "server-a", "uri": "coaps://127.0.0.1:$SRV", "ssid": 1, "lifetime": 60}]},
  "dev-sec": {"bootstrap_psk": {"identity": "bs-dev-sec", "key": "$KEY"},
  "servers": [{"name": "server-a", "uri": "coaps://127.0.0.1:$SRV", "ssid": 1, "lifetime": 60}]}}}
JSON
"$B/cellstrap-bs" --listen 127.0.0.1:$BS --listen-dtls 127.0.0.1:$BSS --config "$DIR/bs.json" \
    --store "sqlite:$DIR/s.db" > "$DIR/bs.log" 2>&1 &
BSP=$!
sleep 0.5
"$B/cellstrap-server" --name server-a --listen-dtls 127.0.0.1:$SRV --store "sqlite:$DIR/s.db" \
    --admin "$DIR/admin.sock" > "$DIR/srv.log" 2>&1 &
SP=$!
sleep 0.5
A="$B/cellstrap-server admin $DIR/admin.sock --timeout 10"
"$B/cellstrap-client" --endpoint dev-1 --bootstrap coap://127.0.0.1:$BS --state "$DIR/st" \
    --manufacturer Acme > "$DIR/client.log" 2>&1 & CP=$!
for i in 1 2 3 4 5 6 7 8 9 10; do $A list 2>/dev/null | grep -q dev-1 && break; sleep 0.5; done
$A read dev-1 /3/0/0 | grep -q Acme || fail "read /3/0/0"
$A write dev-1 /3/0/0 X > /dev/null && fail "write to a read-only resource"
$A write dev-1 /1/0/1 120 > /dev/null || fail "write /1/0/1"
$A read dev-1 /0/0 > /dev/null && fail "Security readable"
kill -TERM $CP; wait $CP || fail "client exit status"
grep -q "de-registered" "$DIR/client.log" || fail "no De-register"
"$B/cellstrap-client" --endpoint dev-1 --state "$DIR/st" > "$DIR/client2.log" 2>&1 & CP=$!
for i in 1 2 3 4 5 6 7 8 9 10; do grep -q "registered as" "$DIR/client2.log" && break; sleep 0.5; done
grep -q "registered as.*lt=120" "$DIR/srv.log" || fail "lifetime not kept across the restart"
kill -TERM $CP; wait $CP || fail "client exit status after restart"
"$B/cellstrap-client" --endpoint dev-2 --pack --bootstrap coap://127.0.0.1:$BS > "$DIR/client3.log" 2>&1 & CP=$!
for i in 1 2 3 4 5 6 7 8 9 10; do grep -q "registered as" "$DIR/client3.log" && break; sleep 0.5; done
grep -q "Bootstrap-Pack applied" "$DIR/client3.log" || fail "Bootstrap-Pack"
kill -TERM $CP; wait $CP || fail "client exit status (pack)"
"$B/cellstrap-client" --endpoint dev-sec --bootstrap coaps://127.0.0.1:$BSS \
    --bootstrap-psk bs-dev-sec:$KEY > "$DIR/client4.log" 2>&1 & CP=$!
for i in 1 2 3 4 5 6 7 8 9 10; do grep -q "registered as" "$DIR/client4.log" && break; sleep 0.5; done
grep -q "registered as" "$DIR/client4.log" || fail "bootstrap over DTLS"
kill -TERM $CP; wait $CP || fail "client exit status (DTLS bootstrap)"
grep -q $KEY "$DIR"/*.log && fail "a key in the logs"
echo "client with bs and server ok"
