#!/usr/bin/env bash
# bench/lambda.sh: the gateway measured the way it runs on AWS Lambda, on one machine, without AWS.
#
#   bash bench/lambda.sh                          # default: about 2.5-3.5 minutes
#   LAMBDA_BENCH_N=100 LAMBDA_BENCH_KIND_N=30 bash bench/lambda.sh     # quick check (about 1.5 minutes)
#
# What one run does, all on 127.0.0.1:
#   1. picks a JDK >= 21 (JAVA_HOME or /usr/lib/jvm, highest wins); builds functions/gateway/target/
#      gateway-function.zip if it is missing (or BENCH_REBUILD=1); fetches AWS's Lambda runtime interface client
#      (com.amazonaws:aws-lambda-java-runtime-interface-client, LAMBDA_RIC_VERSION, default 2.10.1, with its native
#      JNI client for linux x86_64 inside the jar) and its runtime dependencies from Maven Central into
#      bench/.lambda-cache/ric-VERSION (mvn dependency:copy-dependencies on bench/lambda/ric-pom.xml); unpacks the
#      zip into a temp dir, which plays /var/task. Installs nginx-light (apt-get) if missing; moto[server] (pip).
#   2. CPU share of a 1024 MB function (1024/1769 vCPU): a child cgroup with CFS quota 58000/100000 us
#      (cgroup v2 cpu.max when the cpu controller is on the unified hierarchy, else cgroup v1 cpu.cfs_quota_us),
#      checked with a 1 s busy loop inside it before use. Both gateway JVMs run inside it from their first
#      instruction, so init is capped too. Without a usable cgroup the JVMs are pinned to one core (taskset) and
#      the table says in its first lines that the cap was NOT applied.
#   3. starts moto_server (DynamoDB) behind bench/lambda/ddb_proxy.py, which counts every call by X-Amz-Target;
#      creates the table (pk/sk strings, TTL expiresAt: what template.yaml declares; the Lambda transport does
#      not create it); a stub upstream on nginx (POST /v1/chat/completions: the chat completion with usage that
#      bench/run.sh uses; bench/lambda/stub.py when nginx is unavailable); bench/lambda/runtime_api.py, a Lambda
#      Runtime API emulator (/next, /response, /error, /init/error with the Lambda-Runtime-* headers) that hands
#      out function URL events (payload v2, built from events/chat-completion.json) and times each invocation from
#      handout to the response received. Then waits (bounded) for the machine to be quiet; every phase also
#      records how much of the machine other processes took meanwhile ("foreign CPU %").
#   4. Lambda transport: the RIC, started as Lambda's managed java21 runtime starts it: cwd = task root (the RIC
#      loads the function from there and lib/*.jar), -cp = the runtime jars only, the runtime's JVM flags
#      (-XX:MaxHeapSize=85% of memory, SerialGC, CDS, C1 only, ...), JAVA_TOOL_OPTIONS from template.yaml, and the
#      environment Lambda sets (AWS_LAMBDA_*, _HANDLER, LAMBDA_TASK_ROOT, ...), handler
#      io.aigateway.lambda.LambdaHandler::handleRequest. bench/lambda/driver.py then measures: init (JVM start to
#      the first /next), the first invocation, warm-up, then per request kind (sequential, one at a time):
#        plain         chat completion, no cache (a direct stub call interleaved before each: the reference)
#        cache-hit     cf-aig-cache-ttl: 3600 with a fixed body, after one filling request
#        cache-miss    cf-aig-cache-ttl: 3600 with a new body every time (lookup misses, answer stored)
#        rate-limited  a gateway configured through the admin API (PUT /api/v1/gateways/{id}, rate limit 1 per
#                      60 s, fixed) after its one allowed request: every request answers 429
#      latency p50/p99 and added over the direct stub call, JVM CPU per request (utime+stime of /proc/PID/stat),
#      RSS (VmRSS, VmHWM), DynamoDB calls per request by operation (read once the proxy is quiet), throttling.
#   5. Streaming transport: io.aigateway.server.ServerMain (what run.sh starts behind the Lambda Web Adapter) from
#      the same unpacked zip, same cgroup, AWS_LWA_PORT; driven over plain HTTP with the same phases; init is JVM
#      start to the first 200 from /healthz (the adapter's readiness check).
#   6. counts the function's stdout lines ("aigw":"log" / "aigw":"body" records, EMF documents); runs
#      io.aigateway.ingest.ReplayMain on them when functions/log-ingest/target has it (see ingest_step below),
#      else prints "ingest: skipped (ReplayMain not built)".
#   7. prints a markdown table and writes bench/results/lambda-latest.json (every figure, flags, machine, date).
#   8. stops every process it started (trap on EXIT) and removes its cgroup; every wait and loop is bounded.
#
# Settings (environment):
#   LAMBDA_BENCH_N            measured plain invocations per transport (default 300)
#   LAMBDA_BENCH_WARMUP       plain warm-up requests before them (default 100)
#   LAMBDA_BENCH_KIND_N       measured requests per other kind: cache-hit, cache-miss, rate-limited (default 100)
#   LAMBDA_BENCH_KIND_WARMUP  unmeasured requests before each of those kinds (default 20)
#   LAMBDA_BENCH_CPU          CPU share of the cap, in cores (default 0.58 = 1024 MB / 1769 MB per vCPU)
#   LAMBDA_BENCH_CAP=0        no cgroup cap (JVMs pinned to one core instead; the table says the cap was not applied)
#   LAMBDA_BENCH_MEMORY       function memory in MB: heap flag, AWS_LAMBDA_FUNCTION_MEMORY_SIZE (default 1024)
#   LAMBDA_BENCH_TRANSPORTS   subset of "floor lambda server" (default all three). floor: the same RIC running
#                             bench/lambda/FloorHandler.java (compiled here), the least a Java function can do for
#                             the request: read the event, POST to the stub with the JDK's HTTP client, return the
#                             answer. Plain requests only. The gateway's own cost is lambda's added minus floor's.
#   LAMBDA_BENCH_CLASSPATH    lambda (default: as Lambda, function loaded from the cwd by the RIC) or flat (function
#                             classes and lib/* on the system classpath, next to the RIC)
#   LAMBDA_BENCH_JAVA_TOOL_OPTIONS  JAVA_TOOL_OPTIONS of both JVMs (default template.yaml's: C1 only)
#   LAMBDA_BENCH_SANDBOX_OPTS flags for both JVMs that stand in for what a 1024 MB sandbox shows a JVM (default:
#                             2 CPUs, 1 GB of RAM and the SerialGC ergonomics pick there; ServerMain's heap is
#                             then 256 MB, the RIC's comes from the runtime's MaxHeapSize flag)
#   LAMBDA_BENCH_TIMEOUT      invocation deadline in seconds given to the function (default 30)
#   LAMBDA_BENCH_IDLE_WAIT    seconds to wait at most for a quiet machine (< 25% busy) before measuring (default 45)
#   LAMBDA_RIC_VERSION        runtime interface client version (default 2.10.1)
#   LAMBDA_BENCH_OUT          JSON output (default bench/results/lambda-latest.json)
#   LAMBDA_BENCH_INGEST_DIR   where to look for ReplayMain (default functions/log-ingest/target)
#   LAMBDA_BENCH_KEEP=1       keep the temp dir (captured stdout, logs) and print its path
#   BENCH_REBUILD=1           rebuild the function zip even if it exists
#
# Caveats: x86_64 here, while template.yaml deploys arm64 with SnapStart (init here is an on-demand cold start);
# moto stands in for DynamoDB and is slower than it (its time per call is in the table); the Lambda Web Adapter
# hop is not included in the streaming figures; Lambda freezes the sandbox between invocations, this machine does not.
set -Eeuo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
LIB="$BENCH_DIR/lambda"
CACHE="$BENCH_DIR/.lambda-cache"
cd "$ROOT"

