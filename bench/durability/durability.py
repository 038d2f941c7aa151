#!/usr/bin/env python3
"""The durability checks of bench/durability.sh (which picks the JDK, builds the jar and calls this).

    python3 bench/durability/durability.py --java JAVA --jar JAR --tmp DIR --out JSON [--checks "kill9 sigterm outage"]

Every check starts the local runtime (a copy of infra/local/target/gateway-local.jar) on loopback with a stub
upstream (nginx when installed, else bench/durability/stub.py) through GATEWAY_UPSTREAM_OPENAI, drives closed-loop
load with bench/durability/load.py (which records the cf-aig-log-id of every answered request), breaks something,
recovers, waits until /api/v1/stats records_backlog_bytes is 0, and then looks up every recorded log id through the
admin API (the listing, page by page with its cursor; ids the listing does not show are fetched one by one).

  kill9    kill -9 of the runtime (--data DIR) in the middle of the load; restart on the same DIR
  sigterm  kill -TERM of the runtime in the middle of the load (its shutdown drains up to 10 s); restart on DIR
  outage   DynamoDB Local in its own process (EmbeddedDynamoDb --data), the runtime with --dynamodb; under load,
           kill -9 of DynamoDB Local, 20 s without it, restart on the same folder, load on for 10 s more

A check passes when every answered request's log is stored (and nothing was counted lost); the outage check also
needs the gateway to have kept answering (status 200) while the store was down. Every wait is bounded; every
process this starts is stopped by its pid on the way out.
"""
import argparse
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ADMIN_TOKEN = "durability-admin-%d" % random.randrange(10**9)
GATEWAY = "default"
ACCOUNT = "dur"
BODY = ('{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a helpful assistant."},'
        '{"role":"user","content":"What is the capital of France? Answer in two sentences."}],'
        '"temperature":0.2,"max_tokens":128}')
COMPLETION = ('{"id":"chatcmpl-DurabilityStub000000001","object":"chat.completion","created":1741569952,'
              '"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant",'
              '"content":"The capital of France is Paris.","refusal":null},"logprobs":null,"finish_reason":"stop"}],'
              '"usage":{"prompt_tokens":24,"completion_tokens":8,"total_tokens":32},"system_fingerprint":"fp_dur"}')

PROCS = []  # every process started here, stopped by pid at the end


