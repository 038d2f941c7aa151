#!/usr/bin/env bash
# bench/durability.sh: does every answered request's log get stored, whatever happens to the process or the store?
#
#   bash bench/durability.sh                       # the three checks, about 5-15 minutes (mostly ingest time)
#   DUR_CHECKS="outage" bash bench/durability.sh   # one of them
#
# Three checks, each against the local runtime (a copy of infra/local/target/gateway-local.jar, built when missing)
# on 127.0.0.1, with a stub upstream (nginx when installed, else bench/durability/stub.py) through
# GATEWAY_UPSTREAM_OPENAI, cache and rate limits off, and closed-loop load from bench/durability/load.py
# (DUR_CONCURRENCY keep-alive connections, default 16) that records the cf-aig-log-id of every answered request:
#   kill9    --data DIR; DUR_WARMUP_SECONDS (default 5) of load on the fresh JVM, then kill -9 of the runtime in the
#            middle of DUR_LOAD_SECONDS (default 10) more; restart on the same DIR (the journal's backlog is ingested
#            at start); every answered request counts, warm-up included
#   sigterm  the same with kill -TERM (the shutdown hook drains up to 10 s; what is left waits in the journal)
#   outage   DynamoDB Local in a process of its own (java -cp gateway-local.jar io.aigateway.local.EmbeddedDynamoDb
#            --data DIR2 --port P) and the runtime with --dynamodb http://127.0.0.1:P; under load (paced at
#            DUR_OUTAGE_RATE req/s, default 100, over the same connections): 5 s, kill -9 of DynamoDB Local,
#            DUR_OUTAGE_SECONDS (default 20) without it, restart on DIR2 (its start-up adds to the outage), 10 s more.
#            Also required: the gateway kept answering 200 while the store was down (it fails open). The pace keeps
#            the backlog within what the in-process drain ingests in a few minutes (it stores far fewer records per
#            second than the gateway proxies); DUR_OUTAGE_RATE=0 runs it unpaced.
# After each: wait (bounded, DUR_DRAIN_MAX s, default 900) until /api/v1/stats records_backlog_bytes is 0, then look up
# every recorded log id through the admin API (listing with cursor; GET per id for up to 2000 the listing lacks).
# Prints answered / stored / missing and the stats per check, writes bench/results/durability-latest.json (DUR_OUT),
# and ends with "durability: N passed, M failed"; exits 1 when a check failed (a log missing, a record lost, the
# journal not ingested within the wait, no fail-open).
#
# Settings (environment): DUR_CHECKS (default "kill9 sigterm outage"), DUR_CONCURRENCY (16), DUR_LOAD_SECONDS (10),
# DUR_WARMUP_SECONDS (5),
# DUR_OUTAGE_SECONDS (20), DUR_OUTAGE_RATE (100), DUR_DRAIN_MAX (900), DUR_JVM_OPTS (runtime, default "-Xmx256m -XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC"),
# DUR_DDB_JVM_OPTS (DynamoDB Local alone, default "-Xmx512m -XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC"),
# DUR_OUT, DUR_REBUILD=1 (rebuild the jar), DUR_KEEP=1 (keep the temp dir with the logs and data).
# Needs python3 (standard library only) and a JDK >= 21 (JAVA_HOME or /usr/lib/jvm, highest wins).
set -Eeuo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
cd "$ROOT"
JAR="$ROOT/infra/local/target/gateway-local.jar"
# glibc gives each thread that allocates natively an arena of its own: two keep RSS down (see bench/run.sh).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
OUT="${DUR_OUT:-$BENCH_DIR/results/durability-latest.json}"

log() { printf '[durability %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

source "$BENCH_DIR/lib.sh"
pick_jdk
command -v python3 >/dev/null || die "python3 not found"
log "JDK: $JAVA_HOME ($("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1))"

if [ ! -f "$JAR" ] || [ "${DUR_REBUILD:-0}" = 1 ]; then
  command -v mvn >/dev/null || die "mvn not found (needed to build $JAR)"
  log "building $JAR"
  (timeout 900 mvn -B -q -o -pl infra/local -am package -DskipTests) \
    || (timeout 900 mvn -B -q -ntp -pl infra/local -am package -DskipTests) || die "build failed"
fi
[ -f "$JAR" ] || die "jar not found: $JAR"

TMP="$(mktemp -d /tmp/aigw-durability.XXXXXX)"
PY_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$PY_PID" ] && kill -0 "$PY_PID" 2>/dev/null; then   # it stops its own children on TERM
    kill -TERM "$PY_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$PY_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$PY_PID" 2>/dev/null || true
  fi
  if [ "${DUR_KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
    log "logs and data kept in $TMP"
  else
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cp "$JAR" "$TMP/gateway-local.jar"   # a rebuild meanwhile must not change the jar under the running JVMs
log "jar $(sha256sum "$TMP/gateway-local.jar" | cut -c1-16), git $(git rev-parse --short HEAD 2>/dev/null || echo unknown); temp dir $TMP"

timeout $(( ${DUR_DRAIN_MAX:-900} * 3 + 900 )) python3 "$BENCH_DIR/durability/durability.py" \
  --java "$JAVA_HOME/bin/java" --jar "$TMP/gateway-local.jar" --tmp "$TMP" --out "$OUT" \
  --checks "${DUR_CHECKS:-kill9 sigterm outage}" \
  --concurrency "${DUR_CONCURRENCY:-16}" --load-seconds "${DUR_LOAD_SECONDS:-10}" \
  --warmup-seconds "${DUR_WARMUP_SECONDS:-5}" \
  --outage-seconds "${DUR_OUTAGE_SECONDS:-20}" --outage-rate "${DUR_OUTAGE_RATE:-100}" \
  --drain-max "${DUR_DRAIN_MAX:-900}" \
  --jvm-opts "${DUR_JVM_OPTS:--Xmx256m -XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC}" \
  --ddb-jvm-opts "${DUR_DDB_JVM_OPTS:--Xmx512m -XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC}" &
PY_PID=$!
set +e
wait "$PY_PID"
rc=$?
set -e
PY_PID=""
exit "$rc"
