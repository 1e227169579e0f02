#!/bin/sh
# capture.sh APPS_DIR - records a plain-CoAP bootstrap, registration and
# device management run with tshark on loopback and has tshark check it:
# every datagram decodes as CoAP, none is malformed or carries an error of
# the dissector, and the TLV payloads (Read with Accept TLV) dissect as
# LwM2M TLV with the values the device holds.  Needs capture rights on lo
# (root); without them the test is skipped (exit 77).
set -u
APPS=$1
. "$(dirname "$0")/lib.sh"

command -v tshark > /dev/null || { echo "tshark not installed"; exit 77; }

cat > "$DIR/bs.json" <<JSON
{"endpoints": {"*": {"allow_nosec_bootstrap": true,
  "servers": [{"name": "server-a", "uri": "coap://127.0.0.1:$SRVP_PORT",
               "ssid": 7, "lifetime": 90}]}}}
JSON

CAP="$DIR/run.pcapng"
start tshark tshark -i lo -f "udp port $BS_PORT or udp port $SRVP_PORT" -w "$CAP"
TS_PID=$LAST
if ! wait_for "$DIR/tshark.log" "Capturing on" 10; then
    cat "$DIR/tshark.log"
    echo "cannot capture on lo; skipped"
    exit 77
fi

start_bs "$DIR/bs.json"
start srv "$APPS/cellstrap-server" --name server-a \
    --listen 127.0.0.1:$SRVP_PORT --allow-nosec --store "sqlite:$DIR/store.db" \
    --admin "$DIR/admin.sock"
SRV_PID=$LAST
wait_for "$DIR/srv.log" "ready" || fail "cellstrap-server did not start"

start client "$APPS/cellstrap-client" --endpoint urn:dev:cap \
    --bootstrap coap://127.0.0.1:$BS_PORT --manufacturer "Acme Sensors" --serial SN42
CP=$LAST
wait_registered urn:dev:cap || fail "urn:dev:cap did not register"
admin read urn:dev:cap /3/0 tlv | head -n 1 | grep -q "^2.05" || fail "Read /3/0 as TLV"
admin read urn:dev:cap /1/0 tlv | head -n 1 | grep -q "^2.05" || fail "Read /1/0 as TLV"
admin write urn:dev:cap /1/0/1 120 | head -n 1 | grep -q "^2.04" || fail "Write /1/0/1"
admin discover urn:dev:cap /3/0 | head -n 1 | grep -q "^2.05" || fail "Discover /3/0"
stop $CP || fail "client exit status"
sleep 0.5
kill -INT $TS_PID; wait $TS_PID 2>/dev/null

decode="-d udp.port==$BS_PORT,coap -d udp.port==$SRVP_PORT,coap"
total=$(tshark -r "$CAP" 2>/dev/null | wc -l)
coap=$(tshark -r "$CAP" $decode -Y coap 2>/dev/null | wc -l)
echo "captured $total datagrams, $coap decode as CoAP"
[ "$total" -ge 12 ] || fail "too few datagrams captured ($total)"
[ "$coap" -eq "$total" ] || fail "$((total - coap)) datagrams are not CoAP"
bad=$(tshark -r "$CAP" $decode -Y '_ws.malformed or _ws.expert.severity >= "Warning"' 2>/dev/null)
[ -z "$bad" ] || { echo "$bad"; fail "malformed or suspicious packets"; }

# The requests and answers LwM2M needs are all there.
for what in "POST.*bs" "PUT.*/0" "PUT.*/1" "POST.*rd" "GET.*/3/0" "DELETE.*rd"; do
    tshark -r "$CAP" $decode -Y coap 2>/dev/null | grep -q "$what" \
        || fail "no \"$what\" in the capture"
done
# The TLV payloads dissect, resource by resource, with the values the
# device holds (Wireshark knows objects 1 and 3 by their resource names).
tshark -r "$CAP" $decode -Y lwm2mtlv -O lwm2mtlv -V 2>/dev/null > "$DIR/tlv.txt"
grep -E "^ *\[[0-9]+\] [A-Za-z ]+: " "$DIR/tlv.txt"
grep -q "Manufacturer: Acme Sensors" "$DIR/tlv.txt" || fail "TLV of /3/0 not dissected"
grep -q "Serial Number: SN42" "$DIR/tlv.txt" || fail "serial not in the dissected TLV"
grep -q "Lifetime: 90" "$DIR/tlv.txt" || fail "TLV of /1/0 (lifetime 90) not dissected"
grep -q "Short Server ID: 7" "$DIR/tlv.txt" || fail "TLV of /1/0 (ssid 7) not dissected"
stop $SRV_PID || fail "server exit status"
stop $BS_PID || fail "bs exit status"
echo "tshark capture ok"
