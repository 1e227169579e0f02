#!/bin/sh
# gba.sh APPS_DIR - bootstrap with SIM-anchored keys (GBA), end to end over
# real HTTP and DTLS: the network gives the device a coaps:// bootstrap URI
# and its BSF; the device runs Ub (HTTP Digest AKA with its emulated USIM)
# against netsim's BSF, derives Ks_NAF for the bootstrap server's name, and
# bootstraps over DTLS-PSK with identity 3GPP-bootstrapping.<B-TID>; the
# bootstrap server fetches the key over Zn and places the subscription by
# policy.  No RADIUS binding anywhere: the address proves nothing here.
# Also: SQN resynchronisation; a device with another SIM key; someone
# else's B-TID; a NAF refused on Zn; an expired B-TID and a fresh Ub.
set -u
APPS=$1
. "$(dirname "$0")/lib.sh"

HTTP_PORT=$(port 6); BS2_PORT=$(port 7)
MODEMS="$DIR/modems"
NS="$APPS/cellstrap-netsim ctl $DIR/netsim.sock"
A=001010000000501; B=001010000000502; C=001010000000503
K=465b5ce8b199b49faa5f0a2ee238a6bc
OPC=cd63cb71954a9f4e48a5994e37a02baf

cat > "$DIR/subscribers.json" <<JSON
{"subscribers": [
  {"imsi": "$A", "imeisv": "3534900600050101", "k": "$K", "opc": "$OPC", "group": "meters"},
  {"imsi": "$B", "imeisv": "3534900600050201", "k": "000102030405060708090a0b0c0d0e0f", "opc": "$OPC"},
  {"imsi": "$C", "imeisv": "3534900600050301", "k": "$K", "opc": "$OPC"}]}
JSON
cat > "$DIR/bs.json" <<JSON
{"network": {"subscribers": [{"imsi": "$A", "group": "meters"}]},
 "policies": [
   {"name": "meters-gba", "match": {"group": "meters"}, "trust": ["gba"],
    "config": {"servers": [{"name": "server-a", "uri": "coaps://127.0.0.1:$SRV_PORT", "ssid": 1}]}},
   {"name": "others", "match": {"imsi_prefix": "00101"},
    "config": {"servers": [{"name": "server-a", "uri": "coaps://127.0.0.1:$SRV_PORT", "ssid": 1}]}}]}
JSON

say "netsim: BSF on http://127.0.0.1:$HTTP_PORT/ (B-TIDs live 6 s); devices told coaps://localhost:$BSS_PORT"
start netsim "$APPS/cellstrap-netsim" --control "$DIR/netsim.sock" \
    --subscribers "$DIR/subscribers.json" --modem-dir "$MODEMS" \
    --http 127.0.0.1:$HTTP_PORT --bsf-lifetime 6 --naf "bs:zn-secret:localhost" \
    --bootstrap-uri "coaps://localhost:$BSS_PORT"
wait_for "$DIR/netsim.log" "netsim ready" || fail "netsim did not start"
say "cellstrap-bs as NAF localhost (DTLS only, Zn to the BSF)"
start bs "$APPS/cellstrap-bs" --listen-dtls 127.0.0.1:$BSS_PORT --config "$DIR/bs.json" \
    --store "sqlite:$DIR/store.db" --zn "http://127.0.0.1:$HTTP_PORT/zn" \
    --zn-naf bs:zn-secret --naf-fqdn localhost
BS_PID=$LAST
wait_for "$DIR/bs.log" "listening on coaps" || fail "cellstrap-bs did not start"
start_server

device() {   # device IMSI: a vanilla device with its emulated modem
    start "dev-$1" "$APPS/cellstrap-client" --modem "emulated:$MODEMS/$1.json"
    DEV=$LAST
}

