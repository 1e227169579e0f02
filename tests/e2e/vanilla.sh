#!/bin/sh
# vanilla.sh APPS_DIR - cellstrap-client in vanilla mode with an emulated
# modem: it waits for the network, takes its endpoint name from the
# subscription and the Bootstrap-Server from the network, bootstraps and
# registers from the address the network assigned, and bootstraps again
# from the new address after a re-attach.
set -u
APPS=$1
. "$(dirname "$0")/lib.sh"

cat > "$DIR/bs.json" <<JSON
{"endpoints": {"*": {"allow_nosec_bootstrap": true,
  "servers": [{"name": "server-a", "uri": "coaps://127.0.0.1:$SRV_PORT", "ssid": 1}]}}}
JSON
start_bs "$DIR/bs.json"
start_server

modem() {   # modem ATTACHED ADDRESS ATTACH_ID: what netsim would write
    cat > "$DIR/modem.tmp" <<JSON
{"imsi": "001010000000042", "mnc_length": 2, "imei": "490154203237518",
 "session": {"attached": $1, "address": "$2", "apn": "iot.example",
             "bootstrap_uri": "coap://127.0.0.1:$BS_PORT", "attach_id": $3}}
JSON
    mv "$DIR/modem.tmp" "$DIR/modem.json"
}
EP=urn:imei-imsi:490154203237518-001010000000042

say "a vanilla device powers on before its SIM is provisioned"
start client "$APPS/cellstrap-client" --modem "emulated:$DIR/modem.json"
CP=$LAST
wait_for "$DIR/client.log" "waiting for the network" || fail "not waiting for the network"

say "it attaches with address 127.1.0.5"
modem true 127.1.0.5 1
wait_registered "$EP" || fail "$EP did not register"
grep -q "Bootstrap-Request ep=$EP from 127.1.0.5:" "$DIR/bs.log" \
    || fail "bootstrap not from the assigned address"
admin list | grep "^$EP .*addr=127.1.0.5:.* psk " || fail "not registered from 127.1.0.5 over DTLS"

say "it re-attaches with address 127.1.0.9: a new bootstrap, new credentials"
modem true 127.1.0.9 2
n=100
while [ $n -gt 0 ] && ! admin list | grep -q "^$EP .*addr=127.1.0.9:"; do
    sleep 0.1; n=$((n - 1))
done
[ $n -gt 0 ] || fail "no registration from 127.1.0.9"
grep -q "Bootstrap-Request ep=$EP from 127.1.0.9:" "$DIR/bs.log" \
    || fail "no bootstrap from the new address"
[ "$(grep -c "issued PSK identity .* to ep=$EP" "$DIR/bs.log")" -eq 2 ] \
    || fail "credentials not issued anew"
admin list | grep "^$EP "

say "detach: the device waits for the network again"
modem false 127.1.0.9 2
wait_for "$DIR/client.log" "data session ended" || fail "detach not noticed"
stop $CP || fail "client exit status"
stop $SRV_PID || fail "server exit status"
stop $BS_PID || fail "bs exit status"
echo "vanilla mode ok"
