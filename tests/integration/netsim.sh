#!/bin/sh
# netsim.sh NETSIM RADIUS_PEER - cellstrap-netsim over real sockets: its
# packet gateway reports Accounting-On, Start, Stop and Off to an
# accounting server built on our RADIUS engine (which checks every
# authenticator), addresses come from the pool and are reused, and the
# emulated modem file follows each attach and detach.
set -u
NETSIM=$1
PEER=$2
DIR=$(mktemp -d)
PIDS=""
trap 'kill $PIDS 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*"; for f in "$DIR"/*.log; do echo "== $f"; cat "$f"; done; exit 1; }
wait_for() {
    n=100
    until grep -q -- "$2" "$1" 2>/dev/null; do
        n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1
    done
}
PORT=$((20000 + ($$ * 8) % 40000))
CTL="$NETSIM ctl $DIR/ctl"

"$PEER" $PORT s3cret 60 > "$DIR/peer.log" 2>&1 &
PIDS="$PIDS $!"
wait_for "$DIR/peer.log" "ready" || fail "accounting peer did not start"
cat > "$DIR/subs.json" <<JSON
{"subscribers": [
  {"imsi": "001010000000001", "msisdn": "491700000001", "imeisv": "3534900612345601",
   "group": "meters", "k": "000102030405060708090a0b0c0d0e0f"},
  {"imsi": "001010000000002", "msisdn": "491700000002", "group": "trackers"}]}
JSON
"$NETSIM" --control "$DIR/ctl" --accounting 127.0.0.1:$PORT:s3cret \
    --subscribers "$DIR/subs.json" --modem-dir "$DIR/modems" --pool 127.1.7.1/2 \
    --bootstrap-uri coap://127.0.0.1:5683 > "$DIR/netsim.log" 2>&1 &
NP=$!
PIDS="$PIDS $NP"
wait_for "$DIR/netsim.log" "netsim ready" || fail "netsim did not start"
wait_for "$DIR/peer.log" "event=Accounting-On" || fail "no Accounting-On"
[ -f "$DIR/modems/001010000000001.json" ] || fail "no modem file for a subscriber"
grep -q '"attached": false' "$DIR/modems/001010000000001.json" || fail "modem file not detached"

$CTL attach 001010000000001 | grep -q "^ok 127.1.7.1$" || fail "attach"
wait_for "$DIR/peer.log" "event=Start .*ip=127.1.7.1 .*msisdn=491700000001 .*imsi=001010000000001 imeisv=3534900612345601" \
    || fail "Start with the TS 29.061 fields"
grep -q '"address": "127.1.7.1"' "$DIR/modems/001010000000001.json" || fail "modem file address"
grep -q '"imei": "353490061234569"' "$DIR/modems/001010000000001.json" || fail "modem file IMEI"
grep -q '"bootstrap_uri": "coap://127.0.0.1:5683"' "$DIR/modems/001010000000001.json" \
    || fail "network-provided bootstrap URI"
grep -qi "000102030405060708090a0b0c0d0e0f" "$DIR/modems/001010000000001.json" \
    && fail "the SIM key in the modem file"

$CTL attach 001010000000002 | grep -q "^ok 127.1.7.2$" || fail "second attach"
$CTL subscriber add imsi=001010000000003 > /dev/null || fail "subscriber add"
$CTL attach 001010000000003 | grep -q "address pool exhausted" || fail "pool exhaustion"
$CTL detach 001010000000001 | grep -q "^ok" || fail "detach"
wait_for "$DIR/peer.log" "event=Stop .*ip=127.1.7.1 .*imsi=001010000000001" || fail "no Stop"
grep -q '"attached": false' "$DIR/modems/001010000000001.json" || fail "modem file after detach"
# The freed address goes to the next subscriber that attaches.
$CTL attach 001010000000003 | grep -q "^ok 127.1.7.1$" || fail "address not reused"
wait_for "$DIR/peer.log" "event=Start .*ip=127.1.7.1 .*imsi=001010000000003" \
    || fail "Start for the address's new holder"
$CTL subscribers | tee "$DIR/subs.out"
grep -q "^001010000000002 msisdn=491700000002 group=trackers apn=iot.example address=127.1.7.2" \
    "$DIR/subs.out" || fail "subscribers listing"
$CTL subscriber add imsi=12 > "$DIR/bad.out" && fail "a bad IMSI accepted"
grep -q "error: imsi" "$DIR/bad.out" || fail "no reason for a bad IMSI"
$CTL frobnicate > /dev/null && fail "an unknown command accepted"

$CTL gateway-restart | grep -q "^ok" || fail "gateway-restart"
wait_for "$DIR/peer.log" "event=Accounting-Off" || fail "no Accounting-Off"
grep -q '"attached": false' "$DIR/modems/001010000000003.json" || fail "sessions survived a restart"
[ "$(grep -c "event=Accounting-On" "$DIR/peer.log")" -eq 2 ] || fail "no Accounting-On after the restart"
kill -TERM $NP; wait $NP || fail "netsim exit status"
[ "$(grep -c "event=Accounting-Off" "$DIR/peer.log")" -eq 2 ] || fail "no Accounting-Off at stop"
echo "netsim ok"