say "device $A: the card is ahead of the network's SQN (resynchronisation first)"
python3 - "$MODEMS/$A.usim.json" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d["seq_ms"] = [5000] + [0] * 31
json.dump(d, open(p, "w"))
PY
device $A
$NS attach $A > /dev/null || fail "attach $A"
wait_for "$DIR/dev-$A.log" "endpoint urn:imei-imsi:" || fail "$A did not start"
EPA=$(sed -n "s/.*endpoint \(urn:imei-imsi:[0-9]*-$A\) starting.*/\1/p" "$DIR/dev-$A.log" | head -n 1)
wait_registered "$EPA" || fail "$A did not register with GBA keys"
grep -q "GBA key for .* from the BSF ($A@ims" "$DIR/bs.log" || fail "no Zn fetch"
grep -q "config policy:meters-gba imsi=$A gba btid=" "$DIR/bs.log" || fail "not placed by the GBA policy"
[ "$(grep -c "BSF: GET / -> 401" "$DIR/netsim.log")" -ge 2 ] || fail "no resynchronisation round"
admin list | grep "^$EPA "
BTID_A=$(sed -n "s/.*GBA key for \(.*\) from the BSF ($A@.*/\1/p" "$DIR/bs.log" | head -n 1)
echo "   B-TID $BTID_A"

say "device $B: its SIM holds another key than the operator's record"
python3 - "$MODEMS/$B.usim.json" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d["k"] = "ffeeddccbbaa99887766554433221100"
json.dump(d, open(p, "w"))
PY
device $B
$NS attach $B > /dev/null || fail "attach $B"
wait_for "$DIR/dev-$B.log" "GBA bootstrap failed" || fail "$B: Ub not refused"
admin list | grep -q -- "-$B " && fail "$B registered"

say "someone else's B-TID without its key is refused at the handshake"
start thief "$APPS/cellstrap-client" --endpoint "$EPA" \
    --bootstrap "coaps://localhost:$BSS_PORT" \
    --bootstrap-psk "3GPP-bootstrapping.$BTID_A:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
THIEF=$LAST
wait_for "$DIR/thief.log" "bootstrap failed" || fail "stolen B-TID not refused"
stop $THIEF

say "a NAF that the BSF does not know gets no key"
start bs2 "$APPS/cellstrap-bs" --listen-dtls 127.0.0.1:$BS2_PORT --config "$DIR/bs.json" \
    --store "sqlite:$DIR/store2.db" --zn "http://127.0.0.1:$HTTP_PORT/zn" \
    --zn-naf bs:wrong-secret --naf-fqdn localhost
BS2=$LAST
wait_for "$DIR/bs2.log" "listening on coaps" || fail "second BS did not start"
start viabs2 "$APPS/cellstrap-client" --modem "emulated:$MODEMS/$C.json" \
    --bootstrap "coaps://localhost:$BS2_PORT"
VIA=$LAST
$NS attach $C > /dev/null || fail "attach $C"
wait_for "$DIR/bs2.log" "/zn: HTTP 403" || fail "Zn did not refuse the NAF"
wait_for "$DIR/viabs2.log" "bootstrap failed" || fail "$C bootstrapped through an unknown NAF"
stop $VIA; stop $BS2

say "the B-TID expires: a re-attach runs Ub again and bootstraps with a new one"
sleep 6
$NS attach $A > /dev/null || fail "re-attach $A"
n=150
until [ "$(grep -c "GBA key for .* ($A@ims" "$DIR/bs.log")" -ge 2 ]; do
    n=$((n - 1)); [ $n -gt 0 ] || fail "no second GBA bootstrap"; sleep 0.1
done
BTID_A2=$(sed -n "s/.*GBA key for \(.*\) from the BSF ($A@.*/\1/p" "$DIR/bs.log" | tail -n 1)
[ "$BTID_A2" != "$BTID_A" ] || fail "the expired B-TID was used again"
wait_registered "$EPA" || fail "$A did not register again"
echo "   B-TID $BTID_A -> $BTID_A2"

grep -qi "$K" "$DIR"/*.log && fail "a SIM key in a log"
grep -q "zn-secret" "$DIR"/*.log && fail "the Zn secret in a log"
echo "gba ok"