N="${LAMBDA_BENCH_N:-300}"
WARMUP="${LAMBDA_BENCH_WARMUP:-100}"
KIND_N="${LAMBDA_BENCH_KIND_N:-100}"
KIND_WARMUP="${LAMBDA_BENCH_KIND_WARMUP:-20}"
CPU_SHARE="${LAMBDA_BENCH_CPU:-0.58}"
MEMORY_MB="${LAMBDA_BENCH_MEMORY:-1024}"
TIMEOUT_S="${LAMBDA_BENCH_TIMEOUT:-30}"
IDLE_WAIT="${LAMBDA_BENCH_IDLE_WAIT:-45}"
CLASSPATH_MODE="${LAMBDA_BENCH_CLASSPATH:-lambda}"
RIC_VERSION="${LAMBDA_RIC_VERSION:-2.10.1}"
TOOL_OPTS="${LAMBDA_BENCH_JAVA_TOOL_OPTIONS:--XX:+TieredCompilation -XX:TieredStopAtLevel=1}"
OUT="${LAMBDA_BENCH_OUT:-$BENCH_DIR/results/lambda-latest.json}"
EVENT="$ROOT/events/chat-completion.json"
ZIP="$ROOT/functions/gateway/target/gateway-function.zip"
FUNCTION_NAME="aigw-bench"
TABLE="aigw-bench"
read -r -a TRANSPORTS <<< "${LAMBDA_BENCH_TRANSPORTS:-floor lambda server}"

