#!/bin/sh
# server_dm.sh - device management through cellstrap-server's admin client
# mode, over real sockets and DTLS-PSK: a test device registers with a
# credential from the store; read /3/0, write /1/0/1, execute /3/0/4,
# observe /3/0/13 for 3 notifications (then the observation ends with the
# admin connection), and the plain listener for a NoSec device.
# usage: server_dm.sh cellstrap-server server_issue server_device
set -u
BIN=$1
ISSUE=$2
DEVICE=$3
DIR=$(mktemp -d)
PORT=$((20000 + ($$ + 3571) % 20000))
PPORT=$((PORT + 1))
SOCK=$DIR/admin.sock
STORE=$DIR/store.db
PID=
DPID=
NPID=
cleanup() { for p in $DPID $NPID $PID; do kill "$p" 2>/dev/null; done; }
fail() { echo "FAIL: $*"; cleanup; echo "--- server log"; cat "$DIR/log"; echo "--- device"; cat "$DIR/dev" 2>/dev/null; rm -rf "$DIR"; exit 1; }
KEYHEX=000102030405060708090a0b0c0d0e0f
A() { "$BIN" admin "$SOCK" "$@"; }

"$ISSUE" "$STORE" dm-psk $KEYHEX dm-dev server-a || fail "issue"
"$BIN" --name server-a --listen-dtls 127.0.0.1:$PORT --listen 127.0.0.1:$PPORT --allow-nosec \
    --store "$STORE" --admin "$SOCK" --log-level debug 2>"$DIR/log" &
PID=$!
i=0; while [ ! -S "$SOCK" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$SOCK" ] || fail "admin socket not created"

"$DEVICE" 127.0.0.1:$PORT dm-dev dm-psk $KEYHEX >"$DIR/dev" 2>&1 &
DPID=$!
i=0; while ! grep -q "^register" "$DIR/dev" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "^register 2.01 rd/" "$DIR/dev" || fail "device did not register"

OUT=$(A read dm-dev /3/0) || fail "read: $OUT"
[ "$(echo "$OUT" | head -1)" = "2.05" ] || fail "read code: $OUT"
echo "$OUT" | grep -q '^/3/0/0  *String  *"cellstrap"$' || fail "read records: $OUT"
OUT=$(A write dm-dev /1/0/1 300) || fail "write: $OUT"
grep -q "^write /1/0/1 300$" "$DIR/dev" || fail "device did not get the write"
OUT=$(A execute dm-dev /3/0/4 "0='x'") || fail "execute: $OUT"
grep -q "^execute /3/0/4 0='x'$" "$DIR/dev" || fail "device did not get the execute"
OUT=$(A observe dm-dev /3/0/13 --count 3 --timeout 20) || fail "observe: $OUT"
[ "$(echo "$OUT" | grep -c '^/3/0/13 ')" -eq 3 ] || fail "3 notifications: $OUT"
[ "$(echo "$OUT" | grep -c '^2.05 notify dm-dev /3/0/13$')" -eq 2 ] || fail "notify lines: $OUT"
OUT=$(A read dm-dev /5/0); [ $? -eq 1 ] || fail "read of a missing object must exit 1"
[ "$OUT" = "4.04" ] || fail "missing object: $OUT"

"$DEVICE" 127.0.0.1:$PPORT nosec-dev >"$DIR/nosec" 2>&1 &
NPID=$!
i=0; while ! grep -q "^register" "$DIR/nosec" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "^register 2.01" "$DIR/nosec" || fail "NoSec device did not register"
OUT=$(A read nosec-dev /3/0/13) || fail "NoSec read: $OUT"
OUT=$(A list) || fail "list"
echo "$OUT" | grep -q "^dm-dev .* psk " || fail "list dm-dev: $OUT"
echo "$OUT" | grep -q "^nosec-dev .* nosec " || fail "list nosec-dev: $OUT"

kill $DPID $NPID; DPID=; NPID=
kill -TERM $PID
wait $PID; RC=$?
PID=
[ $RC -eq 0 ] || fail "exit status after SIGTERM: $RC"
rm -rf "$DIR"
echo "server_dm: ok"
