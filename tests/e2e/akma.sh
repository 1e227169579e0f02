#!/bin/sh
# akma.sh APPS_DIR - bootstrap with AKMA keys end to end: netsim runs an
# (emulated) primary authentication at every attach and keeps K_AKMA and
# the A-KID (the AAnF); the device's USIM answers the same challenge and
# derives them too, then K_AF for the bootstrap server's name, and
# bootstraps over DTLS-PSK as "3GPP-AKMA.<A-KID>"; the bootstrap server
# asks the AAnF for K_AF and places the SUPI by policy.  Refused: an A-KID
# nobody issued, an AF the AAnF does not know, a policy that takes only GBA.
set -u
APPS=$1
. "$(dirname "$0")/lib.sh"

HTTP_PORT=$(port 6); BS2_PORT=$(port 7)
MODEMS="$DIR/modems"
NS="$APPS/cellstrap-netsim ctl $DIR/netsim.sock"
A=001010000000601; B=001010000000602
K=465b5ce8b199b49faa5f0a2ee238a6bc
OPC=cd63cb71954a9f4e48a5994e37a02baf
cat > "$DIR/subscribers.json" <<JSON
{"subscribers": [
  {"imsi": "$A", "imeisv": "3534900600060101", "k": "$K", "opc": "$OPC"},
  {"imsi": "$B", "imeisv": "3534900600060201", "k": "$K", "opc": "$OPC"}]}
JSON
cat > "$DIR/bs.json" <<JSON
{"policies": [
   {"name": "akma-only", "match": {"imsi_prefix": "00101000000060", "imsi_range": ["001010000000601", "001010000000601"]},
    "trust": ["akma"],
    "config": {"servers": [{"name": "server-a", "uri": "coaps://127.0.0.1:$SRV_PORT", "ssid": 1}]}},
   {"name": "gba-only", "match": {"imsi_prefix": "00101"}, "trust": ["gba"],
    "config": {"servers": [{"name": "server-a", "uri": "coaps://127.0.0.1:$SRV_PORT", "ssid": 1}]}}]}
JSON

say "netsim: AAnF on http://127.0.0.1:$HTTP_PORT/aanf; primary authentication at attach"
start netsim "$APPS/cellstrap-netsim" --control "$DIR/netsim.sock" \
    --subscribers "$DIR/subscribers.json" --modem-dir "$MODEMS" \
    --http 127.0.0.1:$HTTP_PORT --aanf --naf "bs:af-secret:localhost" \
    --bootstrap-uri "coaps://localhost:$BSS_PORT"
wait_for "$DIR/netsim.log" "netsim ready" || fail "netsim did not start"
say "cellstrap-bs as AKMA AF localhost"
start bs "$APPS/cellstrap-bs" --listen-dtls 127.0.0.1:$BSS_PORT --config "$DIR/bs.json" \
    --store "sqlite:$DIR/store.db" --aanf "http://127.0.0.1:$HTTP_PORT/aanf" \
    --zn-naf bs:af-secret --naf-fqdn localhost
BS_PID=$LAST
wait_for "$DIR/bs.log" "listening on coaps" || fail "cellstrap-bs did not start"
start_server

say "device $A attaches (5G): AKMA keys, bootstrap, registration"
start "dev-$A" "$APPS/cellstrap-client" --modem "emulated:$MODEMS/$A.json"
$NS attach $A > /dev/null || fail "attach $A"
wait_for "$DIR/dev-$A.log" "AKMA: A-KID" || fail "$A derived no A-KID"
EPA=$(sed -n "s/.*endpoint \(urn:imei-imsi:[0-9]*-$A\) starting.*/\1/p" "$DIR/dev-$A.log" | head -n 1)
wait_registered "$EPA" || fail "$A did not register with AKMA keys"
grep -q "AKMA key for .* from the AAnF (SUPI $A)" "$DIR/bs.log" || fail "no AAnF request"
grep -q "config policy:akma-only imsi=$A akma a-kid=" "$DIR/bs.log" || fail "not placed by the AKMA policy"
AKID=$(sed -n "s/.*AKMA: A-KID \(.*\)$/\1/p" "$DIR/dev-$A.log" | head -n 1)
echo "   A-KID $AKID"
admin list | grep "^$EPA "

say "device $B: the only policy for it takes GBA, not AKMA"
start "dev-$B" "$APPS/cellstrap-client" --modem "emulated:$MODEMS/$B.json"
DEVB=$LAST
$NS attach $B > /dev/null || fail "attach $B"
wait_for "$DIR/bs.log" "policy gba-only does not accept AKMA for IMSI $B" || fail "policy trust ignored"
stop $DEVB

say "an A-KID nobody issued is refused at the handshake"
start fake "$APPS/cellstrap-client" --endpoint "$EPA" --bootstrap "coaps://localhost:$BSS_PORT" \
    --bootstrap-psk "3GPP-AKMA.0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA@5gc.mnc001.mcc001.3gppnetwork.org:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
FAKE=$LAST
wait_for "$DIR/fake.log" "bootstrap failed" || fail "unknown A-KID not refused"
stop $FAKE

say "an AF the AAnF does not know gets no key"
start bs2 "$APPS/cellstrap-bs" --listen-dtls 127.0.0.1:$BS2_PORT --config "$DIR/bs.json" \
    --store "sqlite:$DIR/store2.db" --aanf "http://127.0.0.1:$HTTP_PORT/aanf" \
    --zn-naf bs:not-the-secret --naf-fqdn localhost
BS2=$LAST
wait_for "$DIR/bs2.log" "listening on coaps" || fail "second BS did not start"
start via2 "$APPS/cellstrap-client" --modem "emulated:$MODEMS/$B.json" \
    --bootstrap "coaps://localhost:$BS2_PORT"
$NS attach $B > /dev/null || fail "re-attach $B"
wait_for "$DIR/bs2.log" "/aanf: HTTP 403" || fail "the AAnF did not refuse the AF"
wait_for "$DIR/via2.log" "bootstrap failed" || fail "$B bootstrapped through an unknown AF"
stop $LAST; stop $BS2

grep -qi "$K" "$DIR"/*.log && fail "a SIM key in a log"
echo "akma ok"