log() { printf '[lambda-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for v in N WARMUP KIND_N KIND_WARMUP MEMORY_MB TIMEOUT_S IDLE_WAIT; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a whole number, not '${!v}'"
done
[ "$N" -ge 1 ] || die "LAMBDA_BENCH_N must be >= 1"
[[ "$CPU_SHARE" =~ ^[0-9]*\.?[0-9]+$ ]] || die "LAMBDA_BENCH_CPU must be a number of cores, not '$CPU_SHARE'"
for t in "${TRANSPORTS[@]}"; do case "$t" in floor|lambda|server) ;; *) die "unknown transport '$t'" ;; esac; done
case "$CLASSPATH_MODE" in lambda|flat) ;; *) die "LAMBDA_BENCH_CLASSPATH must be lambda or flat" ;; esac

# ---------------------------------------------------------------- cleanup
TMP=""
CG=""
PIDS=()
stop_pid() { # TERM, then KILL after 10 s; then forgets the pid, so that cleanup never signals a reused one
  local pid="$1" i p keep=()
  if kill "$pid" 2>/dev/null; then
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}
cleanup() {
  local rc=$? pid i
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ -n "$CG" ] && [ -d "$CG" ]; then
    for i in $(seq 1 30); do rmdir "$CG" 2>/dev/null && break; sleep 0.1; done
    [ -d "$CG" ] && log "could not remove cgroup $CG"
  fi
  if [ "$rc" -ne 0 ] && [ -n "$TMP" ] && [ -d "$TMP" ]; then
    for f in lambda-stderr.log server-stderr.log lambda-stdout.log server-stdout.log moto.log proxy.log rapi.log stub.log ingest.err; do
      [ -s "$TMP/$f" ] && { log "last lines of $f:"; tail -n 15 "$TMP/$f" >&2 || true; }
    done
  fi
  if [ -n "$TMP" ] && [ -d "$TMP" ]; then
    if [ "${LAMBDA_BENCH_KEEP:-0}" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- 1. tools, JDK, function zip, RIC
command -v python3 >/dev/null || die "python3 is needed"
command -v curl >/dev/null || die "curl is needed"
APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || return 1
  if [ "$APT_UPDATED" = 0 ]; then timeout 300 apt-get update -qq >/dev/null 2>&1 || return 1; APT_UPDATED=1; fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}
NGINX_BIN="$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true)"
if [ -z "$NGINX_BIN" ]; then
  apt_install nginx-light && NGINX_BIN=/usr/sbin/nginx || log "nginx unavailable: the stub is bench/lambda/stub.py"
fi
if ! command -v moto_server >/dev/null; then
  log "pip install moto[server]"
  timeout 600 python3 -m pip install -q 'moto[server]' >/dev/null 2>&1 || die "moto_server missing and pip install failed"
fi
command -v mvn >/dev/null || apt_install maven || die "maven missing"

source "$BENCH_DIR/lib.sh"
pick_jdk
JAVA="$JAVA_HOME/bin/java"
JAVA_RUNTIME="$("$JAVA" -version 2>&1 | sed -n 2p)"
log "JDK: $JAVA_HOME ($JAVA_RUNTIME)"

if [ ! -f "$ZIP" ] || [ "${BENCH_REBUILD:-0}" = 1 ]; then
  log "building $ZIP"
  (timeout 900 mvn -B -q -o -pl functions/gateway -am package -DskipTests) \
    || (timeout 900 mvn -B -q -ntp -pl functions/gateway -am package -DskipTests) || die "build failed"
fi
[ -f "$ZIP" ] || die "function zip not found: $ZIP"

RIC_DIR="$CACHE/ric-$RIC_VERSION"
RIC_JAR="$RIC_DIR/aws-lambda-java-runtime-interface-client-$RIC_VERSION.jar"
if [ ! -f "$RIC_JAR" ]; then
  log "fetching the runtime interface client $RIC_VERSION into ${RIC_DIR#"$ROOT"/}"
  mkdir -p "$RIC_DIR"
  ric_mvn() { timeout 600 mvn -B -q "$@" -f "$LIB/ric-pom.xml" -Dric.version="$RIC_VERSION" \
      dependency:copy-dependencies -DoutputDirectory="$RIC_DIR" -DincludeScope=runtime >/dev/null 2>&1; }
  ric_mvn -o || ric_mvn -ntp || die "could not fetch com.amazonaws:aws-lambda-java-runtime-interface-client:$RIC_VERSION"
fi
python3 - "$RIC_JAR" <<'PY' || die "the RIC jar has no jni/libaws-lambda-jni.linux-x86_64.so"
import sys, zipfile
sys.exit(0 if "jni/libaws-lambda-jni.linux-x86_64.so" in zipfile.ZipFile(sys.argv[1]).namelist() else 1)
PY

TMP="$(mktemp -d /tmp/aigw-lambda-bench.XXXXXX)"
TASK="$TMP/task"
python3 -m zipfile -e "$ZIP" "$TASK" || die "could not unpack $ZIP"
# the floor function: its own task root, with only the Lambda core library beside it
FLOOR_TASK="$TMP/floor-task"
if [[ " ${TRANSPORTS[*]} " == *" floor "* ]]; then
  mkdir -p "$FLOOR_TASK/lib"
  cp "$TASK"/lib/aws-lambda-java-core-*.jar "$FLOOR_TASK/lib/" || die "no aws-lambda-java-core jar in the zip"
  "$JAVA_HOME/bin/javac" --release 21 -d "$FLOOR_TASK" -cp "$FLOOR_TASK/lib/*" "$LIB/FloorHandler.java" \
    || die "could not compile bench/lambda/FloorHandler.java"
