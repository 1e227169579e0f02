#!/bin/sh
# attested_refusals.sh APPS_DIR - what network-attested bootstrap refuses,
# with FreeRADIUS's radclient (an independent RADIUS client) playing the
# packet gateway towards the real cellstrap-bs, and cellstrap-client
# devices whose emulated modem files this script writes: a device on a
# bound address bootstraps; refused are an endpoint name claiming another
# subscription, an address whose session stopped, an address reused by
# another subscriber (it maps to the new one), accounting with a wrong
# secret, an untrusted APN, everything after Accounting-On, and a burst
# over the rate limit.
set -u
APPS=$1
. "$(dirname "$0")/lib.sh"
command -v radclient > /dev/null || { echo "radclient (freeradius-utils) missing"; exit 1; }

RAD_PORT=$(port 4)
SECRET=gw-secret
IMEI=490154203237518
IMEISV=4901542032375101
X=001010000000301; Y=001010000000302; Z=001010000000303; W=001010000000304
cat > "$DIR/bs.json" <<JSON
{"network": {"trusted_apns": ["iot.example"],
             "rate_limit": {"per_address": 6, "per_subscription": 50, "window_s": 60}},
 "policies": [{"name": "all", "match": {"imsi_prefix": "00101"},
   "config": {"servers": [{"name": "server-a", "uri": "coaps://127.0.0.1:$SRV_PORT", "ssid": 1}]}}]}
JSON
start_bs "$DIR/bs.json" --radius 127.0.0.1:$RAD_PORT --radius-gateway "rc:127.0.0.1:$SECRET"
start_server

# acct STATUS IMSI ADDRESS SESSION [APN [SECRET]]: one Accounting-Request.
acct() {
    printf '%s\n' "Acct-Status-Type = $1" "Framed-IP-Address = $3" \
        "Acct-Session-Id = \"$4\"" "Called-Station-Id = \"${5:-iot.example}\"" \
        "User-Name = \"$2\"" "3GPP-IMSI = \"$2\"" "3GPP-IMEISV = \"$IMEISV\"" \
        "NAS-IP-Address = 127.0.0.1" |
        timeout 10 radclient -r 1 -t 1 127.0.0.1:$RAD_PORT acct "${6:-$SECRET}" \
        > "$DIR/radclient.out" 2>&1
}

# device NAME IMSI ADDRESS [flags]: a device whose modem says it is
# attached with ADDRESS; waits for the BS's answer or a registration.
device() {
    name=$1 imsi=$2 addr=$3; shift 3
    cat > "$DIR/$name.modem" <<JSON
{"imsi": "$imsi", "imei": "$IMEI",
 "session": {"attached": true, "address": "$addr", "apn": "iot.example",
             "bootstrap_uri": "coap://127.0.0.1:$BS_PORT", "attach_id": 1}}
JSON
    start "$name" "$APPS/cellstrap-client" --modem "emulated:$DIR/$name.modem" "$@"
    DEV=$LAST
    n=100
    until grep -q "registered as\|Bootstrap-Request answered" "$DIR/$name.log" 2>/dev/null; do
        n=$((n - 1)); [ $n -gt 0 ] || fail "$name: no outcome"; sleep 0.1
    done
    stop $DEV
}
refused() {   # refused NAME CODE REASON: the device's answer, the BS's last refusal
    grep -q "Bootstrap-Request answered $2" "$DIR/$1.log" || fail "$1 not refused with $2"
    grep "refused ep=" "$DIR/bs.log" | tail -n 1 | grep -q "$3" \
        || fail "$1: the BS's last refusal is not \"$3\""
    echo "   refused ($2): $3"
}

say "radclient reports a session: IMSI $X at 127.1.9.9; that device bootstraps"
acct Start $X 127.1.9.9 s1 || fail "Start not answered: $(cat "$DIR/radclient.out")"
device dx1 $X 127.1.9.9
grep -q "registered as" "$DIR/dx1.log" || fail "the bound device did not register"

say "from the same address, an endpoint name claiming IMSI $Y"
device dclaim $X 127.1.9.9 --endpoint "urn:imei-imsi:$IMEI-$Y"
refused dclaim 4.03 "IMSI in the endpoint name is not the attested one"

say "the session stops: the address is no longer bound"
acct Stop $X 127.1.9.9 s1 || fail "Stop not answered"
device dx2 $X 127.1.9.9
refused dx2 4.03 "no network binding for this address"

say "the address goes to IMSI $Y: it now means $Y, not $X"
acct Start $Y 127.1.9.9 s2 || fail "Start for $Y not answered"
device dx3 $X 127.1.9.9
refused dx3 4.03 "address bound to IMSI $Y"
device dy1 $Y 127.1.9.9
grep -q "registered as" "$DIR/dy1.log" || fail "the new holder of the address did not register"
echo "   IMSI $Y registered from 127.1.9.9"

say "accounting with a wrong secret is ignored"
acct Start $Z 127.1.9.10 s3 iot.example wrong-secret && fail "a forged Start was answered"
wait_for "$DIR/bs.log" "dropped: bad-authenticator" || fail "forged accounting not reported"
device dz $Z 127.1.9.10
refused dz 4.03 "no network binding"

say "a session on an APN not trusted for plain bootstrap"
acct Start $W 127.1.9.11 s4 internet || fail "Start on internet not answered"
device dw $W 127.1.9.11
refused dw 4.03 "APN \"internet\" is not trusted"

say "a burst from one bound address meets the rate limit"
for i in 1 2 3 4 5 6 7; do
    device "burst$i" $Y 127.1.9.9
done
grep -q "Bootstrap-Request answered 4.29" "$DIR/burst7.log" || fail "no 4.29 in a burst"
echo "   refused (4.29): too many Bootstrap-Requests from this address"

say "Accounting-On: the gateway restarted, all its bindings go"
printf '%s\n' "Acct-Status-Type = Accounting-On" "NAS-IP-Address = 127.0.0.1" |
    timeout 10 radclient -r 1 -t 1 127.0.0.1:$RAD_PORT acct $SECRET > /dev/null 2>&1 \
    || fail "Accounting-On not answered"
wait_for "$DIR/bs.log" "Accounting-On from rc: 2 bindings dropped" || fail "no flush"
device dw2 $W 127.1.9.11
refused dw2 4.03 "no network binding"

grep -q "$SECRET" "$DIR"/*.log && fail "the RADIUS secret in a log"
stop $SRV_PID || fail "server exit status"
stop $BS_PID || fail "bs exit status"
echo "attested refusals ok"
