#!/usr/bin/env bash
# bench/dlp-latency.sh: the p50 that data protection (DLP) adds to a request with a 4 KB prompt, at c=1.
#
#   bash bench/dlp-latency.sh                   # 8 rounds x 10 s per mode, about 4 minutes
#   DLP_ROUNDS=4 DLP_DURATION=5 bash bench/dlp-latency.sh
#
# A separate script rather than a bench/run.sh scenario: run.sh compares gateways (direct, ours, Portkey) under load;
# this compares one gateway with itself. One local runtime (in memory, request logging on) in front of an nginx
# stub; two gateways on it that differ only in their settings:
#   dlp-off  no dlp setting
#   dlp-on   {"dlp": {"policies": [{"profiles": [financial, government_id, contact, credentials], "action": "FLAG",
#            "check": "BOTH"}]}}: every built-in detector on the prompt (its JSON parsed, every string scanned) and
#            on the answer (read whole, scanned); the prompt holds nothing to find, as most prompts do
# The same 4 KB body (English chat text) goes to both. After a JIT warm-up of both, wrk measures c=1 (1 thread,
# 1 connection, --latency) for DLP_DURATION seconds per mode, alternating the order every round (off,on / on,off)
# so drift hits both alike. One pair is below the noise: the figure is the median over the rounds of p50(on) -
# p50(off), with every round's pair printed. Writes bench/results/dlp-latency.json.
#
# Settings: DLP_ROUNDS (8), DLP_DURATION (10 s), DLP_WARMUP (20 s per mode), BENCH_JVM_OPTS (as bench/run.sh),
# BENCH_REBUILD=1 (rebuild infra/local/target/gateway-local.jar). Installs wrk with apt-get if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${DLP_ROUNDS:-8}"
DURATION="${DLP_DURATION:-10}"
WARMUP="${DLP_WARMUP:-20}"
JVM_OPTS="${BENCH_JVM_OPTS:--Xmx256m -XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC}"
OUT="${DLP_OUT:-bench/results/dlp-latency.json}"

log() { printf '[dlp-latency] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
source bench/lib.sh
pick_jdk
JAVA="$JAVA_HOME/bin/java"
TMP="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

if ! command -v wrk >/dev/null; then
  log "apt-get install wrk"
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends wrk >/dev/null \
    || { timeout 300 apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive timeout 600 \
         apt-get install -y -qq --no-install-recommends wrk >/dev/null; } || die "cannot install wrk"
fi
NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX_BIN" ] || die "nginx is needed (apt-get install nginx-light)"
JAR=infra/local/target/gateway-local.jar
if [ ! -f "$JAR" ] || [ "${BENCH_REBUILD:-0}" = 1 ]; then
  log "building $JAR"
  mvn -B -q -pl infra/local -am package -DskipTests >/dev/null || die "build failed"
fi
cp "$JAR" "$TMP/gateway-local.jar"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # $1 url, then curl args
  local url="$1"; shift
  for _ in $(seq 1 300); do curl -s -o /dev/null "$@" "$url" && return 0; sleep 0.1; done
  die "nothing answers on $url"
}

# ---- the stub: a realistic OpenAI chat completion
NGINX_PORT="$(free_port)"
COMPLETION='{"id":"chatcmpl-BenchStub0000000000000001","object":"chat.completion","created":1741569952,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! The capital of France is Paris. It is known for the Eiffel Tower, the Louvre and its cafes. Is there anything else you would like to know?","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":24,"completion_tokens":33,"total_tokens":57},"service_tier":"default","system_fingerprint":"fp_06737a9306"}'
mkdir -p "$TMP/nginx"
cat > "$TMP/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  keepalive_requests 10000000;
  client_body_buffer_size 64k;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location = /v1/chat/completions { default_type application/json; return 200 '$COMPLETION'; }
  }
}
CONF
"$NGINX_BIN" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx-error.log" -g 'daemon off;' \
  >>"$TMP/nginx-error.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$NGINX_PORT/v1/chat/completions" -X POST -d '{}'

# ---- the gateway
GW_PORT="$(free_port)"
ADMIN="dlp-bench-admin-$RANDOM$RANDOM"
# shellcheck disable=SC2086
GATEWAY_ADMIN_TOKEN="$ADMIN" GATEWAY_UPSTREAM_OPENAI="http://127.0.0.1:$NGINX_PORT/v1" \
  "$JAVA" $JVM_OPTS -jar "$TMP/gateway-local.jar" --in-memory --port "$GW_PORT" >"$TMP/gateway.log" 2>&1 &
PIDS+=($!)
GW="http://127.0.0.1:$GW_PORT"
wait_http "$GW/healthz"
put() {
  curl -sf -X PUT -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d "$2" \
    "$GW/api/v1/gateways/$1" >/dev/null || die "PUT $1 failed"
}
put dlp-off '{"collect_logs": true}'
put dlp-on '{"collect_logs": true, "dlp": {"enabled": true, "policies": [{"id": "all", "profiles": ["financial", "government_id", "contact", "credentials"], "action": "FLAG", "check": "BOTH"}]}}'