fi
mkdir -p "$(dirname "$OUT")"

# ---------------------------------------------------------------- 2. CPU cap (cgroup)
QUOTA="$(python3 -c "print(round(float('$CPU_SHARE') * 100000))")"
CG_MECHANISM=""
CAP_CHECK=""
CAP_OFF_REASON=""
PIN=""
try_cgroup_v2() {
  local base="$1" name="$2"
  [ -f "$base/cgroup.controllers" ] && grep -qw cpu "$base/cgroup.controllers" || return 1
  grep -qw cpu "$base/cgroup.subtree_control" 2>/dev/null || echo +cpu > "$base/cgroup.subtree_control" 2>/dev/null || return 1
  mkdir "$base/$name" 2>/dev/null || return 1
  if echo "$QUOTA 100000" > "$base/$name/cpu.max" 2>/dev/null; then
    CG="$base/$name"; CG_MECHANISM="cgroup v2 $CG/cpu.max = $QUOTA 100000"; return 0
  fi
  rmdir "$base/$name" 2>/dev/null; return 1
}
try_cgroup_v1() {
  local base=/sys/fs/cgroup/cpu name="$1"
  [ -f "$base/cpu.cfs_quota_us" ] || return 1
  mkdir "$base/$name" 2>/dev/null || return 1
  if echo 100000 > "$base/$name/cpu.cfs_period_us" 2>/dev/null && echo "$QUOTA" > "$base/$name/cpu.cfs_quota_us" 2>/dev/null; then
    CG="$base/$name"; CG_MECHANISM="cgroup v1 $CG/cpu.cfs_quota_us = $QUOTA per cpu.cfs_period_us = 100000"; return 0
  fi
  rmdir "$base/$name" 2>/dev/null; return 1
}
CG_NAME="aigw-lambda-bench-$$"
if [ "${LAMBDA_BENCH_CAP:-1}" = 1 ]; then
  try_cgroup_v2 /sys/fs/cgroup "$CG_NAME" || try_cgroup_v2 /sys/fs/cgroup/unified "$CG_NAME" || try_cgroup_v1 "$CG_NAME" || true
fi
if [ -n "$CG" ]; then
  # does the cap bite? CPU seconds a busy loop gets in 1 s of wall time inside the cgroup
  CAP_CHECK="$(timeout 10 sh -c 'echo $$ > "$1/cgroup.procs" && exec python3 -c "
import time
c, t = time.process_time(), time.time()
while time.time() - t < 1.0:
    pass
print(round((time.process_time() - c) / (time.time() - t), 2))"' sh "$CG" 2>/dev/null || echo "")"
  if [ -z "$CAP_CHECK" ] || ! python3 -c "import sys; sys.exit(0 if float('$CAP_CHECK') <= float('$CPU_SHARE') * 1.25 + 0.03 else 1)"; then
    log "cgroup made ($CG_MECHANISM) but a busy loop inside got ${CAP_CHECK:-?} CPU s per s: cap NOT effective"
    rmdir "$CG" 2>/dev/null || true
    CG=""
  else
    log "CPU cap: $CG_MECHANISM; a busy loop inside gets $CAP_CHECK CPU s per s (target $CPU_SHARE)"
  fi
fi
if [ -z "$CG" ]; then
  if command -v taskset >/dev/null; then PIN=1; fi
  CAP_OFF_REASON="$( [ "${LAMBDA_BENCH_CAP:-1}" = 1 ] && echo "no usable cgroup" || echo "LAMBDA_BENCH_CAP=0")"
  log "WARNING: CPU cap of $CPU_SHARE core NOT applied ($CAP_OFF_REASON); JVMs $( [ -n "$PIN" ] && echo "pinned to one core (1.0 core, more than $CPU_SHARE)" || echo uncapped)"
fi

