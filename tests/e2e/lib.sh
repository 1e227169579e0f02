# lib.sh - shared by the end-to-end scripts: a scratch directory, free
# loopback ports, starting cellstrap-bs and cellstrap-server on one SQLite
# store, waiting for log lines, and failing with every log printed.
# Sourced; the caller sets APPS (the directory with the programs).

DIR=$(mktemp -d)
PIDS=""
# Stop what was started, newest first (devices before the servers they
# de-register from), each within 5 s, then whatever is left by force.
cleanup() {
    rev=""
    for p in $PIDS; do rev="$p $rev"; done
    for p in $rev; do
        kill "$p" 2>/dev/null || continue
        n=50
        while kill -0 "$p" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
        kill -KILL "$p" 2>/dev/null
    done
    wait 2>/dev/null
    [ -n "${KEEP:-}" ] && echo "kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    for f in "$DIR"/*.log; do [ -f "$f" ] && { echo "== $f"; cat "$f"; }; done
    exit 1
}

say() { echo "-- $*"; }

# Ports from the process ID, so tests running side by side do not collide.
BASE=$((20000 + ($$ * 8) % 40000))
port() { echo $((BASE + $1)); }

# wait_for FILE PATTERN [SECONDS]: until grep finds PATTERN in FILE.
wait_for() {
    n=$(( ${3:-10} * 10 ))
    while [ $n -gt 0 ]; do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1; n=$((n - 1))
    done
    return 1
}

# start NAME COMMAND...: run in the background, output to $DIR/NAME.log;
# the PID is in $LAST.
start() {
    name=$1; shift
    "$@" > "$DIR/$name.log" 2>&1 &
    LAST=$!
    PIDS="$PIDS $LAST"
}

# stop PID: SIGTERM and wait; returns the exit status.
stop() {
    kill -TERM "$1" 2>/dev/null
    wait "$1"
}

# start_bs CONFIG [more flags]: cellstrap-bs on $BS_PORT (plain) and
# $BSS_PORT (DTLS), store $DIR/store.db; waits until it listens.
start_bs() {
    cfg=$1; shift
    start bs "$APPS/cellstrap-bs" --listen 127.0.0.1:$BS_PORT \
        --listen-dtls 127.0.0.1:$BSS_PORT --config "$cfg" \
        --store "sqlite:$DIR/store.db" "$@"
    BS_PID=$LAST
    wait_for "$DIR/bs.log" "listening on coaps" || fail "cellstrap-bs did not start"
}

# start_server [more flags]: cellstrap-server "server-a" on $SRV_PORT (DTLS)
# with the admin socket $DIR/admin.sock.
start_server() {
    start srv "$APPS/cellstrap-server" --name server-a \
        --listen-dtls 127.0.0.1:$SRV_PORT --store "sqlite:$DIR/store.db" \
        --admin "$DIR/admin.sock" "$@"
    SRV_PID=$LAST
    wait_for "$DIR/srv.log" "ready" || fail "cellstrap-server did not start"
}

# admin COMMAND...: one admin command; its answer on stdout.
admin() {
    "$APPS/cellstrap-server" admin "$DIR/admin.sock" --timeout 15 "$@"
}

# registered EP: the server lists EP.
registered() {
    admin list 2>/dev/null | grep -q "^$1 "
}

wait_registered() {
    n=100
    while [ $n -gt 0 ]; do
        registered "$1" && return 0
        sleep 0.1; n=$((n - 1))
    done
    return 1
}

BS_PORT=$(port 0); BSS_PORT=$(port 1); SRV_PORT=$(port 2); SRVP_PORT=$(port 3)