# ---- a 4 KB prompt of ordinary chat text (nothing to find)
BODY="$(python3 - <<'PY'
import json
s = ("Please summarise the meeting notes below for the team. The release moves to the second week of March, "
     "pending the security review; the function returns a list of 3 items sorted by score, and revenue grew 12.5% "
     "year over year to $4.2 million. Version 2.3.1 fixed the memory leak reported in issue #4821 on 2024-03-15. ")
def body(text):
    return json.dumps({"model": "gpt-4o-mini", "messages": [
        {"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": text}]})
text = ""
while len(body(text + s)) <= 4096:
    text += s
text += s[:4096 - len(body(text))]  # exactly 4096 bytes
print(body(text))
PY
)"
printf 'wrk.method = "POST"\nwrk.headers["content-type"] = "application/json"\nwrk.headers["authorization"] = "Bearer sk-bench"\nwrk.body = [==[%s]==]\n' \
  "$BODY" > "$TMP/post.lua"
log "prompt body: ${#BODY} bytes"
for mode in off on; do
  code="$(curl -s -o "$TMP/check.json" -w '%{http_code}' -H 'content-type: application/json' \
    -H 'authorization: Bearer sk-bench' -d "$BODY" "$GW/v1/local/dlp-$mode/openai/chat/completions" -D "$TMP/h.txt")"
  [ "$code" = 200 ] || die "dlp-$mode answered $code: $(cat "$TMP/check.json")"
done
grep -qi '^cf-aig-dlp' "$TMP/h.txt" && die "the clean prompt matched a detector"

url() { echo "$GW/v1/local/dlp-$1/openai/chat/completions"; }
p50_us() { # wrk --latency output -> p50 in microseconds
  awk '/^ +50%/ { v=$2; if (v ~ /us$/) { sub(/us/,"",v); print v } else if (v ~ /ms$/) { sub(/ms/,"",v); print v*1000 } else if (v ~ /s$/) { sub(/s/,"",v); print v*1000000 } }'
}
log "warm-up: ${WARMUP}s per mode (c=4, then c=1)"
for mode in off on; do
  wrk -t1 -c4 -d"${WARMUP}s" -s "$TMP/post.lua" "$(url $mode)" >/dev/null
  wrk -t1 -c1 -d"$((WARMUP / 2))s" -s "$TMP/post.lua" "$(url $mode)" >/dev/null
done

ROWS=()
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then order="off on"; else order="on off"; fi
  declare -A P=()
  for mode in $order; do
    P[$mode]="$(wrk -t1 -c1 -d"${DURATION}s" --latency -s "$TMP/post.lua" "$(url $mode)" | p50_us)"
  done
  log "round $r ($order): p50 off ${P[off]} us, on ${P[on]} us"
  ROWS+=("${P[off]} ${P[on]}")
  unset P
done

printf '%s\n' "${ROWS[@]}" > "$TMP/rows.txt"
python3 - "$OUT" "${#BODY}" "$ROUNDS" "$DURATION" "$TMP/rows.txt" <<'PY'
import json, statistics, sys, datetime, platform, os
out, size, rounds, duration = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
pairs = [tuple(float(x) for x in line.split()) for line in open(sys.argv[5]) if line.strip()]
off = [p[0] for p in pairs]
on = [p[1] for p in pairs]
diff = [b - a for a, b in pairs]
res = {
    "date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%MZ"), "prompt_bytes": size, "rounds": rounds,
    "seconds_per_mode_per_round": duration, "cpus": os.cpu_count(), "machine": platform.platform(),
    "p50_off_us": off, "p50_on_us": on, "median_p50_off_us": statistics.median(off),
    "median_p50_on_us": statistics.median(on), "added_p50_us_median_of_pairs": statistics.median(diff),
    "added_p50_us_pairs": diff,
}
os.makedirs(os.path.dirname(out), exist_ok=True)
json.dump(res, open(out, "w"), indent=2)
print()
print("| round | p50 off (us) | p50 on (us) | on - off (us) |")
print("|---|---|---|---|")
for i, (a, b) in enumerate(pairs, 1):
    print(f"| {i} | {a:.0f} | {b:.0f} | {b - a:+.0f} |")
print(f"| median | {res['median_p50_off_us']:.0f} | {res['median_p50_on_us']:.0f} | "
      f"{res['added_p50_us_median_of_pairs']:+.0f} |")
print(f"\n4 KB prompt ({size} bytes), c=1, {rounds} rounds x {duration} s per mode: DLP adds "
      f"{res['added_p50_us_median_of_pairs']:.0f} us to the p50 (median of the paired differences). -> {out}")
PY