# runs "$@" in the background, inside the cgroup from its first instruction (or pinned); pid in LAST_PID
launch_capped() {
  local out="$1" err="$2" dir="$3"; shift 3
  if [ -n "$CG" ]; then
    (cd "$dir" && exec sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG" "$@") >"$out" 2>"$err" &
  elif [ -n "$PIN" ]; then
    (cd "$dir" && exec taskset -c "$PIN" "$@") >"$out" 2>"$err" &
  else
    (cd "$dir" && exec "$@") >"$out" 2>"$err" &
  fi
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

# ---------------------------------------------------------------- 3. moto + counting proxy, stub, runtime API
read -r MOTO_PORT PROXY_PORT STUB_PORT RAPI_PORT SERVER_PORT < <(python3 - <<'PY'
import random, socket
ports, held = [], []
while len(ports) < 5:  # below the ephemeral range (32768+), so no outgoing socket takes one meanwhile
    p = random.randint(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        s.close(); continue
    if p not in ports:
        ports.append(p); held.append(s)
print(*ports)
PY
)

wait_for() { # name pid seconds command...: until the command succeeds, the process alive, bounded
  local name="$1" pid="$2" secs="$3" i; shift 3
  for i in $(seq 1 $((secs * 10))); do
    kill -0 "$pid" 2>/dev/null || die "$name exited during start-up"
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "$name not ready after ${secs}s"
}

moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$TMP/moto.log" 2>&1 &
MOTO_PID=$!; PIDS+=("$MOTO_PID")
python3 "$LIB/ddb_proxy.py" "$PROXY_PORT" "$MOTO_PORT" >"$TMP/proxy.log" 2>&1 &
PROXY_PID=$!; PIDS+=("$PROXY_PID")
python3 "$LIB/runtime_api.py" "$RAPI_PORT" "$FUNCTION_NAME" "$TIMEOUT_S" >"$TMP/rapi.log" 2>&1 &
RAPI_PID=$!; PIDS+=("$RAPI_PID")

COMPLETION='{"id":"chatcmpl-BenchStub0000000000000001","object":"chat.completion","created":1741569952,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! The capital of France is Paris. It is known for the Eiffel Tower, the Louvre and its cafes. Is there anything else you would like to know?","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":24,"completion_tokens":33,"total_tokens":57,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_06737a9306"}'
if [ -n "$NGINX_BIN" ]; then
  STUB_KIND="nginx $("$NGINX_BIN" -v 2>&1 | sed 's|.*/||'), 1 worker"
  mkdir -p "$TMP/nginx"
  cat > "$TMP/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/stub.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_body_buffer_size 64k;
  server {
    listen 127.0.0.1:$STUB_PORT;
    location = /v1/chat/completions { default_type application/json; return 200 '$COMPLETION'; }
    location / { return 404 '{"error":{"message":"stub: unknown path","type":"invalid_request_error"}}'; }
  }
}
EOF
  "$NGINX_BIN" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' >>"$TMP/stub.log" 2>&1 &
else
  STUB_KIND="bench/lambda/stub.py (Python; nginx unavailable)"
  python3 "$LIB/stub.py" "$STUB_PORT" >"$TMP/stub.log" 2>&1 &
fi
STUB_PID=$!; PIDS+=("$STUB_PID")

wait_for moto_server "$MOTO_PID" 60 curl -sf -o /dev/null --max-time 2 -X POST -d '{}' \
  -H 'X-Amz-Target: DynamoDB_20120810.ListTables' -H 'Content-Type: application/x-amz-json-1.0' \
  -H 'Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' \
  "http://127.0.0.1:$MOTO_PORT/"
wait_for "DynamoDB proxy" "$PROXY_PID" 20 curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PROXY_PORT/__bench/counts"
wait_for "runtime API emulator" "$RAPI_PID" 20 curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$RAPI_PORT/bench/state"
wait_for stub "$STUB_PID" 20 curl -sf -o /dev/null --max-time 2 -X POST -d '{}' "http://127.0.0.1:$STUB_PORT/v1/chat/completions"
python3 "$LIB/driver.py" create-table --ddb-port "$MOTO_PORT" --table "$TABLE" || die "could not create the table in moto"
log "moto :$MOTO_PORT behind the counting proxy :$PROXY_PORT, stub :$STUB_PORT ($STUB_KIND), runtime API :$RAPI_PORT"

# a quiet machine first (bounded): other processes' CPU shows up as noise in every figure. Each phase also
# records the share of the machine other processes took meanwhile ("foreign CPU %" in the table).
IDLE_AT_START="$(python3 - "$IDLE_WAIT" <<'PY'
import sys, time
def busy():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return v[0] + v[1] + v[2], sum(v[:8])
deadline, quiet, pct = time.time() + float(sys.argv[1]), 0, 100.0
while True:
    b0, t0 = busy(); time.sleep(1); b1, t1 = busy()
    pct = 100.0 * (b1 - b0) / max(1, t1 - t0)
    quiet = quiet + 1 if pct < 25 else 0
    if quiet >= 2 or time.time() >= deadline:
        break
print(round(pct, 1))
PY
)"
log "machine busy ${IDLE_AT_START}% before measuring (waited at most ${IDLE_WAIT}s for < 25%)"

# ---------------------------------------------------------------- 4./5. the two transports
# What Lambda's managed java21 runtime puts on the java command line (heap = 85% of the function memory), minus
# its log4j hot-patch agent and with -Xshare:auto for its CDS archive. --enable-native-access only silences
# JDK 22+'s warning about the RIC's JNI library (JDK 21, which Lambda runs, does not warn).
RIC_JVM_FLAGS=(-XX:MaxHeapSize=$((MEMORY_MB * 1024 * 85 / 100))k -XX:+UseSerialGC -Xshare:auto
  -XX:+TieredCompilation -XX:TieredStopAtLevel=1 --add-opens=java.base/java.io=ALL-UNNAMED
  -Dorg.crac.Core.Compat=com.amazonaws.services.lambda.crac -Djava.net.preferIPv4Stack=true -XX:+ErrorFileToStderr
  --enable-native-access=ALL-UNNAMED)
# A 1024 MB Lambda sandbox shows the JVM 2 vCPUs (the quota above would make it see 1) and about 1 GB of RAM, so
# ergonomics pick SerialGC and a heap of 1/4 of RAM for ServerMain (the RIC's JVM gets both from the flags above).
SANDBOX_OPTS="${LAMBDA_BENCH_SANDBOX_OPTS:--XX:ActiveProcessorCount=2 -XX:MaxRAM=${MEMORY_MB}m -XX:+UseSerialGC}"
read -r -a SANDBOX_FLAGS <<< "$SANDBOX_OPTS"
if [ "$CLASSPATH_MODE" = lambda ]; then RIC_CP="$RIC_DIR/*"; else RIC_CP="$TASK:$TASK/lib/*:$RIC_DIR/*"; fi

# the environment Lambda gives a java21 function (plus the gateway's own variables from template.yaml)
function_env() { # $1 = handler
  printf '%s\n' PATH=/usr/local/bin:/usr/bin:/bin LANG=en_US.UTF-8 TZ=:UTC \
    "_HANDLER=$1" "LAMBDA_TASK_ROOT=$TASK" "LAMBDA_RUNTIME_DIR=$RIC_DIR" AWS_EXECUTION_ENV=AWS_Lambda_java21 \
    "AWS_LAMBDA_FUNCTION_NAME=$FUNCTION_NAME" 'AWS_LAMBDA_FUNCTION_VERSION=$LATEST' \
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=$MEMORY_MB" AWS_LAMBDA_INITIALIZATION_TYPE=on-demand \
    "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/$FUNCTION_NAME" "AWS_LAMBDA_LOG_STREAM_NAME=$(date -u +%Y/%m/%d)/[\$LATEST]bench$$" \
    "AWS_LAMBDA_RUNTIME_API=127.0.0.1:$RAPI_PORT" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_SESSION_TOKEN=test \
    "AWS_ENDPOINT_URL=http://127.0.0.1:$PROXY_PORT" "GATEWAY_TABLE=$TABLE" \
    "GATEWAY_UPSTREAM_OPENAI=http://127.0.0.1:$STUB_PORT/v1" GATEWAY_ADMIN_TOKEN=bench \
    GATEWAY_DEFAULT_LOG_RETENTION_DAYS=30 GATEWAY_DEFAULT_REQUEST_TIMEOUT_MS=120000 \
    "JAVA_TOOL_OPTIONS=$TOOL_OPTS"
}

run_transport() { # $1 = lambda | server
  local t="$1" handler env_args=() cmd=() t0 pid
  local task="$TASK"
  if [ "$t" = lambda ]; then
    handler=io.aigateway.lambda.LambdaHandler::handleRequest
    cmd=("$JAVA" "${SANDBOX_FLAGS[@]}" "${RIC_JVM_FLAGS[@]}" -cp "$RIC_CP"
         com.amazonaws.services.lambda.runtime.api.client.AWSLambda "$handler")
  elif [ "$t" = floor ]; then
    handler=bench.FloorHandler::handleRequest
    task="$FLOOR_TASK"
    cmd=("$JAVA" "${SANDBOX_FLAGS[@]}" "${RIC_JVM_FLAGS[@]}" -cp "$RIC_DIR/*"
         com.amazonaws.services.lambda.runtime.api.client.AWSLambda "$handler")
  else
    handler=run.sh
    cmd=("$JAVA" "${SANDBOX_FLAGS[@]}" -cp "$TASK:$TASK/lib/*" io.aigateway.server.ServerMain)
  fi
  mapfile -t env_args < <(function_env "$handler")
  if [ "$t" = floor ]; then
    env_args=("${env_args[@]/#LAMBDA_TASK_ROOT=*/LAMBDA_TASK_ROOT=$FLOOR_TASK}")
    env_args+=("FLOOR_REQUEST_BODY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["body"])' "$EVENT")")
  fi
  [ "$t" = server ] && env_args+=("AWS_LWA_PORT=$SERVER_PORT" AWS_LWA_INVOKE_MODE=response_stream
                                  AWS_LWA_READINESS_CHECK_PATH=/healthz AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap)
  printf '%q ' "${cmd[@]}" > "$TMP/$t-command.txt"
  log "$t: starting $( [ "$t" = server ] && echo ServerMain || echo "the runtime interface client" ) (command in the JSON)"
  curl -sf -X POST "http://127.0.0.1:$RAPI_PORT/bench/reset" >/dev/null || die "the runtime API emulator did not reset"
  t0=$(date +%s%N)
  launch_capped "$TMP/$t-stdout.log" "$TMP/$t-stderr.log" "$task" env -i "${env_args[@]}" "${cmd[@]}"
  pid=$LAST_PID
  python3 "$LIB/driver.py" run --transport "$t" --pid "$pid" --t0-ns "$t0" --rapi-port "$RAPI_PORT" \
    --port "$SERVER_PORT" --ddb-port "$PROXY_PORT" --stub-port "$STUB_PORT" --event "$EVENT" --cgroup "$CG" \
    --n "$N" --warmup "$WARMUP" --kind-n "$KIND_N" --kind-warmup "$KIND_WARMUP" --out "$TMP/$t.json" \
    --own-pids "$MOTO_PID $PROXY_PID $RAPI_PID $STUB_PID" \
    || die "$t run failed"
  stop_pid "$pid"   # SIGTERM: ServerMain's shutdown hook drains its log writers
}
for t in "${TRANSPORTS[@]}"; do run_transport "$t"; done

# ---------------------------------------------------------------- 6. ingest (isolated: adjust here)
# io.aigateway.ingest.ReplayMain <file of captured stdout lines>, env GATEWAY_TABLE and AWS_ENDPOINT_URL (the
# counting proxy, so its DynamoDB calls are counted too); the last JSON object it prints (one line or pretty) is
# kept whole, e.g. {"records":N,"logs_stored":N,"parked":N,...}. Classpath: what functions/log-ingest/target holds
# (a Lambda zip with lib/, jars, or classes/), then the gateway function's jars for shared dependencies.
ingest_step() {
  local dir="${LAMBDA_BENCH_INGEST_DIR:-$ROOT/functions/log-ingest/target}" cp="" f t0 before
  for f in "$dir"/*.zip "$dir"/*.jar; do   # the function zip first: it carries its own lib/
    [ -f "$f" ] || continue
    python3 -c "import sys, zipfile; sys.exit(0 if 'io/aigateway/ingest/ReplayMain.class' in zipfile.ZipFile(sys.argv[1]).namelist() else 1)" "$f" || continue
    if [[ "$f" == *.zip ]]; then python3 -m zipfile -e "$f" "$TMP/ingest-task"; cp="$TMP/ingest-task:$TMP/ingest-task/lib/*"
    else cp="$f"; fi
    break
  done
  [ -z "$cp" ] && [ -f "$dir/classes/io/aigateway/ingest/ReplayMain.class" ] && cp="$dir/classes"
  if [ -z "$cp" ]; then
    log "ingest: skipped (ReplayMain not built)"
    echo '{"status":"skipped","reason":"ReplayMain not built"}' > "$TMP/ingest.json"
    return 0
  fi
  for f in "$dir/lib" "$dir/dependency" "$dir/../../common/target/classes"; do [ -d "$f" ] && cp+=":$f/*:$f"; done
  cp+=":$TASK:$TASK/lib/*"
  cat "$TMP"/*-stdout.log > "$TMP/captured-stdout.log" 2>/dev/null || true
  before="$(curl -sf "http://127.0.0.1:$PROXY_PORT/__bench/counts")"
  log "ingest: ReplayMain on $(wc -l < "$TMP/captured-stdout.log") captured stdout lines"
  t0=$(date +%s%N)
  if env -i PATH=/usr/bin:/bin "GATEWAY_TABLE=$TABLE" "AWS_ENDPOINT_URL=http://127.0.0.1:$PROXY_PORT" \
       AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
       timeout 180 "$JAVA" -cp "$cp" io.aigateway.ingest.ReplayMain "$TMP/captured-stdout.log" \
       >"$TMP/ingest.out" 2>"$TMP/ingest.err"; then
    curl -sf "http://127.0.0.1:$PROXY_PORT/__bench/counts" > "$TMP/ingest-after.json" || true
    python3 - "$TMP" "$t0" "$(date +%s%N)" "$before" <<'PY' || echo '{"status":"failed","reason":"ReplayMain output is not JSON"}' > "$TMP/ingest.json"
import json, sys
tmp, t0, t1, before = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
after = json.load(open(f"{tmp}/ingest-after.json"))
text = open(f"{tmp}/ingest.out").read()  # the last JSON object it printed (one line or pretty-printed)
out, dec, pos = None, json.JSONDecoder(), 0
while (pos := text.find("{", pos)) >= 0:
    try:
        obj, end = dec.raw_decode(text, pos)
        out, pos = obj, end
    except ValueError:
        pos += 1
if not isinstance(out, dict):
    raise SystemExit(1)
calls = {op.replace("DynamoDB_20120810.", ""): v["n"] - before["ops"].get(op, {"n": 0})["n"]
         for op, v in after["ops"].items() if v["n"] - before["ops"].get(op, {"n": 0})["n"]}
json.dump({"status": "ok", "output": out, "seconds": round((t1 - t0) / 1e9, 2), "ddb_calls": calls},
          open(f"{tmp}/ingest.json", "w"))
PY
  else
    log "ingest: ReplayMain failed (exit $?); last lines of its stderr:"; tail -n 5 "$TMP/ingest.err" >&2 || true
    echo '{"status":"failed","reason":"ReplayMain exited with an error"}' > "$TMP/ingest.json"
  fi
}
ingest_step

# ---------------------------------------------------------------- 7. report
GIT_REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
GIT_DIRTY="$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -vc '^??' || true)"
export B_TMP="$TMP" B_CG="$CG" B_CG_MECHANISM="$CG_MECHANISM" B_CAP_CHECK="$CAP_CHECK" B_PIN="$PIN" \
  B_CPU_SHARE="$CPU_SHARE" B_JAVA_RUNTIME="$JAVA_RUNTIME" B_RIC_VERSION="$RIC_VERSION" B_GIT_REV="$GIT_REV" \
  B_GIT_DIRTY="${GIT_DIRTY:-0}" B_ZIP="$ZIP" B_N="$N" B_WARMUP="$WARMUP" B_KIND_N="$KIND_N" \
  B_KIND_WARMUP="$KIND_WARMUP" B_MEMORY_MB="$MEMORY_MB" B_STUB="$STUB_KIND" B_CP_MODE="$CLASSPATH_MODE" \
  B_TOOL_OPTS="$TOOL_OPTS" B_SANDBOX="$SANDBOX_OPTS" B_TIMEOUT="$TIMEOUT_S" B_IDLE="$IDLE_AT_START" \
  B_CAP_OFF="$CAP_OFF_REASON"
python3 - "$TMP/meta.json" <<'PY'
import hashlib, json, os, platform, sys, time
e = os.environ
cmds = {t: open(f"{e['B_TMP']}/{t}-command.txt").read().strip()
        for t in ("lambda", "server") if os.path.exists(f"{e['B_TMP']}/{t}-command.txt")}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
applied, share, check = bool(e["B_CG"]), float(e["B_CPU_SHARE"]), e["B_CAP_CHECK"]
summary = (f"{share} core via {e['B_CG_MECHANISM']} (a 1 s busy loop inside got {check} CPU s); both JVMs run "
           "inside it from their first instruction, init included") if applied else \
          (f"NOT APPLIED ({e['B_CAP_OFF']}): " + ("JVMs pinned to one core (1.0 core)" if e["B_PIN"] else "JVMs uncapped"))
json.dump({
  "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
  "machine": {"host": platform.node(), "nproc": os.cpu_count(), "cpu_model": cpu, "kernel": platform.release()},
  "software": {"java": e["B_JAVA_RUNTIME"], "ric": f"aws-lambda-java-runtime-interface-client {e['B_RIC_VERSION']}",
               "gateway_git_rev": e["B_GIT_REV"], "gateway_uncommitted_files": int(e["B_GIT_DIRTY"] or 0),
               "function_zip_sha256_16": hashlib.sha256(open(e["B_ZIP"], "rb").read()).hexdigest()[:16]},
  "method": {"n": int(e["B_N"]), "warmup": int(e["B_WARMUP"]), "kind_n": int(e["B_KIND_N"]),
             "kind_warmup": int(e["B_KIND_WARMUP"]), "memory_mb": int(e["B_MEMORY_MB"]), "stub": e["B_STUB"],
             "dynamodb": "moto_server behind bench/lambda/ddb_proxy.py (counts X-Amz-Target)",
             "classpath_layout": e["B_CP_MODE"], "java_tool_options": e["B_TOOL_OPTS"],
             "sandbox_jvm_flags": e["B_SANDBOX"], "commands": cmds, "invocation_deadline_s": int(e["B_TIMEOUT"]),
             "requests": "sequential, one at a time; bodies and headers from events/chat-completion.json",
             "machine_busy_pct_before_measuring": float(e["B_IDLE"] or 0)},
  "cpu_cap": {"applied": applied, "cores": share, "mechanism": e["B_CG_MECHANISM"] or None,
              "busy_loop_cpu_s_per_s": float(check) if check else None,
              "fallback": None if applied else ("pinned to one core (taskset)" if e["B_PIN"] else "none: uncapped"),
              "summary": summary},
}, open(sys.argv[1], "w"), indent=1)
PY
report_args=()
for t in "${TRANSPORTS[@]}"; do report_args+=(--transport "$t=$TMP/$t.json,$TMP/$t-stdout.log"); done
python3 "$LIB/driver.py" report --meta "$TMP/meta.json" "${report_args[@]}" --ingest "$TMP/ingest.json" --out "$OUT" \
  || die "report failed"
log "wrote $OUT"