def log(msg):
    print("[durability %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def free_port(used=set()):
    for _ in range(500):
        p = random.randrange(20000, 32000)  # below the ephemeral range: no outgoing socket takes it meanwhile
        if p in used:
            continue
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            continue
        finally:
            s.close()
        used.add(p)
        return p
    raise RuntimeError("no free port")


def spawn(cmd, logfile, env=None):
    f = open(logfile, "ab")
    p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    f.close()
    PROCS.append(p)
    return p


def stop(p, sig=signal.SIGTERM, wait=30):
    """Sends sig to the process (by pid); waits at most `wait` s, then kill -9. Returns (exit code, seconds)."""
    if p.poll() is not None:
        return p.returncode, 0.0
    t = time.time()
    try:
        os.kill(p.pid, sig)
    except ProcessLookupError:
        pass
    try:
        p.wait(wait)
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait(10)
    return p.returncode, round(time.time() - t, 2)


def stop_all():
    for p in PROCS:
        if p.poll() is None:
            try:
                stop(p, signal.SIGTERM, 15)
            except Exception:
                pass


def http(method, url, token=None, timeout=10, data=None):
    req = urllib.request.Request(url, method=method, data=data)
    if token:
        req.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def tail(path, n=15):
    try:
        with open(path, "rb") as f:
            return b"".join(f.readlines()[-n:]).decode("utf-8", "replace")
    except OSError:
        return ""


class Env:
    def __init__(self, args):
        self.java = args.java
        self.jar = args.jar
        self.tmp = args.tmp
        self.jvm_opts = args.jvm_opts.split()
        self.ddb_jvm_opts = args.ddb_jvm_opts.split()
        self.concurrency = args.concurrency
        self.drain_max = args.drain_max
        self.outage_rate = args.outage_rate
        self.stub_url = None
        self.stub_kind = None


# ------------------------------------------------------------------------------------------------- stub upstream
def start_stub(env):
    port = free_port()
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    d = os.path.join(env.tmp, "nginx")
    if nginx:
        os.makedirs(d, exist_ok=True)
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %(d)s/body; proxy_temp_path %(d)s/proxy; fastcgi_temp_path %(d)s/fastcgi;
  uwsgi_temp_path %(d)s/uwsgi; scgi_temp_path %(d)s/scgi;
  keepalive_requests 10000000; keepalive_timeout 300s; client_body_buffer_size 64k;
  server {
    listen 127.0.0.1:%(port)d backlog=4096;
    location = /v1/chat/completions { default_type application/json; return 200 '%(body)s'; }
    location / { return 404 '{"error":{"message":"stub: unknown path"}}'; }
  }
}
""" % {"d": d, "port": port, "body": COMPLETION})
        p = spawn([nginx, "-p", d, "-c", conf, "-e", os.path.join(d, "error.log"), "-g", "daemon off;"],
                  os.path.join(env.tmp, "stub.log"))
        env.stub_kind = "nginx"
    else:
        p = spawn([sys.executable, os.path.join(HERE, "stub.py"), "--port", str(port)],
                  os.path.join(env.tmp, "stub.log"))
        env.stub_kind = "python http.server"
    url = "http://127.0.0.1:%d" % port
    for _ in range(100):
        if p.poll() is not None:
            raise RuntimeError("stub exited: " + tail(os.path.join(env.tmp, "stub.log")))
        try:
            if http("POST", url + "/v1/chat/completions", data=b"{}", timeout=2)[0] == 200:
                env.stub_url = url
                log("stub upstream (%s) at %s" % (env.stub_kind, url))
                return p
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("stub upstream not ready after 10 s")


# ------------------------------------------------------------------------------------------------- processes
class Gateway:
    def __init__(self, env, name, data, extra=()):
        self.env = env
        self.name = name
        self.data = data
        self.extra = list(extra)
        self.port = free_port()
        self.root = "http://127.0.0.1:%d" % self.port
        self.logfile = os.path.join(env.tmp, name + "-gateway.log")
        self.proc = None
        self.starts = []

    def start(self, timeout=120):
        environ = dict(os.environ, GATEWAY_ADMIN_TOKEN=ADMIN_TOKEN, GATEWAY_UPSTREAM_OPENAI=self.env.stub_url + "/v1")
        for k in ("GATEWAY_DEFAULT_CACHE_TTL", "GATEWAY_DEFAULT_RATE_LIMITING_LIMIT"):
            environ.pop(k, None)  # cache and rate limits stay off (the defaults): only the record path is tested
        cmd = [self.env.java] + self.env.jvm_opts + ["-jar", self.env.jar, "--port", str(self.port),
                                                     "--host", "127.0.0.1", "--data", self.data] + self.extra
        with open(self.logfile, "ab") as f:
            f.write(("\n==== %s start: %s\n" % (time.strftime("%H:%M:%S"), " ".join(cmd))).encode())
        t = time.time()
        self.proc = spawn(cmd, self.logfile, environ)
        deadline = t + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s: gateway exited during start-up (code %s):\n%s"
                                   % (self.name, self.proc.returncode, tail(self.logfile)))
            try:
                if http("GET", self.root + "/healthz", timeout=2)[0] == 200:
                    secs = round(time.time() - t, 2)
                    self.starts.append(secs)
                    log("%s: gateway ready on :%d after %.1f s" % (self.name, self.port, secs))
                    return secs
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("%s: gateway not ready after %d s:\n%s" % (self.name, timeout, tail(self.logfile)))

    def stats(self):
        status, body = http("GET", self.root + "/api/v1/stats", ADMIN_TOKEN, timeout=10)
        if status != 200:
            raise RuntimeError("stats: HTTP %d %s" % (status, body[:200]))
        return json.loads(body)["result"]

    def wait_backlog_zero(self, timeout):
        """Polls /api/v1/stats until records_backlog_bytes is 0 twice in a row; returns (seconds, stats) or None."""
        t = time.time()
        zeros = 0
        last = None
        while time.time() - t < timeout:
            try:
                last = self.stats()
                zeros = zeros + 1 if last["records_backlog_bytes"] == 0 else 0
                if zeros >= 2:
                    return round(time.time() - t, 2), last
            except OSError:
                zeros = 0
            time.sleep(0.25)
        log("%s: backlog still %s bytes after %d s" % (self.name, last and last.get("records_backlog_bytes"), timeout))
        return None, last

    def stored_ids(self, expected_ids):
        """(ids found by listing, pages read, found only by GET, missing) for the expected ids."""
        found = set()
        cursor = None
        pages = 0
        max_pages = len(expected_ids) // 100 + 2000
        while pages < max_pages:
            q = {"limit": "100"}
            if cursor:
                q["cursor"] = cursor
            status, body = http("GET", "%s/api/v1/gateways/%s/logs?%s" % (self.root, GATEWAY, urllib.parse.urlencode(q)),
                                ADMIN_TOKEN, timeout=30)
            if status != 200:
                raise RuntimeError("log listing: HTTP %d %s" % (status, body[:300]))
            doc = json.loads(body)
            pages += 1
            for entry in doc.get("result", []):
                found.add(entry.get("id"))
            cursor = (doc.get("result_info") or {}).get("cursor")
            if not cursor:
                break
        missing = []
        by_get = 0
        unlisted = sorted(expected_ids - found)
        for i, log_id in enumerate(unlisted):
            if i >= 2000:  # the rest counts as missing unchecked (a listing that lacks thousands is already a failure)
                missing.extend(unlisted[i:])
                break
            status, _ = http("GET", "%s/api/v1/gateways/%s/logs/%s" % (self.root, GATEWAY, log_id), ADMIN_TOKEN)
            if status == 200:
                by_get += 1
            else:
                missing.append(log_id)
        return found, pages, by_get, missing


def start_dynamodb(env, name, data, port, timeout=90):
    logfile = os.path.join(env.tmp, name + "-dynamodb.log")
    cmd = [env.java] + env.ddb_jvm_opts + ["--enable-native-access=ALL-UNNAMED", "-cp", env.jar,
                                           "io.aigateway.local.EmbeddedDynamoDb", "--data", data, "--port", str(port)]
    with open(logfile, "ab") as f:
        f.write(("\n==== %s start: %s\n" % (time.strftime("%H:%M:%S"), " ".join(cmd))).encode())
    t = time.time()
    p = spawn(cmd, logfile)
    body = b'{}'
    while time.time() - t < timeout:
        if p.poll() is not None:
            raise RuntimeError("DynamoDB Local exited during start-up:\n" + tail(logfile))
        try:
            req = urllib.request.Request("http://127.0.0.1:%d/" % port, data=body, method="POST", headers={
                "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.ListTables",
                "x-amz-date": "20260101T000000Z",
                "authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, "
                                 "SignedHeaders=host;x-amz-date, Signature=00"})
            with urllib.request.urlopen(req, timeout=5) as r:
                if r.status == 200:
                    secs = round(time.time() - t, 2)
                    log("%s: DynamoDB Local ready on :%d after %.1f s" % (name, port, secs))
                    return p, secs
        except urllib.error.HTTPError:
            pass
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("DynamoDB Local not ready after %d s:\n%s" % (timeout, tail(logfile)))


class Load:
    def __init__(self, env, name, gateway, max_seconds, rate=0):
        self.out = os.path.join(env.tmp, name + "-answered.txt")
        body_file = os.path.join(env.tmp, "body.json")
        with open(body_file, "w") as f:
            f.write(BODY)
        url = "%s/v1/%s/%s/openai/chat/completions" % (gateway.root, ACCOUNT, GATEWAY)
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "load.py"), "--url", url,
                                      "--concurrency", str(env.concurrency), "--max-seconds", str(max_seconds),
                                      "--rate", str(rate), "--body-file", body_file, "--out", self.out],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        PROCS.append(self.proc)
        self.max_seconds = max_seconds
        self.started = time.time()

    def finish(self, early=False):
        if early and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        try:
            out, err = self.proc.communicate(timeout=self.max_seconds + 30)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            out, err = self.proc.communicate(timeout=10)
        if self.proc.returncode != 0:
            raise RuntimeError("load client failed: " + err.decode()[-2000:])
        summary = json.loads(out.decode().strip().splitlines()[-1])
        rows = []
        with open(self.out) as f:
            for line in f:
                t, status, log_id = line.split()
                rows.append((int(t), int(status), log_id))
        return summary, rows


def wait_until(t):
    d = t - time.time()
    if d > 0:
        time.sleep(d)


def verdict(result, missing, gateway_stats):
    lost = (gateway_stats or {}).get("records_lost", 0)
    reasons = []
    if result["answered"] == 0:
        reasons.append("no request answered")
    if missing:
        reasons.append("%d answered requests have no stored log" % len(missing))
    if lost:
        reasons.append("records_lost %d" % lost)
    if not result.get("drained", True):
        reasons.append("journal not ingested within the wait")
    result["passed"] = not reasons
    result["failure_reasons"] = reasons
    return result


def verify(gw, rows, result, final_stats):
    ids = {r[2] for r in rows if r[2] != "-"}
    t = time.time()
    found, pages, by_get, missing = gw.stored_ids(ids)
    result.update({
        "answered": len(rows),
        "answered_with_log_id": len(ids),
        "answered_status": {str(s): sum(1 for r in rows if r[1] == s) for s in sorted({r[1] for r in rows})},
        "stored": len(ids) - len(missing),
        "missing": len(missing),
        "missing_sample": sorted(missing)[:10],
        "missing_sample_all": sorted(missing)[:200],
        "stored_found_by_get_only": by_get,
        "logs_listed": len(found),
        "stored_not_answered": len(found - ids),  # written to the journal, the client never saw the answer
        "listing_pages": pages,
        "verify_s": round(time.time() - t, 2),
        "stats_after": final_stats,
    })
    if len(ids) != len(rows):
        result["answered_without_log_id"] = len(rows) - len(ids)
    return verdict(result, missing, final_stats)


# ------------------------------------------------------------------------------------------------- checks
def check_kill(env, name, sig, load_s=10.0, kill_at=5.0, warmup_s=5.0):
    data = os.path.join(env.tmp, name + "-data")
    gw = Gateway(env, name, data)
    result = {"check": name, "signal": "KILL" if sig == signal.SIGKILL else "TERM", "load_s": load_s,
              "kill_after_s": kill_at, "warmup_s": warmup_s, "concurrency": env.concurrency}
    result["start_s"] = gw.start()
    # the same load from the start: warm-up (a cold JVM answers slowly), then load_s with the kill in the middle;
    # every answered request counts, warm-up included
    load = Load(env, name, gw, warmup_s + load_s)
    wait_until(load.started + warmup_s + kill_at)
    before = gw.stats()
    t_kill = time.time()
    code, stop_s = stop(gw.proc, sig, wait=60)
    result["stats_before_kill"] = {k: before[k] for k in ("proxied_requests", "records_ingested", "records_backlog_bytes")}
    result["exit_code"] = code
    result["stop_s"] = stop_s
    log("%s: kill -%s after %.1f s of load: exit %s after %.2f s (before: %s)"
        % (name, result["signal"], t_kill - load.started, code, stop_s, result["stats_before_kill"]))
    summary, rows = load.finish()
    result["load"] = summary
    result["answered_before_kill"] = sum(1 for r in rows if r[0] <= t_kill * 1000)
    result["answered_after_kill"] = sum(1 for r in rows if r[0] > t_kill * 1000 + 100)
    result["journal_bytes_on_disk"] = journal_bytes(data)
    result["restart_s"] = gw.start()
    first = gw.stats()
    result["backlog_bytes_at_restart"] = first["records_backlog_bytes"]
    drain_s, final = gw.wait_backlog_zero(env.drain_max)
    result["drain_after_restart_s"] = drain_s
    if drain_s:
        result["drain_records_per_s"] = round((final["records_ingested"]) / drain_s, 1)
    result["drained"] = drain_s is not None
    verify(gw, rows, result, final)
    if result["missing"]:
        result["missing_ids_in_journal_files"] = in_journal(data, result["missing_sample_all"])
    result.pop("missing_sample_all", None)
    stop(gw.proc, signal.SIGTERM, 30)
    return result


def check_outage(env, name="outage", before_s=5.0, outage_s=20.0, after_s=10.0):
    ddb_data = os.path.join(env.tmp, name + "-dynamodb")
    ddb_port = free_port()
    result = {"check": name, "outage_planned_s": outage_s, "concurrency": env.concurrency}
    ddb, result["dynamodb_start_s"] = start_dynamodb(env, name, ddb_data, ddb_port)
    gw = Gateway(env, name, os.path.join(env.tmp, name + "-data"),
                 ["--dynamodb", "http://127.0.0.1:%d" % ddb_port])
    result["start_s"] = gw.start()
    load = Load(env, name, gw, before_s + outage_s + after_s + 120, env.outage_rate)
    result["load_rate_limit_per_s"] = env.outage_rate or None
    wait_until(load.started + before_s)
    before = gw.stats()
    t_down = time.time()
    stop(ddb, signal.SIGKILL, 10)
    log("%s: kill -9 DynamoDB Local after %.1f s of load (gateway so far: %d proxied, %d records ingested)"
        % (name, t_down - load.started, before["proxied_requests"], before["records_ingested"]))
    # the gateway during the outage: stats twice (backlog growing, retries counted)
    wait_until(t_down + outage_s / 2)
    mid = gw.stats()
    wait_until(t_down + outage_s)
    t_restart = time.time()
    ddb, result["dynamodb_restart_s"] = start_dynamodb(env, name, ddb_data, ddb_port)
    t_up = time.time()
    during = gw.stats()
    log("%s: DynamoDB Local back after %.1f s without it (gateway: %d proxied, backlog %d bytes, %d ingest retries)"
        % (name, t_up - t_down, during["proxied_requests"], during["records_backlog_bytes"], during["ingest_retries"]))
    wait_until(t_up + after_s)
    summary, rows = load.finish(early=True)
    t_end = time.time()
    at_end = gw.stats()
    result["stats_when_load_stopped"] = pick(at_end)
    drain_s, final = gw.wait_backlog_zero(env.drain_max)
    result["drain_after_load_s"] = drain_s
    if drain_s:
        result["drain_records_per_s"] = round((final["records_ingested"] - at_end["records_ingested"]) / drain_s, 1)
    result["drained"] = drain_s is not None
    if drain_s is not None:
        result["backlog_zero_after_store_back_s"] = round(t_end + drain_s - t_up, 2)

    def phase(a, b):
        sel = [r for r in rows if a * 1000 <= r[0] < b * 1000]
        return {"seconds": round(b - a, 2), "answered": len(sel),
                "answered_per_s": round(len(sel) / (b - a), 1) if b > a else None,
                "status": {str(s): sum(1 for r in sel if r[1] == s) for s in sorted({r[1] for r in sel})}}

    result["load"] = summary
    result["phases"] = {"before": phase(load.started, t_down), "outage": phase(t_down, t_up),
                        "after": phase(t_up, t_end + 1)}
    result["outage_s"] = round(t_up - t_down, 2)
    result["stats_before_outage"] = pick(before)
    result["stats_mid_outage"] = pick(mid)
    result["stats_when_store_back"] = pick(during)
    result["records_ingested_after_recovery"] = final["records_ingested"] - during["records_ingested"] if final else None
    verify(gw, rows, result, final)
    result.pop("missing_sample_all", None)
    outage = result["phases"]["outage"]
    result["failed_open"] = outage["answered"] > 0 and set(outage["status"]) == {"200"}
    if not result["failed_open"]:
        result["failure_reasons"].append("the gateway did not keep answering 200 while the store was down")
        result["passed"] = False
    stop(gw.proc, signal.SIGTERM, 30)
    stop(ddb, signal.SIGTERM, 30)
    return result


def pick(s):
    return {k: s[k] for k in ("proxied_requests", "records_sink", "records_ingested", "records_backlog_bytes",
                              "ingest_retries", "records_lost", "records_parked", "records_duplicate") if k in s}


def in_journal(data, ids):
    """How many of these ids (at most 200 looked at) appear in the journal segments still on disk (a diagnostic: a
    missing log whose record is not there was never journaled; one that is there was not ingested)."""
    d = os.path.join(data, "journal")
    ids = sorted(ids)[:200]
    try:
        blobs = [open(os.path.join(d, f), "rb").read() for f in sorted(os.listdir(d)) if f.endswith(".jrn")]
    except OSError:
        return None
    return {"looked_at": len(ids), "found": sum(1 for i in ids if any(i.encode() in b for b in blobs))}


def journal_bytes(data):
    d = os.path.join(data, "journal")
    try:
        return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d) if f.endswith(".jrn"))
    except OSError:
        return None


def show(r):
    s = r.get("stats_after") or {}
    lines = ["", "== %s: %s" % (r["check"], "PASSED" if r["passed"] else "FAILED")]
    lines.append("   answered %d (status %s), stored %d, missing %d; also stored, answer never seen by the client: %d"
                 % (r["answered"], r["answered_status"], r["stored"], r["missing"], r["stored_not_answered"]))
    if r["check"] in ("kill9", "sigterm"):
        lines.append("   kill -%s after %.0f s warm-up + %.0f s of %.0f s load at c=%d: answered %d before, %d after "
                     "(refused while down); exit code %s after %.2f s"
                     % (r["signal"], r["warmup_s"], r["kill_after_s"], r["load_s"], r["concurrency"],
                                                    r["answered_before_kill"], r["answered_after_kill"],
                                                    r["exit_code"], r["stop_s"]))
        lines.append("   restart %.1f s; backlog at restart %d bytes (journal files %s bytes); drained in %s s; "
                     "this process ingested %s (%s/s), duplicates %s, lost %s, parked %s, ingest retries %s"
                     % (r["restart_s"], r["backlog_bytes_at_restart"], r["journal_bytes_on_disk"],
                        r["drain_after_restart_s"], s.get("records_ingested"), r.get("drain_records_per_s"),
                        s.get("records_duplicate"),
                        s.get("records_lost"), s.get("records_parked"), s.get("ingest_retries")))
    else:
        ph = r["phases"]
        lines.append("   store down %.1f s (DynamoDB Local restart %.1f s); answered before %d (%s/s), during the outage %d "
                     "(%s/s, status %s), after %d (%s/s)"
                     % (r["outage_s"], r["dynamodb_restart_s"], ph["before"]["answered"], ph["before"]["answered_per_s"],
                        ph["outage"]["answered"], ph["outage"]["answered_per_s"], ph["outage"]["status"],
                        ph["after"]["answered"], ph["after"]["answered_per_s"]))
        lines.append("   load %s req/s at c=%d; backlog when the store came back %d bytes, when the load stopped %d bytes; "
                     "ingested after recovery %s; backlog 0 %s s after the store was back (%s s after the load, %s records/s); "
                     "ingest_retries %s, lost %s, parked %s, duplicates %s; failed open: %s"
                     % (r["load_rate_limit_per_s"] or "unpaced", r["concurrency"],
                        r["stats_when_store_back"]["records_backlog_bytes"],
                        r["stats_when_load_stopped"]["records_backlog_bytes"], r["records_ingested_after_recovery"],
                        r.get("backlog_zero_after_store_back_s"), r.get("drain_after_load_s"), r.get("drain_records_per_s"),
                        s.get("ingest_retries"), s.get("records_lost"),
                        s.get("records_parked"), s.get("records_duplicate"), r["failed_open"]))
    lines.append("   load client: %s" % json.dumps(r["load"]))
    if r["missing"]:
        lines.append("   missing ids (sample): %s" % ", ".join(r["missing_sample"]))
        if r.get("missing_ids_in_journal_files"):
            j = r["missing_ids_in_journal_files"]
            lines.append("   of %d missing ids looked up in the journal files, %d are there (the rest were never journaled)"
                         % (j["looked_at"], j["found"]))
    if r.get("failure_reasons"):
        lines.append("   failed because: %s" % "; ".join(r["failure_reasons"]))
    print("\n".join(lines), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--java", required=True)
    p.add_argument("--jar", required=True)
    p.add_argument("--tmp", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--checks", default="kill9 sigterm outage")
    p.add_argument("--jvm-opts", default="-Xmx256m -XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC")
    p.add_argument("--ddb-jvm-opts", default="-Xmx512m -XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--load-seconds", type=float, default=10)
    p.add_argument("--warmup-seconds", type=float, default=5, help="load before the kill checks' load_s window")
    p.add_argument("--outage-seconds", type=float, default=20)
    p.add_argument("--outage-rate", type=float, default=100,
                   help="requests/s of the outage check's load (0: unpaced); the in-process drain into DynamoDB Local "
                        "ingests far fewer records per second than the gateway proxies, so an unpaced 40 s load "
                        "leaves a backlog that takes many minutes to ingest")
    p.add_argument("--drain-max", type=float, default=900, help="seconds to wait at most for records_backlog_bytes 0")
    args = p.parse_args()
    env = Env(args)
    checks = args.checks.split()
    for c in checks:
        if c not in ("kill9", "sigterm", "outage"):
            sys.exit("durability: unknown check " + c)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results = []
    began = time.time()
    try:
        start_stub(env)
        for c in checks:
            log("---- check %s" % c)
            t = time.time()
            try:
                if c == "kill9":
                    r = check_kill(env, "kill9", signal.SIGKILL, args.load_seconds, args.load_seconds / 2,
                                   args.warmup_seconds)
                elif c == "sigterm":
                    r = check_kill(env, "sigterm", signal.SIGTERM, args.load_seconds, args.load_seconds / 2,
                                   args.warmup_seconds)
                else:
                    r = check_outage(env, outage_s=args.outage_seconds)
            except Exception as e:  # a check that cannot run fails; the others still run
                log("%s: ERROR %s" % (c, e))
                r = {"check": c, "passed": False, "error": str(e)}
                for proc in PROCS:
                    if proc.poll() is None and proc.args[0] == env.java:
                        stop(proc, signal.SIGKILL, 10)
            r["check_s"] = round(time.time() - t, 1)
            results.append(r)
            if "error" not in r:
                show(r)
    finally:
        stop_all()
    passed = sum(1 for r in results if r["passed"])
    failed = len(results) - passed
    doc = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"host": platform.node(), "nproc": os.cpu_count(), "kernel": platform.release(),
                    "cpu_model": cpu_model()},
        "software": {"java": java_version(env.java), "jvm_opts": " ".join(env.jvm_opts),
                     "dynamodb_jvm_opts": " ".join(env.ddb_jvm_opts), "stub": env.stub_kind,
                     "python": platform.python_version()},
        "method": {"load": "bench/durability/load.py: %d closed-loop keep-alive connections, POST chat completion; "
                           "answered = whole response received; its cf-aig-log-id recorded" % env.concurrency,
                   "verify": "admin API: logs listing with cursor (100 per page), then GET per id for any not listed",
                   "cache_and_rate_limits": "off (defaults)"},
        "seconds": round(time.time() - began, 1),
        "passed": passed, "failed": failed,
        "checks": results,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out + ".tmp", "w") as f:
        json.dump(doc, f, indent=2)
    os.replace(args.out + ".tmp", args.out)
    print("", flush=True)
    for r in results:
        if "error" in r:
            print("%s: FAILED (could not run: %s)" % (r["check"], r["error"].splitlines()[0]))
        else:
            print("%s: %s  answered %d, stored %d, missing %d" % (r["check"], "passed" if r["passed"] else "FAILED",
                                                                  r["answered"], r["stored"], r["missing"]))
    print("durability: %d passed, %d failed  (%s)" % (passed, failed, args.out), flush=True)
    sys.exit(0 if failed == 0 else 1)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def java_version(java):
    try:
        return subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr.splitlines()[1]
    except Exception:
        return "unknown"


if __name__ == "__main__":
    main()
