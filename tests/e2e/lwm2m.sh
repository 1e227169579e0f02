#!/bin/sh
# lwm2m.sh APPS_DIR - the LwM2M path end to end with the real programs over
# real sockets on loopback: cellstrap-bs and cellstrap-server share one
# SQLite store; cellstrap-client bootstraps (classic, Bootstrap-Pack, and
# over DTLS with a factory PSK), registers over DTLS-PSK with the
# credentials the BS generated, and answers Read, Write, Execute and
# Observe from the server's admin socket; it restarts from its state file
# without a bootstrap and de-registers on SIGTERM.  Prints what happens, so
# scripts/demo shows it too.
set -u
APPS=$1
. "$(dirname "$0")/lib.sh"

KEY=000102030405060708090a0b0c0d0e0f
cat > "$DIR/bs.json" <<JSON
{"endpoints": {
  "*": {"allow_nosec_bootstrap": true,
        "servers": [{"name": "server-a", "uri": "coaps://127.0.0.1:$SRV_PORT",
                     "ssid": 1, "lifetime": 60, "pmin": 1, "pmax": 30}]},
  "urn:dev:sec": {"bootstrap_psk": {"identity": "bs-sec", "key": "$KEY"},
        "servers": [{"name": "server-a", "uri": "coaps://127.0.0.1:$SRV_PORT",
                     "ssid": 1, "lifetime": 60}]}}}
JSON

say "cellstrap-bs on coap://127.0.0.1:$BS_PORT and coaps://127.0.0.1:$BSS_PORT"
start_bs "$DIR/bs.json"
say "cellstrap-server on coaps://127.0.0.1:$SRV_PORT, same store"
start_server

say "device urn:dev:1 starts with nothing but the bootstrap URI"
start client1 "$APPS/cellstrap-client" --endpoint urn:dev:1 \
    --bootstrap coap://127.0.0.1:$BS_PORT --state "$DIR/dev1.state" \
    --manufacturer "Acme Sensors" --model CS-1 --serial SN0001
CP=$LAST
wait_registered urn:dev:1 || fail "urn:dev:1 did not register"
wait_for "$DIR/client1.log" "bootstrap finished" 1 || fail "no bootstrap"
admin list | tee "$DIR/list.out"
grep -q "^urn:dev:1 .*lwm2m=1.2 .*lt=60 .* psk " "$DIR/list.out" \
    || fail "not registered over DTLS-PSK with lifetime 60"

say "server reads /3/0"
admin read urn:dev:1 /3/0 | tee "$DIR/read.out"
head -n 1 "$DIR/read.out" | grep -q "^2.05" || fail "Read /3/0"
grep -q '^/3/0/0 .*"Acme Sensors"' "$DIR/read.out" || fail "manufacturer"
grep -q '^/3/0/1 .*"CS-1"' "$DIR/read.out" || fail "model"
grep -q '^/3/0/2 .*"SN0001"' "$DIR/read.out" || fail "serial"
grep -q '^/3/0/13 ' "$DIR/read.out" || fail "no current time"

say "server writes the lifetime /1/0/1 = 120"
admin write urn:dev:1 /1/0/1 120 | head -n 1 | grep -q "^2.04" || fail "Write /1/0/1"
n=50
while [ $n -gt 0 ] && ! admin list | grep -q "^urn:dev:1 .*lt=120 "; do
    sleep 0.1; n=$((n - 1))
done
[ $n -gt 0 ] || fail "no Update with lt=120"
admin read urn:dev:1 /1/0/1 | grep -q "^/1/0/1 .* 120$" || fail "lifetime not written"

say "server executes Reboot /3/0/4; the device registers again"
before=$(grep -c "registered as" "$DIR/client1.log")
admin execute urn:dev:1 /3/0/4 | head -n 1 | grep -q "^2.04" || fail "Execute /3/0/4"
n=100
while [ $n -gt 0 ] && [ "$(grep -c "registered as" "$DIR/client1.log")" -le "$before" ]; do
    sleep 0.1; n=$((n - 1))
done
[ $n -gt 0 ] || fail "no new registration after Reboot"
wait_registered urn:dev:1 || fail "not registered after Reboot"
echo "registrations of urn:dev:1 so far: $(grep -c "registered as" "$DIR/client1.log")"

say "server observes the current time /3/0/13: three notifications"
admin observe urn:dev:1 /3/0/13 --count 4 | tee "$DIR/observe.out"
[ "$(grep -c "notify urn:dev:1 /3/0/13" "$DIR/observe.out")" -ge 3 ] \
    || fail "fewer than three notifications"
[ "$(grep -c "^/3/0/13 " "$DIR/observe.out")" -ge 4 ] || fail "notifications without a value"

say "SIGTERM: the device de-registers"
stop $CP || fail "client exit status"
grep -q "de-registered" "$DIR/client1.log" || fail "client did not de-register"
registered urn:dev:1 && fail "server still lists urn:dev:1"
[ -s "$DIR/dev1.state" ] || fail "no state file"

say "restart from the state file: registers without a bootstrap"
start client1b "$APPS/cellstrap-client" --endpoint urn:dev:1 --state "$DIR/dev1.state"
CP=$LAST
wait_registered urn:dev:1 || fail "no registration from the state file"
grep -q "Bootstrap-Request" "$DIR/client1b.log" && fail "bootstrapped again"
admin list | grep -q "^urn:dev:1 .*lt=120 " || fail "lifetime 120 not kept across the restart"
admin list | grep "^urn:dev:1 "
stop $CP || fail "client exit status after restart"

say "device urn:dev:2 uses Bootstrap-Pack (one exchange)"
start client2 "$APPS/cellstrap-client" --endpoint urn:dev:2 --pack \
    --bootstrap coap://127.0.0.1:$BS_PORT --state "$DIR/dev2.state"
CP=$LAST
wait_registered urn:dev:2 || fail "urn:dev:2 did not register"
grep -q "Bootstrap-Pack applied" "$DIR/client2.log" || fail "Bootstrap-Pack not used"
grep -q "Bootstrap-Request" "$DIR/client2.log" && fail "fell back to POST /bs"
admin list | grep "^urn:dev:2 "
stop $CP || fail "client exit status (pack)"

say "device urn:dev:sec bootstraps over DTLS with its factory PSK"
start client3 "$APPS/cellstrap-client" --endpoint urn:dev:sec \
    --bootstrap coaps://127.0.0.1:$BSS_PORT --bootstrap-psk bs-sec:$KEY
CP=$LAST
wait_registered urn:dev:sec || fail "urn:dev:sec did not register"
admin list | grep "^urn:dev:sec "
stop $CP || fail "client exit status (DTLS bootstrap)"

grep -qi "$KEY" "$DIR"/*.log && fail "a key in the logs"
stop $SRV_PID || fail "server exit status"
stop $BS_PID || fail "bs exit status"
echo "lwm2m end to end ok"
