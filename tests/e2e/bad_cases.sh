#!/bin/sh
# bad_cases.sh APPS_DIR FAKE_PEERS_PY - the LwM2M path refusing what it
# must, with the real programs on loopback: an endpoint the BS has no
# configuration for; a DTLS bootstrap whose ep is not the PSK's endpoint; an ep that does not match the PSK identity; credentials
# revoked by a later bootstrap; a corrupt state file; a BS that dies between
# Write and Finish.
set -u
APPS=$1
FAKE=$2
. "$(dirname "$0")/lib.sh"

KEY=000102030405060708090a0b0c0d0e0f
# No default ("*") entry: only the endpoints named here are served.
cat > "$DIR/bs.json" <<JSON
{"endpoints": {
  "urn:dev:a": {"allow_nosec_bootstrap": true,
        "servers": [{"name": "server-a", "uri": "coaps://127.0.0.1:$SRV_PORT", "ssid": 1}]},
  "urn:dev:b": {"allow_nosec_bootstrap": true,
        "servers": [{"name": "server-a", "uri": "coaps://127.0.0.1:$SRV_PORT", "ssid": 1}]},
  "urn:dev:r": {"allow_nosec_bootstrap": true,
        "servers": [{"name": "server-a", "uri": "coaps://127.0.0.1:$SRV_PORT", "ssid": 1}]},
  "urn:dev:sec": {"bootstrap_psk": {"identity": "bs-sec", "key": "$KEY"},
        "servers": [{"name": "server-a", "uri": "coaps://127.0.0.1:$SRV_PORT", "ssid": 1}]}}}
JSON
start_bs "$DIR/bs.json"
start_server

client() {   # client LOGNAME EP STATE [flags]
    log=$1 ep=$2 st=$3; shift 3
    start "$log" "$APPS/cellstrap-client" --endpoint "$ep" --state "$st" "$@"
}

say "unknown endpoint: the BS answers 4.00 and provisions nothing"
client unknown urn:dev:nobody "$DIR/nobody.state" --bootstrap coap://127.0.0.1:$BS_PORT
CP=$LAST
wait_for "$DIR/unknown.log" "Bootstrap-Request answered 4.00" || fail "unknown endpoint not refused"
wait_for "$DIR/bs.log" "refused ep=urn:dev:nobody" || fail "BS did not log the refusal"
stop $CP
[ -e "$DIR/nobody.state" ] && fail "state written for a refused endpoint"

say "bootstrap over DTLS with another endpoint's PSK: the BS refuses"
client bsmis urn:dev:a "$DIR/bsmis.state" --bootstrap coaps://127.0.0.1:$BSS_PORT \
    --bootstrap-psk bs-sec:$KEY
CP=$LAST
wait_for "$DIR/bsmis.log" "Bootstrap-Request answered 4" || fail "BS served ep urn:dev:a to bs-sec"
wait_for "$DIR/bs.log" "refused ep=urn:dev:a" 1 || fail "BS did not log the refusal"
stop $CP
[ -e "$DIR/bsmis.state" ] && fail "state written after a refused DTLS bootstrap"

say "ep not matching the PSK identity: the server answers 4.03"
client a urn:dev:a "$DIR/a.state" --bootstrap coap://127.0.0.1:$BS_PORT
CP=$LAST
wait_registered urn:dev:a || fail "urn:dev:a did not register"
stop $CP || fail "client a exit status"
cp "$DIR/a.state" "$DIR/a-as-b.state"
client b urn:dev:b "$DIR/a-as-b.state"
CP=$LAST
wait_for "$DIR/b.log" "Register answered 4.03" || fail "ep/identity mismatch not refused"
wait_for "$DIR/srv.log" "endpoint name does not match the credential" 1 || fail "no reason logged"
registered urn:dev:b && fail "urn:dev:b registered with urn:dev:a's credential"
stop $CP

say "credentials revoked by a later bootstrap are refused"
client r1 urn:dev:r "$DIR/r.state" --bootstrap coap://127.0.0.1:$BS_PORT
CP=$LAST
wait_registered urn:dev:r || fail "urn:dev:r did not register"
stop $CP || fail "client r1 exit status"
cp "$DIR/r.state" "$DIR/r-old.state"
rm "$DIR/r.state"
client r2 urn:dev:r "$DIR/r.state" --bootstrap coap://127.0.0.1:$BS_PORT
CP=$LAST
wait_for "$DIR/r2.log" "bootstrap finished" || fail "second bootstrap of urn:dev:r"
wait_registered urn:dev:r || fail "urn:dev:r did not register after the second bootstrap"
stop $CP || fail "client r2 exit status"
client r3 urn:dev:r "$DIR/r-old.state"
CP=$LAST
wait_for "$DIR/srv.log" "unknown PSK identity" || fail "revoked identity not refused"
wait_for "$DIR/r3.log" "registration failed" || fail "client with revoked credentials not refused"
grep -q "registered as" "$DIR/r3.log" && fail "revoked credentials accepted"
stop $CP

say "corrupt state file: ignored, a fresh bootstrap follows"
printf 'not a state file\000\377' > "$DIR/corrupt.state"
client c urn:dev:a "$DIR/corrupt.state" --bootstrap coap://127.0.0.1:$BS_PORT
CP=$LAST
wait_registered urn:dev:a || fail "no registration after a corrupt state file"
grep -q "ignoring state file" "$DIR/c.log" || fail "corrupt state file not reported"
grep -q "bootstrap finished" "$DIR/c.log" || fail "no fresh bootstrap"
stop $CP || fail "client c exit status"

say "BS dies between Write and Finish: the client times out, restores, starts again"
FAKE_PORT=$(port 5)
start fakebs python3 "$FAKE" bs-nofinish $FAKE_PORT coaps://127.0.0.1:$SRV_PORT 0
FAKE_PID=$LAST
wait_for "$DIR/fakebs.log" "listening on port" || fail "fake BS did not start"
client k urn:dev:a "$DIR/k.state" --bootstrap coap://127.0.0.1:$FAKE_PORT \
    --bootstrap-timeout 2 --log-level debug
CP=$LAST
wait_for "$DIR/fakebs.log" "stopping before Bootstrap-Finish" || fail "fake BS did not write"
kill -KILL $FAKE_PID 2>/dev/null
wait_for "$DIR/k.log" "no Bootstrap-Finish in time" 5 || fail "no bootstrap timeout"
[ -e "$DIR/k.state" ] && fail "half a bootstrap was persisted"
registered urn:dev:a && fail "registered from half a bootstrap"
# The real BS takes over the port; the retry comes 10 s after the failure.
kill -TERM $BS_PID; wait $BS_PID
mv "$DIR/bs.log" "$DIR/bs-before-restart.log"
BS_PORT=$FAKE_PORT start_bs "$DIR/bs.json"
wait_registered urn:dev:a || true
n=150
while [ $n -gt 0 ] && ! registered urn:dev:a; do sleep 0.1; n=$((n - 1)); done
registered urn:dev:a || fail "no registration after the bootstrap was retried"
[ "$(grep -c "Bootstrap-Request" "$DIR/k.log")" -ge 2 ] || fail "no second Bootstrap-Request"
stop $CP || fail "client k exit status"

grep -qi "$KEY" "$DIR"/*.log && fail "a key in the logs"
stop $SRV_PID || fail "server exit status"
stop $BS_PID || fail "bs exit status"
echo "lwm2m bad cases ok"
