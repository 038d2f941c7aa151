#!/usr/bin/env bash
# Cold start of the streaming Lambda transport (Streaming=true: io.aigateway.server.ServerMain behind the Lambda Web
# Adapter), as far as it can be measured without AWS: the unpacked gateway-function.zip started by its own run.sh
# (the template's JAVA_TOOL_OPTIONS: C1 only), then what the adapter does: poll GET /healthz until it answers, then
# forward the first chat completion. DynamoDB: moto_server on loopback; provider: a loopback stub.
#   bench/server-coldstart.sh [path/to/gateway-function.zip]   # one JSON line per run, then the medians
# RUNS (default 7) runs.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-7}
ZIP=$(realpath "${1:-functions/gateway/target/gateway-function.zip}")
[ -f "$ZIP" ] || { echo "no $ZIP: mvn -pl functions/gateway -am package -DskipTests" >&2; exit 1; }
command -v moto_server >/dev/null || python3 -m pip install -q 'moto[server]'

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MOTO_PORT=$(free_port)
STUB_PORT=$(free_port)
tmp=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
mkdir "$tmp/task" && (cd "$tmp/task" && unzip -q "$ZIP")

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
export JAVA_TOOL_OPTIONS="-XX:+TieredCompilation -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError"
export AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024
aws_table() {
  python3 - <<'PY'
import os, boto3
ddb = boto3.client("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")
if "coldstart" not in ddb.list_tables()["TableNames"]:
    ddb.create_table(TableName="coldstart", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
PY
}
aws_table

for _ in $(seq "$RUNS"); do
  PORT=$(free_port)
  AWS_LWA_PORT=$PORT python3 - "$tmp/task/run.sh" "$PORT" <<'PY' | tee -a "$tmp/runs.jsonl"
import http.client, json, os, socket, subprocess, sys, time
run, port = sys.argv[1], int(sys.argv[2])
t0 = time.monotonic()
proc = subprocess.Popen([run], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
def get(method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, path, body=body, headers={"content-type": "application/json"} if body else {})
    r = c.getresponse(); r.read(); c.close()
    return r.status
try:
    while True:  # the adapter's readiness check, every 10 ms
        try:
            if get("GET", "/healthz") < 500:
                break
        except OSError:
            pass
        time.sleep(0.01)
    ready = time.monotonic()
    status = get("POST", "/v1/a/g/openai/chat/completions",
                 b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Capital of France?"}]}')
    first = time.monotonic()
    # CPU the JVM spent up to here (run.sh execs java: same pid): steadier than wall time on a busy machine
    stat = open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()
    cpu_ms = (int(stat[11]) + int(stat[12])) * 1000 / os.sysconf("SC_CLK_TCK")
    status2 = get("POST", "/v1/a/g/openai/chat/completions",
                  b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Capital of Italy?"}]}')
    second = time.monotonic()
    print(json.dumps({"ready_ms": round((ready - t0) * 1000, 1),
                      "first_request_ms": round((first - ready) * 1000, 1),
                      "jvm_to_first_response_ms": round((first - t0) * 1000, 1),
                      "second_request_ms": round((second - first) * 1000, 1),
                      "cpu_ms_to_first_response": round(cpu_ms),
                      "status": [status, status2]}))
finally:
    proc.terminate()
    proc.wait(20)
PY
done

python3 - "$tmp/runs.jsonl" "$ZIP" <<'PY'
import json, os, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
med = lambda k: statistics.median(r[k] for r in runs)
print(f"{os.path.basename(sys.argv[2])} {os.path.getsize(sys.argv[2]):,} bytes: port ready {med('ready_ms'):6.0f} ms"
      f"  first request {med('first_request_ms'):6.0f} ms  JVM start to first response {med('jvm_to_first_response_ms'):6.0f} ms"
      f"  second request {med('second_request_ms'):5.1f} ms  JVM CPU to first response {med('cpu_ms_to_first_response'):6.0f} ms"
      f"  (median of {len(runs)})")
PY
