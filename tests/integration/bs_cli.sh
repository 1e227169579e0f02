#!/bin/sh
# bs_cli.sh - cellstrap-bs as a program: --help, usage errors, a bad and
# a missing configuration file (exit 2), Bootstrap-Requests from libcoap's
# coap-client (an independent CoAP stack): 2.04 for a configured endpoint,
# 4.00 for an unknown one; a Bootstrap-Pack in SenML JSON; a clean stop on
# SIGTERM; no key in the log.
# usage: bs_cli.sh PATH/TO/cellstrap-bs
set -u
BIN=$1
DIR=$(mktemp -d)
PORT=$((20000 + ($$ + 7) % 20000))
PID=
fail() { echo "FAIL: $*"; [ -n "$PID" ] && kill "$PID" 2>/dev/null; cat "$DIR/log" 2>/dev/null; rm -rf "$DIR"; exit 1; }

"$BIN" --help | grep -q -- "--listen-dtls" || fail "--help"
"$BIN" >/dev/null 2>&1; [ $? -eq 2 ] || fail "no listener must be a usage error"
"$BIN" --listen 127.0.0.1:$PORT --bogus >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown flag"
"$BIN" --listen 127.0.0.1:$PORT --log-level loud >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad log level"
"$BIN" --listen 127.0.0.1:$PORT --config "$DIR/missing.json" >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing config"
echo '{"endpoints": {"d": {"servers": [{"name": "a", "uri": "coaps://127.0.0.1:5684", "ssid": 0}]}}}' >"$DIR/bad.json"
"$BIN" --listen 127.0.0.1:$PORT --config "$DIR/bad.json" 2>"$DIR/err"; [ $? -eq 2 ] || fail "bad config exit status"
grep -q "ssid" "$DIR/err" || fail "bad config message: $(cat "$DIR/err")"

KEY2=$(printf bs-secret-2 | od -An -tx1 | tr -d ' \n')
cat >"$DIR/bs.json" <<JSON
{"endpoints": {
  "dev-2": {"bootstrap_psk": {"identity": "bs-dev-2", "key": "$KEY2"},
            "servers": [{"name": "server-a", "uri": "coaps://127.0.0.1:5684",
                         "ssid": 1}]},
  "dev-1": {"allow_nosec_bootstrap": true,
            "servers": [{"name": "server-a", "uri": "coaps://127.0.0.1:5684",
                         "security": "psk", "psk": "generate", "ssid": 1,
                         "lifetime": 300, "binding": "U"}]}}}
JSON
"$BIN" --listen 127.0.0.1:$PORT --listen-dtls 127.0.0.1:$((PORT + 1)) \
    --config "$DIR/bs.json" --store "$DIR/store.db" \
    --log-level debug 2>"$DIR/log" &
PID=$!
sleep 0.5
kill -0 $PID 2>/dev/null || fail "did not start"

coap-client-openssl -v 6 -m post -B 3 "coap://127.0.0.1:$PORT/bs?ep=dev-1&pct=11542" \
    >"$DIR/out1" 2>&1
grep -q "2.04" "$DIR/out1" || fail "Bootstrap-Request not answered 2.04: $(cat "$DIR/out1")"
coap-client-openssl -m post -B 3 "coap://127.0.0.1:$PORT/bs?ep=nobody" >"$DIR/out2" 2>&1
grep -q "4.00" "$DIR/out2" || fail "unknown endpoint not 4.00: $(cat "$DIR/out2")"
coap-client-openssl -m get -A 110 -B 3 "coap://127.0.0.1:$PORT/bspack?ep=dev-1" >"$DIR/out3" 2>&1
grep -q '"n":"0/1/3"\|/0/1/3' "$DIR/out3" || fail "pack: $(cat "$DIR/out3")"

# DTLS: the bootstrap PSK proves dev-2, and only dev-2
coap-client-openssl -v 6 -u bs-dev-2 -k bs-secret-2 -m post -B 3 \
    "coaps://127.0.0.1:$((PORT + 1))/bs?ep=dev-2" >"$DIR/out4" 2>&1
grep -q "2.04" "$DIR/out4" || fail "DTLS Bootstrap-Request: $(cat "$DIR/out4")"
coap-client-openssl -v 6 -u bs-dev-2 -k bs-secret-2 -m post -B 3 \
    "coaps://127.0.0.1:$((PORT + 1))/bs?ep=dev-1" >"$DIR/out5" 2>&1
grep -q "4.00" "$DIR/out5" || fail "another ep over dev-2's PSK: $(cat "$DIR/out5")"
grep -q "refused ep=dev-1 .*DTLS PSK identity" "$DIR/log" || fail "no refusal logged"

kill -TERM $PID
wait $PID; RC=$?
PID=
[ $RC -eq 0 ] || fail "exit status after SIGTERM: $RC"
grep -q "Bootstrap-Request ep=dev-1" "$DIR/log" || fail "no request log line"
grep -q "issued PSK identity cs-" "$DIR/log" || fail "no issue log line"
# the generated keys (in the pack, base64) never reach the log
KEYS=$(grep -o '"vd":"[^"]*"' "$DIR/out3" | cut -d'"' -f4 | grep -v '^$')
[ -n "$KEYS" ] || fail "no key in the pack: $(cat "$DIR/out3")"
for k in $KEYS; do grep -qF "$k" "$DIR/log" && fail "a key is in the log"; done
rm -rf "$DIR"
echo "bs_cli: ok"
