#!/usr/bin/env bash
# Cold start of the Lambda handler, as far as it can be measured without AWS: a fresh JVM per run, the handler's
# init, then the first and second chat-completion events (DynamoDB: moto_server on loopback; provider: a loopback
# stub). Each mode runs RUNS times (default 5): plain init, and init with GATEWAY_PRIME_ON_INIT=true (the work a
# SnapStart snapshot captures, done eagerly).
#   bench/coldstart.sh        # one JSON line per run, then the medians
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}

die() { echo "$*" >&2; exit 1; }
source bench/lib.sh
pick_jdk
JAVA="$JAVA_HOME/bin/java"
[ -f infra/local/target/gateway-local.jar ] || mvn -B -q package -DskipTests
command -v moto_server >/dev/null || python3 -m pip install -q 'moto[server]'

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MOTO_PORT=$(free_port)
STUB_PORT=$(free_port)
tmp=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$tmp/moto.log" 2>&1 &
cat >"$tmp/stub.py" <<'PY'
import http.server, sys
BODY = (b'{"id":"c1","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":'
        b'{"role":"assistant","content":"Paris"}}],"usage":{"prompt_tokens":14,"completion_tokens":1}}')
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$tmp/stub.py" "$STUB_PORT" >"$tmp/stub.log" 2>&1 &
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$MOTO_PORT/" && break; sleep 0.2; done

export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x
export GATEWAY_TABLE=coldstart GATEWAY_UPSTREAM_OPENAI="http://127.0.0.1:$STUB_PORT/v1" GATEWAY_METRICS=off
CP=infra/local/target/gateway-local.jar
"$JAVA" -cp "$CP" io.aigateway.local.ColdStartProbe create-table

for mode in false true; do
  for _ in $(seq "$RUNS"); do
    # the template's JAVA_TOOL_OPTIONS: C1 only, as on Lambda
    GATEWAY_PRIME_ON_INIT=$mode "$JAVA" -XX:+TieredCompilation -XX:TieredStopAtLevel=1 -cp "$CP" \
      io.aigateway.local.ColdStartProbe | tee -a "$tmp/runs.jsonl"
  done
done

python3 - "$tmp/runs.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for mode in (False, True):
    rs = [r for r in runs if r["prime_on_init"] == mode]
    med = lambda k: statistics.median(r[k] for r in rs)
    print(f"prime_on_init={str(mode).lower():5}  init {med('init_ms'):7.1f} ms  first event {med('first_event_ms'):7.1f} ms"
          f"  second event {med('second_event_ms'):6.1f} ms  JVM start to first response {med('jvm_to_first_response_ms'):6.0f} ms"
          f"  loaded classes {int(med('loaded_classes'))}  (median of {len(rs)})")
PY
