#!/usr/bin/env bash
# radclient.sh - cellstrap's RADIUS accounting server (radius_peer, on the
# cs_acct_server engine) against FreeRADIUS's radclient (Debian
# freeradius-utils), an independent RADIUS client, over loopback UDP:
#   Start (with the 3GPP VSAs IMSI, IMEISV, RAT-Type, SGSN-MCC-MNC),
#   Interim-Update, Stop, Accounting-On and -Off: radclient accepts each
#   response (it checks the Response Authenticator) and our server decoded
#   the right fields;
#   a wrong secret: no answer at all, counted as a bad authenticator;
#   a response with a flipped authenticator bit: radclient refuses it.
# Usage: radclient.sh PATH/TO/radius_peer
set -euo pipefail
peer=${1:?usage: radclient.sh radius_peer}
secret=testing123
command -v radclient >/dev/null || { echo "freeradius-utils is not installed" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

# start_peer LOG [corrupt]: our server on a free port; sets $port.
start_peer() {
  "$peer" 0 "$secret" 60 ${2:-} >"$1" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do grep -q '^ready' "$1" && break; sleep 0.1; done
  port=$(sed -n 's/^ready port=//p' "$1")
  [ -n "$port" ] || fail "radius_peer did not start: $(cat "$1")"
}

# send KEY ATTRIBUTES...: one Accounting-Request from radclient (sent
# $TRIES times at most, default 1); its output in $work/KEY.out, its exit
# status returned.
send() {
  local key=$1 key_secret=${SECRET_OVERRIDE:-$secret}
  shift
  printf '%s\n' "$@" | timeout 20 radclient -x -r "${TRIES:-1}" -t 1 "127.0.0.1:$port" acct \
    "$key_secret" >"$work/$key.out" 2>&1
}

# expect_line PATTERN: the peer printed a line matching PATTERN (a fixed
# string) within 2 s.
expect_line() {
  for _ in $(seq 20); do grep -qF -- "$1" "$work/peer.log" && return 0; sleep 0.1; done
  fail "server did not print [$1]; it printed: $(cat "$work/peer.log")"
}

start_peer "$work/peer.log"

send start 'Acct-Status-Type = Start' 'User-Name = "001010123456789"' \
  'Framed-IP-Address = 10.20.30.40' 'Calling-Station-Id = "491701234567"' \
  'Called-Station-Id = "iot.example"' 'Acct-Session-Id = "0000001a"' \
  'NAS-IP-Address = 127.0.0.1' 'Event-Timestamp = 1700000000' \
  '3GPP-IMSI = "001010123456789"' '3GPP-IMEISV = "3534900612345601"' \
  '3GPP-RAT-Type = EUTRAN' '3GPP-SGSN-MCC-MNC = "00101"' \
  || fail "radclient Start: $(cat "$work/start.out")"
grep -q '^Received Accounting-Response Id' "$work/start.out" || fail "Start: $(cat "$work/start.out")"
expect_line "event=Start gateway=pgw-test ip=10.20.30.40 nas_ip=127.0.0.1 user=001010123456789 msisdn=491701234567 apn=iot.example session=0000001a timestamp=1700000000 imsi=001010123456789 imeisv=3534900612345601 rat=6 mcc_mnc=00101"
ok "Start with 3GPP VSAs: decoded, answered, response accepted by radclient"

send interim 'Acct-Status-Type = Interim-Update' 'Framed-IP-Address = 10.20.30.40' \
  'Acct-Session-Id = "0000001a"' '3GPP-IMSI = "001010123456789"' \
  'NAS-IP-Address = 127.0.0.1' || fail "radclient Interim: $(cat "$work/interim.out")"
expect_line "event=Interim-Update gateway=pgw-test ip=10.20.30.40 nas_ip=127.0.0.1 session=0000001a imsi=001010123456789"
ok "Interim-Update"

send stop 'Acct-Status-Type = Stop' 'Framed-IP-Address = 10.20.30.40' \
  'Acct-Session-Id = "0000001a"' '3GPP-IMSI = "001010123456789"' \
  'Acct-Terminate-Cause = User-Request' 'NAS-IP-Address = 127.0.0.1' \
  || fail "radclient Stop: $(cat "$work/stop.out")"
expect_line "event=Stop gateway=pgw-test ip=10.20.30.40 nas_ip=127.0.0.1 session=0000001a imsi=001010123456789"
ok "Stop"

send off 'Acct-Status-Type = Accounting-Off' 'NAS-IP-Address = 127.0.0.1' \
  || fail "radclient Accounting-Off: $(cat "$work/off.out")"
expect_line "event=Accounting-Off gateway=pgw-test nas_ip=127.0.0.1"
send on 'Acct-Status-Type = Accounting-On' 'NAS-IP-Address = 127.0.0.1' \
  || fail "radclient Accounting-On: $(cat "$work/on.out")"
expect_line "event=Accounting-On gateway=pgw-test nas_ip=127.0.0.1"
ok "Accounting-Off and Accounting-On"

# A wrong secret: nothing comes back, radclient gives up after two tries.
if TRIES=2 SECRET_OVERRIDE=not-the-secret send wrong 'Acct-Status-Type = Start' \
    'Framed-IP-Address = 10.20.30.41'; then
  fail "a request with the wrong secret was answered: $(cat "$work/wrong.out")"
fi
grep -q 'No reply' "$work/wrong.out" || fail "wrong secret: $(cat "$work/wrong.out")"
sent=$(grep -c '^Sent Accounting-Request' "$work/wrong.out")
[ "$sent" -eq 2 ] || fail "wrong secret: radclient sent $sent copies, expected 2"
for _ in $(seq 20); do
  [ "$(grep -c '^drop=bad-authenticator' "$work/peer.log")" -eq "$sent" ] && break
  sleep 0.1
done
[ "$(grep -c '^drop=bad-authenticator' "$work/peer.log")" -eq "$sent" ] \
  || fail "wrong secret: expected $sent drops, server printed: $(cat "$work/peer.log")"
grep -q 'ip=10.20.30.41' "$work/peer.log" && fail "wrong secret: the event was applied"
ok "wrong secret: no answer, both copies (same Identifier) dropped as bad-authenticator"

# Responses with a broken authenticator: radclient must refuse them, which
# shows that its acceptance above checked ours.
start_peer "$work/corrupt.log" corrupt
if send corrupt 'Acct-Status-Type = Start' 'Framed-IP-Address = 10.20.30.42'; then
  fail "radclient accepted a corrupted response: $(cat "$work/corrupt.out")"
fi
grep -q '^Received Accounting-Response Id' "$work/corrupt.out" \
  && fail "radclient reported a corrupted response as received"
grep -q 'invalid Response Authenticator' "$work/corrupt.out" \
  || fail "radclient did not see the corrupted response: $(cat "$work/corrupt.out")"
ok "a flipped response authenticator is refused by radclient"
