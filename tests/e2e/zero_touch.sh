#!/bin/sh
# zero_touch.sh APPS_DIR [--keep] - zero-touch bootstrap, end to end, with
# the real programs on loopback: cellstrap-netsim plays the operator's
# network (subscribers in two groups, a packet gateway that reports data
# sessions over RADIUS accounting); cellstrap-bs binds addresses to
# subscriptions from that accounting and picks each device's LwM2M server
# by policy; two cellstrap-servers, one per group; generic devices (the
# same cellstrap-client, nothing configured but its emulated modem)
# attach, bootstrap and register.  Then one device re-attaches with a new
# address and bootstraps again with rotated credentials, and an impostor
# on an unbound address claiming a real subscription is refused.
# scripts/demo runs it; --keep leaves everything running until Ctrl-C.
set -u
APPS=$1
KEEP_RUNNING=${2:-}
. "$(dirname "$0")/lib.sh"

RAD_PORT=$(port 4); SRVB_PORT=$(port 5)
SECRET=netsim-secret
MODEMS="$DIR/modems"
NS="$APPS/cellstrap-netsim ctl $DIR/netsim.sock"

# The operator's subscribers: meters (IMSI ...01xx) and trackers (...02xx).
# IMEISVs share the TAC 35349006 and differ in the serial number.
subscribers() {
    printf '{"subscribers": ['
    sep=""
    for i in 1 2 3; do
        printf '%s{"imsi": "00101000000010%d", "msisdn": "4917000001%02d", "imeisv": "353490060001%02d01", "group": "meters"}' "$sep" $i $i $i
        sep=","
    done
    for i in 1 2; do
        printf ',{"imsi": "00101000000020%d", "msisdn": "4917000002%02d", "imeisv": "353490060002%02d01", "group": "trackers"}' $i $i $i
    done
    printf ']}\n'
}
subscribers > "$DIR/subscribers.json"

# The bootstrap server's rules: plain bootstrap only on iot.example, the
# endpoint name must carry the IMSI the network attested; meters go to
# server A, trackers to server B (groups from the operator's inventory).
cat > "$DIR/bs.json" <<JSON
{"network": {"trusted_apns": ["iot.example"], "endpoint_identity": "imsi",
   "subscribers": [
     {"imsi": "001010000000101", "group": "meters"}, {"imsi": "001010000000102", "group": "meters"},
     {"imsi": "001010000000103", "group": "meters"}, {"imsi": "001010000000201", "group": "trackers"},
     {"imsi": "001010000000202", "group": "trackers"}]},
 "policies": [
   {"name": "meters", "match": {"group": "meters"},
    "config": {"servers": [{"name": "server-a", "uri": "coaps://127.0.0.1:$SRV_PORT",
                            "ssid": 1, "lifetime": 300}]}},
   {"name": "trackers", "match": {"group": "trackers"},
    "config": {"servers": [{"name": "server-b", "uri": "coaps://127.0.0.1:$SRVB_PORT",
                            "ssid": 2, "lifetime": 120}]}}]}
JSON

say "cellstrap-bs: CoAP on 127.0.0.1:$BS_PORT, RADIUS accounting on 127.0.0.1:$RAD_PORT"
start_bs "$DIR/bs.json" --radius 127.0.0.1:$RAD_PORT --radius-gateway "pgw-1:127.0.0.1:$SECRET"
say "two LwM2M servers: server-a (meters) on :$SRV_PORT, server-b (trackers) on :$SRVB_PORT"
start_server
start srvb "$APPS/cellstrap-server" --name server-b --listen-dtls 127.0.0.1:$SRVB_PORT \
    --store "sqlite:$DIR/store.db" --admin "$DIR/admin-b.sock"
SRVB_PID=$LAST
wait_for "$DIR/srvb.log" "ready" || fail "server-b did not start"
admin_b() { "$APPS/cellstrap-server" admin "$DIR/admin-b.sock" --timeout 15 "$@"; }

say "cellstrap-netsim: 5 subscribers, packet gateway pgw-1 with addresses from 127.1.0.10"
start netsim "$APPS/cellstrap-netsim" --control "$DIR/netsim.sock" \
    --accounting "127.0.0.1:$RAD_PORT:$SECRET" --subscribers "$DIR/subscribers.json" \
    --modem-dir "$MODEMS" --pool 127.1.0.10/200 --bootstrap-uri "coap://127.0.0.1:$BS_PORT"
NS_PID=$LAST
wait_for "$DIR/netsim.log" "netsim ready" || fail "netsim did not start"

IMSIS="001010000000101 001010000000102 001010000000103 001010000000201 001010000000202"
say "five generic devices power on: same binary, only an emulated modem each"
for imsi in $IMSIS; do
    start "dev-$imsi" "$APPS/cellstrap-client" --modem "emulated:$MODEMS/$imsi.json"
