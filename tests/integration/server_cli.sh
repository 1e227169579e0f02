#!/bin/sh
# server_cli.sh - cellstrap-server as a program: usage errors, a NoSec
# Register from libcoap's coap-client (an independent CoAP stack), the
# admin client mode (list, a refused read), and a clean stop on SIGTERM.
# usage: server_cli.sh PATH/TO/cellstrap-server
set -u
BIN=$1
DIR=$(mktemp -d)
PORT=$((20000 + $$ % 20000))
SOCK=$DIR/admin.sock
PID=
fail() { echo "FAIL: $*"; [ -n "$PID" ] && kill "$PID" 2>/dev/null; cat "$DIR/log" 2>/dev/null; rm -rf "$DIR"; exit 1; }

"$BIN" --help >/dev/null || fail "--help"
"$BIN" >/dev/null 2>&1; [ $? -eq 2 ] || fail "no listener must be a usage error"
"$BIN" --listen 127.0.0.1:$PORT >/dev/null 2>&1; [ $? -eq 2 ] || fail "--listen without --allow-nosec"
"$BIN" --listen-dtls 127.0.0.1:$PORT >/dev/null 2>&1; [ $? -eq 2 ] || fail "--listen-dtls without --store"

"$BIN" --name server-a --listen 127.0.0.1:$PORT --allow-nosec --admin "$SOCK" \
    --log-level debug 2>"$DIR/log" &
PID=$!
i=0; while [ ! -S "$SOCK" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$SOCK" ] || fail "admin socket not created"

coap-client-openssl -m post -t 40 -e '</>;ct=110,</1/0>,</3/0>' -B 5 \
    "coap://127.0.0.1:$PORT/rd?ep=cli-dev&lt=60&lwm2m=1.1" >/dev/null 2>&1 || fail "register"
coap-client-openssl -m post -t 40 -e '</3/0>' -B 5 \
    "coap://127.0.0.1:$PORT/rd?ep=bad&lwm2m=9.9" 2>&1 | grep -q "4.12" || fail "4.12 for lwm2m=9.9"

OUT=$("$BIN" admin "$SOCK" list) || fail "admin list exit status"
echo "$OUT" | head -1 | grep -qx "2.05" || fail "list code: $OUT"
echo "$OUT" | grep -q "^cli-dev id=[0-9a-f]* lwm2m=1.1 b=U lt=60 " || fail "list line: $OUT"
"$BIN" admin "$SOCK" read nobody /3/0 >"$DIR/out"; [ $? -eq 1 ] || fail "read of unknown endpoint must exit 1"
grep -qx "4.04 endpoint not registered" "$DIR/out" || fail "read answer: $(cat "$DIR/out")"

kill -TERM $PID
wait $PID; RC=$?
PID=
[ $RC -eq 0 ] || fail "exit status after SIGTERM: $RC"
[ -e "$SOCK" ] && fail "admin socket left behind"
grep -q "register cli-dev" "$DIR/log" || fail "no register log line"
rm -rf "$DIR"
echo "server_cli: ok"
