#!/bin/sh
# server_dtls.sh - cellstrap-server's DTLS-PSK listener with credentials
# from the store, against libcoap's coap-client (OpenSSL): the right
# identity and endpoint register; another endpoint gets 4.03; a credential
# for another server, an unknown identity and a revoked credential fail the
# handshake.
# usage: server_dtls.sh PATH/TO/cellstrap-server PATH/TO/server_issue
set -u
BIN=$1
ISSUE=$2
DIR=$(mktemp -d)
PORT=$((20000 + ($$ + 7919) % 20000))
SOCK=$DIR/admin.sock
STORE=$DIR/store.db
PID=
fail() { echo "FAIL: $*"; [ -n "$PID" ] && kill "$PID" 2>/dev/null; cat "$DIR/log" 2>/dev/null; rm -rf "$DIR"; exit 1; }
KEY=secret-key-0123    # coap-client takes the key as text
KEYHEX=$(printf %s "$KEY" | od -An -tx1 | tr -d ' \n')

"$ISSUE" "$STORE" dev-psk "$KEYHEX" dtls-dev server-a || fail "issue"
"$ISSUE" "$STORE" other-psk "$KEYHEX" other-dev server-b || fail "issue other"
"$BIN" --name server-a --listen-dtls 127.0.0.1:$PORT --store "$STORE" --admin "$SOCK" \
    --log-level debug 2>"$DIR/log" &
PID=$!
i=0; while [ ! -S "$SOCK" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$SOCK" ] || fail "admin socket not created"

reg() {   # identity ep -> prints coap-client's output
    coap-client-openssl -m post -t 40 -e '</1/0>,</3/0>' -B 5 -u "$1" -k "$KEY" \
        "coaps://127.0.0.1:$PORT/rd?ep=$2&lt=60&lwm2m=1.1" 2>&1
}
OUT=$(reg dev-psk other-name); echo "$OUT" | grep -q "4.03" || fail "ep != credential endpoint: $OUT"
reg dev-psk dtls-dev >/dev/null || fail "register over DTLS"
"$BIN" admin "$SOCK" list | grep -q "^dtls-dev id=.* psk " || fail "list after DTLS register"
OUT=$(reg other-psk other-dev); echo "$OUT" | grep -qi "unknown psk identity" || fail "credential of server-b: $OUT"
OUT=$(reg nobody dtls-dev); echo "$OUT" | grep -qi "unknown psk identity" || fail "unknown identity: $OUT"
"$ISSUE" "$STORE" x x dtls-dev server-a revoke || fail "revoke"
OUT=$(reg dev-psk dtls-dev); echo "$OUT" | grep -qi "unknown psk identity" || fail "revoked credential: $OUT"
grep -q "refused other-name" "$DIR/log" || fail "no refused audit line"

kill -TERM $PID
wait $PID; RC=$?
PID=
[ $RC -eq 0 ] || fail "exit status after SIGTERM: $RC"
rm -rf "$DIR"
echo "server_dtls: ok"
