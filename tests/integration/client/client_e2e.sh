#!/bin/sh
# client_e2e.sh CLIENT_BINARY - cellstrap-client over real sockets:
# bootstrap from a scripted BS (plain CoAP), register with a scripted NoSec
# server that reads /3/0, De-register on SIGTERM; then a restart from the
# state file registers without bootstrapping; then DTLS-PSK towards
# libcoap's coap-server-openssl (when installed) with the key the BS wrote.
set -u
CLIENT=$1
HERE=$(dirname "$0")
DIR=$(mktemp -d)
# jobs -p is empty inside a command substitution in some shells: keep PIDs.
PIDS=""
trap 'kill $PIDS 2>/dev/null; rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*"; for f in "$DIR"/*.log; do echo "== $f"; cat "$f"; done; exit 1; }
# ready LOG...: wait until each scripted peer has bound its socket.
ready() {
    for log in "$@"; do
        n=100
        until grep -q "listening on port" "$log" 2>/dev/null; do
            n=$((n - 1)); [ $n -gt 0 ] || fail "a scripted peer did not start"; sleep 0.1
        done
    done
}
BASE=$((20000 + $$ % 20000))
BS=$BASE; SRV=$((BASE + 1)); DTLS=$((BASE + 2))

python3 "$HERE/fake_peers.py" bs $BS coap://127.0.0.1:$SRV 3 > "$DIR/bs.log" 2>&1 & BSPID=$!; PIDS="$PIDS $!"
python3 "$HERE/fake_peers.py" server $SRV > "$DIR/srv.log" 2>&1 & SRVPID=$!; PIDS="$PIDS $!"
ready "$DIR/bs.log" "$DIR/srv.log"
"$CLIENT" --endpoint dev-e2e --bootstrap coap://127.0.0.1:$BS --state "$DIR/state" \
    --manufacturer Acme --log-level debug > "$DIR/client.log" 2>&1 & CPID=$!; PIDS="$PIDS $!"
wait $BSPID || fail "bootstrap script"
for i in 1 2 3 4 5 6 7 8 9 10; do
    grep -q "Read /3/0" "$DIR/srv.log" && break; sleep 0.5
done
grep -q "Read /3/0.*Acme" "$DIR/srv.log" || fail "no read of /3/0"
grep -q "Register ep=dev-e2e lt=30 lwm2m=1.2 b=U" "$DIR/srv.log" || fail "Register query"
kill -TERM $CPID; wait $CPID || fail "client exit status"
wait $SRVPID || fail "no De-register"
[ -s "$DIR/state" ] || fail "no state file"

# Restart: the state file gives the server account, no bootstrap.
python3 "$HERE/fake_peers.py" server $SRV > "$DIR/srv2.log" 2>&1 & SRVPID=$!; PIDS="$PIDS $!"
ready "$DIR/srv2.log"
"$CLIENT" --endpoint dev-e2e --state "$DIR/state" > "$DIR/client2.log" 2>&1 & CPID=$!; PIDS="$PIDS $!"
for i in 1 2 3 4 5 6 7 8 9 10; do
    grep -q "Read /3/0" "$DIR/srv2.log" && break; sleep 0.5
done
kill -TERM $CPID; wait $CPID || fail "client exit status after restart"
wait $SRVPID || fail "restart: no De-register"
grep -q "Bootstrap-Request" "$DIR/client2.log" && fail "bootstrapped again"

# DTLS-PSK: the BS hands out a coaps:// account; libcoap's server answers
# (4.04: it is no LwM2M server) only when the handshake with our PSK worked.
if command -v coap-server-openssl > /dev/null; then
    rm -f "$DIR/state"
    coap-server-openssl -A 127.0.0.1 -p $((DTLS - 1)) -k 0123456789abcdef > "$DIR/coap.log" 2>&1 &
    PIDS="$PIDS $!"
    python3 "$HERE/fake_peers.py" bs $BS coaps://127.0.0.1:$DTLS 0 > "$DIR/bs2.log" 2>&1 & BSPID=$!; PIDS="$PIDS $!"
    ready "$DIR/bs2.log"
    sleep 0.3   # coap-server-openssl prints nothing when it is ready
    "$CLIENT" --endpoint dev-e2e --bootstrap coap://127.0.0.1:$BS --state "$DIR/state" \
        > "$DIR/client3.log" 2>&1 & CPID=$!; PIDS="$PIDS $!"
    wait $BSPID || fail "bootstrap script (DTLS)"
    for i in 1 2 3 4 5 6 7 8 9 10; do
        grep -q "Register answered" "$DIR/client3.log" && break; sleep 0.5
    done
    grep -q "Register answered 4.04" "$DIR/client3.log" || fail "no answer over DTLS"
    kill -TERM $CPID; wait $CPID || fail "client exit status (DTLS)"
fi
echo "client e2e ok"