done
for imsi in $IMSIS; do
    addr=$($NS attach $imsi) || fail "attach $imsi: $addr"
    echo "   attached IMSI $imsi -> ${addr#ok }"
done

ep_of() {   # the endpoint name a device derives: urn:imei-imsi:<IMEI>-<IMSI>
    sed -n "s/.*endpoint \(urn:imei-imsi:[0-9]*-$1\) starting.*/\1/p" "$DIR/dev-$1.log" | tail -n 1
}
server_of() {   # the admin function of the server a group lands on
    case $1 in 0010100000001*) echo admin ;; *) echo admin_b ;; esac
}
for imsi in $IMSIS; do
    n=150
    until ep=$(ep_of $imsi) && [ -n "$ep" ] && $(server_of $imsi) list 2>/dev/null | grep -q "^$ep "; do
        n=$((n - 1)); [ $n -gt 0 ] || fail "IMSI $imsi did not register"; sleep 0.1
    done
    rule=$(sed -n "s/.*Bootstrap-Request ep=$ep .*config \(policy:[a-z]*\) imsi=.*/\1/p" "$DIR/bs.log" | tail -n 1)
    where=$($(server_of $imsi) list | sed -n "s/^$ep .* addr=\([^ ]*\) .*/\1/p")
    echo "   IMSI $imsi: bootstrapped by rule ${rule:-?}, registered at $( [ "$(server_of $imsi)" = admin ] && echo server-a || echo server-b) from $where"
    case $imsi in
        0010100000001*) [ "$rule" = policy:meters ] || fail "$imsi: rule $rule" ;;
        *) [ "$rule" = policy:trackers ] || fail "$imsi: rule $rule" ;;
    esac
done
admin list | grep -c "psk" | grep -q "^3$" || fail "server-a should hold the 3 meters"
admin_b list | grep -c "psk" | grep -q "^2$" || fail "server-b should hold the 2 trackers"

say "device IMSI 001010000000102 re-attaches: new address, new bootstrap, rotated credentials"
EP2=$(ep_of 001010000000102)
OLD_ADDR=$(admin list | sed -n "s/^$EP2 .* addr=\([^:]*\):.*/\1/p")
OLD_ID=$(sed -n "s/.*issued PSK identity \([^ ]*\) to ep=$EP2 .*/\1/p" "$DIR/bs.log" | tail -n 1)
NEW=$($NS attach 001010000000102) || fail "re-attach"
NEW_ADDR=${NEW#ok }
[ "$NEW_ADDR" != "$OLD_ADDR" ] || fail "re-attach kept the address $OLD_ADDR"
n=150
until admin list | grep -q "^$EP2 .* addr=$NEW_ADDR:"; do
    n=$((n - 1)); [ $n -gt 0 ] || fail "no registration from $NEW_ADDR"; sleep 0.1
done
NEW_ID=$(sed -n "s/.*issued PSK identity \([^ ]*\) to ep=$EP2 .*/\1/p" "$DIR/bs.log" | tail -n 1)
[ -n "$NEW_ID" ] && [ "$NEW_ID" != "$OLD_ID" ] || fail "credentials not rotated"
echo "   $OLD_ADDR -> $NEW_ADDR; PSK identity $OLD_ID -> $NEW_ID (the old one is revoked)"

say "an impostor on an unbound address claims IMSI 001010000000101's endpoint name"
EP1=$(ep_of 001010000000101)
start impostor "$APPS/cellstrap-client" --endpoint "$EP1" --bootstrap coap://127.0.0.1:$BS_PORT
IMP=$LAST
wait_for "$DIR/impostor.log" "Bootstrap-Request answered 4.03" || fail "impostor not refused"
grep "refused ep=$EP1 from 127.0.0.1" "$DIR/bs.log" | tail -n 1 | sed 's/.*refused/   refused/'
stop $IMP

if [ "$KEEP_RUNNING" = "--keep" ]; then
    say "running; control the network with: $APPS/cellstrap-netsim ctl $DIR/netsim.sock help"
    say "servers: $APPS/cellstrap-server admin $DIR/admin.sock list (and admin-b.sock); Ctrl-C ends"
    trap 'exit 0' INT TERM
    while :; do sleep 1; done
fi
for imsi in $IMSIS; do $NS detach $imsi > /dev/null; done
for imsi in $IMSIS; do
    wait_for "$DIR/dev-$imsi.log" "data session ended" || fail "$imsi: detach not seen"
done
stop $NS_PID || fail "netsim exit status"
grep -qi "$SECRET" "$DIR"/bs.log "$DIR"/srv*.log "$DIR"/dev-*.log && fail "the RADIUS secret in a log"
echo "zero-touch ok"
