#!/usr/bin/env python3
"""Measurement side of bench/lambda.sh (Python 3 stdlib only). bench/lambda.sh starts and stops every process;
this file only sends requests, reads counters and writes JSON.

  driver.py create-table --ddb-port P --table T
      creates the gateway's table in moto (pk/sk strings, on demand; what template.yaml declares)
  driver.py run --transport lambda|server ...
      drives one gateway JVM through its phases and writes the raw results (JSON) of that transport:
        lambda: events go through runtime_api.py (/bench/invoke) to the real runtime interface client
        server: plain HTTP to io.aigateway.server.ServerMain (what the Lambda Web Adapter forwards)
      phases, in order: first (1 plain request right after init), warmup, plain (with a direct stub call
      interleaved before each request), cache-fill (1), cache-hit, cache-miss, admin-put (1), rl-first (1),
      rate-limited; each of cache-hit / cache-miss / rate-limited has KIND_WARMUP unmeasured requests first.
      Per phase: latency percentiles, statuses, cf-aig-cache-status, JVM CPU (utime+stime of /proc/PID/stat),
      DynamoDB calls by operation (counting proxy, read after the proxy saw no request for 0.3 s), cgroup
      throttling, the cf-aig-log-id of every response.
  driver.py report ...
      merges both transports, the function's captured stdout (record lines, EMF documents: the gateway's own
      Latency per request, matched by log id) and the ingest result into one JSON file and prints the table.
"""
import argparse
import base64
import copy
import http.client
import json
import math
import os
import re
import sys
import time
import uuid
from collections import Counter

CLK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- small helpers
def pct(values, p):
    """Nearest-rank percentile of a list (None when empty)."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))]


def r(x, n=2):
    return None if x is None else round(x, n)


def log(msg):
    print(f"[lambda-bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Proc:
    """CPU time and memory of one process, from /proc."""

    def __init__(self, pid):
        self.pid = pid

    def alive(self):
        return os.path.exists(f"/proc/{self.pid}/stat")

    def cpu_s(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK  # utime + stime (fields 14 and 15)

    def mem_kb(self):
        out = {}
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1])
        return out

    def threads(self):
        return len(os.listdir(f"/proc/{self.pid}/task"))

    def cpu_by_thread_group(self):
        """CPU seconds per thread name, numbers folded (ForkJoinPool-N-worker-N, C1 CompilerThreN, ...)."""
        out = Counter()
        for tid in os.listdir(f"/proc/{self.pid}/task"):
            try:
                with open(f"/proc/{self.pid}/task/{tid}/stat") as f:
                    raw = f.read()
            except OSError:
                continue
            name = re.sub(r"\d+", "N", raw[raw.index("(") + 1:raw.rindex(")")])
            fields = raw.rsplit(")", 1)[1].split()
            out[name] += (int(fields[11]) + int(fields[12])) / CLK
        return out


class Machine:
    """Machine-wide CPU (user+nice+system, /proc/stat) and the CPU of the benchmark's own processes, so that a
    phase can tell how much of the machine other processes took meanwhile (interrupt time is left out)."""

    def __init__(self, own_pids):
        pids = set(own_pids) | {os.getpid()}
        for pid in list(pids):  # children too (nginx's worker)
            try:
                for tid in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{tid}/children") as f:
                        pids.update(int(c) for c in f.read().split())
            except OSError:
                pass
        self.own = [Proc(p) for p in pids]

    def sample(self):
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        busy = (v[0] + v[1] + v[2]) / CLK
        own = 0.0
        for p in self.own:
            try:
                own += p.cpu_s()
            except OSError:
                pass
        return time.time(), busy, own


class Ddb:
    """Counters of the DynamoDB counting proxy."""

    def __init__(self, port):
        self.port = port

    def counts(self):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            c.request("GET", "/__bench/counts")
            return json.loads(c.getresponse().read())
        finally:
            c.close()

    def quiesce(self, quiet_s=0.3, max_s=20.0):
        """Waits until the proxy saw no request for quiet_s (bounded by max_s); True when it got quiet."""
        deadline = time.time() + max_s
        while True:
            last = self.counts()["last_ns"]
            idle = time.time() - last / 1e9 if last else 1e9
            if idle >= quiet_s:
                return True
            if time.time() >= deadline:
                return False
            time.sleep(max(0.05, quiet_s - idle))


def ddb_delta(before, after):
    out = {}
    for op, v in after["ops"].items():
        b = before["ops"].get(op, {"n": 0, "ms": 0.0})
        if v["n"] - b["n"]:
            out[op.replace("DynamoDB_20120810.", "")] = {"n": v["n"] - b["n"], "ms": round(v["ms"] - b["ms"], 3)}
    return out


class CgroupStat:
    def __init__(self, path):
        self.path = path

    def read(self):
        if not self.path:
            return None
        try:
            with open(os.path.join(self.path, "cpu.stat")) as f:
                d = dict(line.split() for line in f if line.strip())
            return {k: int(v) for k, v in d.items()}
        except (OSError, ValueError):
            return None


# ---------------------------------------------------------------- targets
class Stub:
    """Direct calls to the stub upstream: the reference the gateway's added latency is measured against."""

    def __init__(self, port, body, headers):
        self.port, self.body, self.headers = port, body, headers
        self.conn = None

    def call(self):
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                t = time.perf_counter()
                self.conn.request("POST", "/v1/chat/completions", body=self.body, headers=self.headers)
                resp = self.conn.getresponse()
                resp.read()
                ms = (time.perf_counter() - t) * 1000
                if resp.status != 200:
                    raise RuntimeError(f"stub answered {resp.status}")
                return ms
            except (http.client.HTTPException, OSError):
                self.conn = None
                if attempt == 2:
                    raise


class LambdaTarget:
    """Function URL events (payload v2) through the runtime API emulator to the runtime interface client."""

    def __init__(self, port, base_event):
        self.port, self.base = port, base_event
        self.conn = None

    def call(self, method, path, query, headers, body):
        ev = copy.deepcopy(self.base)
        now = time.time()
        ev["rawPath"] = path
        ev["rawQueryString"] = query
        if query:
            ev["queryStringParameters"] = dict(kv.split("=", 1) if "=" in kv else (kv, "") for kv in query.split("&"))
        else:
            ev.pop("queryStringParameters", None)
        h = dict(headers)
        h["content-length"] = str(len(body))
        ev["headers"] = h
        ev["body"] = body.decode()
        ev["isBase64Encoded"] = False
        rc = ev["requestContext"]
        rc["http"]["method"] = method
        rc["http"]["path"] = path
        rc["requestId"] = str(uuid.uuid4())
        rc["timeEpoch"] = int(now * 1000)
        rc["time"] = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now))
        payload = json.dumps(ev).encode()
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.conn.request("POST", "/bench/invoke", body=payload, headers={"content-type": "application/json"})
        resp = self.conn.getresponse()
        data = resp.read()
        status = resp.getheader("X-Bench-Status")
        latency_ms = int(resp.getheader("X-Bench-Latency-Ns") or -1) / 1e6
        if status != "ok":
            return f"function-{status}", {}, data, latency_ms
        out = json.loads(data)
        rbody = out.get("body") or ""
        rbody = base64.b64decode(rbody) if out.get("isBase64Encoded") else rbody.encode()
        return out.get("statusCode"), {k.lower(): v for k, v in (out.get("headers") or {}).items()}, rbody, latency_ms


class HttpTarget:
    """Plain HTTP to the gateway's HTTP server transport, as the Lambda Web Adapter forwards an invocation."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def call(self, method, path, query, headers, body):
        h = {k: v for k, v in headers.items() if k.lower() != "content-length"}
        target = path + ("?" + query if query else "")
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                t = time.perf_counter()
                self.conn.request(method, target, body=body, headers=h)
                resp = self.conn.getresponse()
                data = resp.read()
                ms = (time.perf_counter() - t) * 1000
                return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, ms
            except (http.client.HTTPException, OSError):
                self.conn = None
                if attempt == 2:
                    return "connection-error", {}, b"", -1.0


# ---------------------------------------------------------------- requests
class Requests:
    """The request kinds, all derived from events/chat-completion.json."""

    def __init__(self, base_event, transport):
        self.base = base_event
        self.transport = transport
        self.nonce = uuid.uuid4().hex[:8]
        self.headers = {k.lower(): v for k, v in base_event["headers"].items()}
        self.body_json = json.loads(base_event["body"])
        self.path = base_event["rawPath"]
        self.query = base_event.get("rawQueryString") or ""

    def _body(self, suffix=None):
        if suffix is None:
            return self.base["body"].encode()
        b = copy.deepcopy(self.body_json)
        b["messages"][-1]["content"] += f" [{suffix}]"
        return json.dumps(b, separators=(",", ":")).encode()

    def plain(self, i=0):
        return "POST", self.path, self.query, self.headers, self._body()

    def cache_hit(self, i=0):  # one fixed body per transport and run: the first fills, the rest hit
        return "POST", self.path, self.query, {**self.headers, "cf-aig-cache-ttl": "3600"}, \
            self._body(f"{self.transport} cache {self.nonce}")

    def cache_miss(self, i=0):  # a new body every time: lookup misses, the answer is stored
        return "POST", self.path, self.query, {**self.headers, "cf-aig-cache-ttl": "3600"}, \
            self._body(f"{self.transport} miss {self.nonce} {i}")

    def rl_gateway(self):
        return f"bench-rl-{self.transport}-{self.nonce}"

    def rate_limited(self, i=0):
        path = self.path.replace("/default/", f"/{self.rl_gateway()}/", 1)
        return "POST", path, self.query, self.headers, self._body()

    def admin_put(self, i=0):
        h = {"host": self.headers.get("host", "localhost"), "authorization": "Bearer bench",
             "content-type": "application/json", "user-agent": "lambda-bench"}
        body = json.dumps({"rate_limiting_limit": 1, "rate_limiting_interval": 60,
                           "rate_limiting_technique": "fixed"}).encode()
        return "PUT", f"/api/v1/gateways/{self.rl_gateway()}", "", h, body


# ---------------------------------------------------------------- phases
class Runner:
    def __init__(self, target, proc, ddb, cg, stub, machine):
        self.target, self.proc, self.ddb, self.cg, self.stub = target, proc, ddb, cg, stub
        self.machine = machine
        self.phases = []
        self.answered = 0
        self.proxied = 0

    def phase(self, name, make, n, direct=False, expect_status=None, expect_cache=None, record=True):
        if n <= 0:
            return None
        if not self.proc.alive():
            raise SystemExit(f"gateway process {self.proc.pid} is gone (phase {name})")
        self.ddb.quiesce()
        c0, cpu0, cg0 = self.ddb.counts(), self.proc.cpu_s(), self.cg.read()
        thr0, m0 = self.proc.cpu_by_thread_group(), self.machine.sample()
        lat, dlat, statuses, cache, log_ids, bad = [], [], Counter(), Counter(), [], []
        t0 = time.perf_counter()
        for i in range(n):
            if direct:
                dlat.append(self.stub.call())
            method, path, query, headers, body = make(i)
            status, rh, rbody, ms = self.target.call(method, path, query, headers, body)
            lat.append(ms)
            statuses[str(status)] += 1
            if "cf-aig-cache-status" in rh:
                cache[rh["cf-aig-cache-status"]] += 1
            if rh.get("cf-aig-log-id"):
                log_ids.append(rh["cf-aig-log-id"])
            if expect_status is not None and status != expect_status and len(bad) < 3:
                bad.append({"status": status, "body": rbody[:300].decode("utf-8", "replace")})
            self.answered += 1
            if not path.startswith("/api/"):
                self.proxied += 1
        wall = time.perf_counter() - t0
        drained = self.ddb.quiesce()
        c1, cpu1, cg1 = self.ddb.counts(), self.proc.cpu_s(), self.cg.read()
        thr1, m1 = self.proc.cpu_by_thread_group(), self.machine.sample()
        ops = ddb_delta(c0, c1)
        jvm_cpu = cpu1 - cpu0
        threads = {k: v - thr0.get(k, 0) for k, v in thr1.items() if v - thr0.get(k, 0) > 0}
        foreign = max(0.0, (m1[1] - m0[1]) - (m1[2] - m0[2]) - jvm_cpu)
        foreign_pct = foreign / ((m1[0] - m0[0]) * (os.cpu_count() or 1)) * 100 if m1[0] > m0[0] else None
        calls = sum(v["n"] for v in ops.values())
        res = {
            "phase": name, "n": n, "wall_s": r(wall, 3), "statuses": dict(statuses), "cache_status": dict(cache),
            "expected_status": expect_status,
            "ok": (expect_status is None or statuses.get(str(expect_status), 0) == n)
                  and (expect_cache is None or cache.get(expect_cache, 0) == n),
            "unexpected_samples": bad,
            "p50_ms": r(pct(lat, 50), 3), "p90_ms": r(pct(lat, 90), 3), "p99_ms": r(pct(lat, 99), 3),
            "max_ms": r(max(lat), 3), "mean_ms": r(sum(lat) / n, 3),
            "direct_p50_ms": r(pct(dlat, 50), 3), "direct_p99_ms": r(pct(dlat, 99), 3),
            "added_p50_ms": r(pct(lat, 50) - pct(dlat, 50), 3) if dlat else None,
            "added_p99_ms": r(pct(lat, 99) - pct(dlat, 99), 3) if dlat else None,
            "cpu_ms_per_req": r((cpu1 - cpu0) * 1000 / n, 2), "cpu_s": r(cpu1 - cpu0, 2),
            "ddb_calls_per_req": r(calls / n, 3),
            "ddb_by_op_per_req": {op: r(v["n"] / n, 3) for op, v in sorted(ops.items())},
            "ddb_mean_ms_by_op": {op: r(v["ms"] / v["n"], 2) for op, v in sorted(ops.items())},
            "ddb_calls": ops, "ddb_drained": drained,
            "rss_kb_after": self.proc.mem_kb().get("VmRSS"),
            "jvm_cpu_pct_by_thread_group": {k: r(v * 100 / jvm_cpu, 1) for k, v in
                                            sorted(threads.items(), key=lambda kv: -kv[1])[:8]} if jvm_cpu > 0 else {},
            "foreign_cpu_pct": r(foreign_pct, 1),
            "log_ids": log_ids,
        }
        if cg0 and cg1:
            res["cgroup"] = {k: cg1[k] - cg0.get(k, 0) for k in cg1 if k.startswith(("nr_", "throttled"))}
        if record:
            self.phases.append(res)
        flag = "" if res["ok"] else f"  UNEXPECTED: statuses {dict(statuses)} cache {dict(cache)}"
        log(f"  {name:<13} n={n:<4} p50 {res['p50_ms']:.2f} ms  p99 {res['p99_ms']:.2f} ms  "
            f"cpu {res['cpu_ms_per_req']} ms/req  ddb {res['ddb_calls_per_req']}/req  "
            f"foreign {res['foreign_cpu_pct']}%{flag}")
        return res


def wait_lambda_init(port, proc, t0_ns, timeout_s):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if not proc.alive():
            raise SystemExit("the runtime interface client exited during init (see its stderr)")
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            c.request("GET", "/bench/state")
            st = json.loads(c.getresponse().read())
        finally:
            c.close()
        if st["init_errors"]:
            raise SystemExit(f"init error reported to the runtime API: {st['init_errors'][0]}")
        if st["first_next_ns"]:
            return (st["first_next_ns"] - t0_ns) / 1e6
        time.sleep(0.01)
    raise SystemExit(f"no /next call within {timeout_s} s")


def wait_http_ready(port, proc, t0_ns, timeout_s):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if not proc.alive():
            raise SystemExit("ServerMain exited during start-up (see its stderr)")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return (time.time_ns() - t0_ns) / 1e6
        except OSError:
            pass
        finally:
            c.close()
        time.sleep(0.01)
    raise SystemExit(f"/healthz not ready within {timeout_s} s")


def cmd_run(a):
    base = json.load(open(a.event))
    proc, ddb, cg = Proc(a.pid), Ddb(a.ddb_port), CgroupStat(a.cgroup)
    reqs = Requests(base, a.transport)
    stub_headers = {"content-type": "application/json", "authorization": reqs.headers.get("authorization", "")}
    stub = Stub(a.stub_port, reqs._body(), stub_headers)
    stub.call()  # the stub answers at all
    cpu_before = None
    if a.transport in ("lambda", "floor"):
        init_ms = wait_lambda_init(a.rapi_port, proc, a.t0_ns, a.init_timeout)
        target = LambdaTarget(a.rapi_port, base)
        init_what = "JVM start to first /next"
    else:
        init_ms = wait_http_ready(a.port, proc, a.t0_ns, a.init_timeout)
        target = HttpTarget(a.port)
        init_what = "JVM start to first 200 from /healthz"
    cpu_init = proc.cpu_s()
    mem_init = proc.mem_kb()
    log(f"{a.transport}: init {init_ms:.0f} ms ({init_what}), init CPU {cpu_init:.2f} s, "
        f"RSS {mem_init.get('VmRSS', 0) / 1024:.0f} MB")
    run = Runner(target, proc, ddb, cg, stub, Machine([int(p) for p in a.own_pids.split()]))
    kw = a.kind_warmup
    first = run.phase("first", reqs.plain, 1, expect_status=200)
    mem_first = proc.mem_kb()
    run.phase("warmup", reqs.plain, a.warmup, expect_status=200)
    run.phase("plain", reqs.plain, a.n, direct=True, expect_status=200)
    mem_plain = proc.mem_kb()
    if a.transport == "floor":  # plain requests only: the floor has no cache, limits or admin API
        write_run(a, init_ms, init_what, cpu_init, first, proc, mem_init, mem_first, mem_plain, run)
        return
    run.phase("cache-fill", reqs.cache_hit, 1, expect_status=200)
    run.phase("cache-hit-warmup", reqs.cache_hit, kw, expect_status=200, expect_cache="HIT", record=False)
    run.phase("cache-hit", reqs.cache_hit, a.kind_n, direct=True, expect_status=200, expect_cache="HIT")
    run.phase("cache-miss-warmup", lambda i: reqs.cache_miss(100000 + i), kw, expect_status=200, record=False)
    run.phase("cache-miss", reqs.cache_miss, a.kind_n, direct=True, expect_status=200, expect_cache="MISS")
    # Rate windows are clock-aligned (epoch seconds divisible by the interval, 60 s here): start the limited
    # sequence early in a window so that it does not straddle two (bounded wait, at most one window).
    last = run.phases[-1]
    per_req_s = ((last["mean_ms"] or 0) + (last["direct_p50_ms"] or 0)) / 1000
    need_s = (3 + kw + a.kind_n) * per_req_s * 1.5 + 1
    left_s = 60 - time.time() % 60
    if need_s < 55 and left_s < need_s:
        log(f"  waiting {left_s:.1f} s for a fresh 60 s rate-limit window (the sequence needs ~{need_s:.0f} s)")
        time.sleep(left_s + 0.2)
    run.phase("admin-put", reqs.admin_put, 1, expect_status=200)
    run.phase("rl-first", reqs.rate_limited, 1, expect_status=200)
    run.phase("rate-limited-warmup", reqs.rate_limited, kw, expect_status=429, record=False)
    run.phase("rate-limited", reqs.rate_limited, a.kind_n, direct=True, expect_status=429)
    write_run(a, init_ms, init_what, cpu_init, first, proc, mem_init, mem_first, mem_plain, run)


def write_run(a, init_ms, init_what, cpu_init, first, proc, mem_init, mem_first, mem_plain, run):
    mem_end = proc.mem_kb()
    out = {
        "transport": a.transport, "pid": a.pid, "init_ms": r(init_ms, 1), "init_measures": init_what,
        "init_cpu_s": r(cpu_init, 2), "first_ms": first["p50_ms"],
        "threads_at_end": proc.threads(),
        "rss_mb": {"after_init": r(mem_init.get("VmRSS", 0) / 1024, 1),
                   "after_first": r(mem_first.get("VmRSS", 0) / 1024, 1),
                   "after_plain": r(mem_plain.get("VmRSS", 0) / 1024, 1),
                   "end": r(mem_end.get("VmRSS", 0) / 1024, 1),
                   "peak_hwm": r(mem_end.get("VmHWM", 0) / 1024, 1)},
        "requests_answered": run.answered, "proxied_requests": run.proxied,
        "phases": run.phases,
    }
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)


def cmd_create_table(a):
    body = json.dumps({
        "TableName": a.table, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "sk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]})
    headers = {"X-Amz-Target": "DynamoDB_20120810.CreateTable", "Content-Type": "application/x-amz-json-1.0",
               "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, "
                                "SignedHeaders=host, Signature=0"}
    c = http.client.HTTPConnection("127.0.0.1", a.ddb_port, timeout=30)
    c.request("POST", "/", body=body, headers=headers)
    resp = c.getresponse()
    data = resp.read()
    if resp.status != 200 and b"ResourceInUse" not in data:
        raise SystemExit(f"CreateTable failed: {resp.status} {data[:300]!r}")
    ttl = json.dumps({"TableName": a.table, "TimeToLiveSpecification": {"AttributeName": "expiresAt", "Enabled": True}})
    c.request("POST", "/", body=ttl, headers={**headers, "X-Amz-Target": "DynamoDB_20120810.UpdateTimeToLive"})
    c.getresponse().read()


# ---------------------------------------------------------------- report
RECORD = re.compile(r'"aigw"\s*:\s*"(log|body)"')


def scan_stdout(path):
    """Counts the function's stdout lines by kind; EMF documents by log id (the gateway's own Latency)."""
    counts = Counter()
    emf = {}
    if not path or not os.path.exists(path):
        return counts, emf
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            counts["lines"] += 1
            kind = RECORD.search(line)
            if kind:
                counts["record_" + kind.group(1)] += 1
            if line.startswith("{") and '"_aws"' in line:  # an EMF document (may carry the log record too)
                counts["emf"] += 1
                try:
                    d = json.loads(line)
                except ValueError:
                    continue
                lid = d.get("logId") or (d.get("log") or {}).get("id") if isinstance(d, dict) else None
                if lid:
                    emf[lid] = d
    return counts, emf


def cmd_report(a):
    meta = json.load(open(a.meta))
    results = {"date": meta.pop("date"), **meta, "transports": {}}
    total_answered = total_proxied = 0
    all_counts = Counter()
    for spec in a.transport:
        name, res_path, stdout_path = spec.split("=", 1)[0], *spec.split("=", 1)[1].split(",")
        if not os.path.exists(res_path):
            continue
        res = json.load(open(res_path))
        counts, emf = scan_stdout(stdout_path)
        all_counts.update(counts)
        for ph in res["phases"]:
            ids = ph.pop("log_ids")
            gw = [emf[i]["Latency"] for i in ids if i in emf and "Latency" in emf[i]]
            up = [emf[i]["UpstreamLatency"] for i in ids if i in emf and "UpstreamLatency" in emf[i]]
            ph["log_ids_returned"] = len(ids)
            ph["emf_matched"] = len(gw)
            ph["gateway_latency_p50_ms"] = pct(gw, 50)
            ph["gateway_latency_p99_ms"] = pct(gw, 99)
            ph["upstream_latency_p50_ms"] = pct(up, 50)
        res["stdout"] = dict(counts)
        if name != "floor":  # the floor writes no records: only the gateway's requests are owed a log
            total_answered += res["requests_answered"]
            total_proxied += res["proxied_requests"]
        results["transports"][name] = res
    ingest = json.load(open(a.ingest)) if a.ingest and os.path.exists(a.ingest) else {"status": "not run"}
    ingest["requests_answered"] = total_answered
    ingest["proxied_requests"] = total_proxied
    ingest["record_lines"] = {"log": all_counts.get("record_log", 0), "body": all_counts.get("record_body", 0)}
    results["ingest"] = ingest
    with open(a.out + ".tmp", "w") as f:
        json.dump(results, f, indent=1)
    os.replace(a.out + ".tmp", a.out)
    print_table(results)


def fmt(x, nd=1):
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{nd}f}"
    return str(x)


def print_table(res):
    cap = res["cpu_cap"]
    p = print
    p(f"## Gateway on the Lambda runtime: {res['date']}")
    p("")
    p(f"Machine: {res['machine']['nproc']} x {res['machine']['cpu_model']}; {res['software']['java']}; "
      f"RIC {res['software']['ric']}; stub {res['method']['stub']}; DynamoDB: moto_server behind a counting proxy.")
    p(f"CPU cap: {cap['summary']}")
    fr = [ph["foreign_cpu_pct"] for t in res["transports"].values() for ph in t["phases"]
          if ph["n"] > 1 and ph.get("foreign_cpu_pct") is not None]
    busy = res["method"].get("machine_busy_pct_before_measuring")
    p(f"Machine load: {busy}% busy before measuring; other processes took {fmt(min(fr) if fr else None, 0)}-"
      f"{fmt(max(fr) if fr else None, 0)}% of the machine during the phases"
      + (" (figures are noisy: other work shared these cores)" if fr and max(fr) > 15 else ""))
    p(f"Warm requests: plain n={res['method']['n']} after {res['method']['warmup']} warm-up; other kinds "
      f"n={res['method']['kind_n']} after {res['method']['kind_warmup']} warm-up each; all sequential (one at a time).")
    p("")
    labels = {"floor": "Floor (RIC, minimal Java proxy)", "lambda": "Lambda (buffered, RIC)",
              "server": "Streaming (ServerMain)"}
    p("| transport | init ms | first request ms | init CPU s | RSS MB after init / end / peak | threads |")
    p("|---|---:|---:|---:|---|---:|")
    for name, t in res["transports"].items():
        m = t["rss_mb"]
        p(f"| {labels.get(name, name)} | {fmt(t['init_ms'], 0)} | {fmt(t['first_ms'], 1)} | {fmt(t['init_cpu_s'], 2)} "
          f"| {fmt(m['after_init'], 0)} / {fmt(m['end'], 0)} / {fmt(m['peak_hwm'], 0)} | {t['threads_at_end']} |")
    p("")
    p("| transport | kind | n | p50 ms | p99 ms | direct stub p50 / p99 ms | added p50 / p99 ms | gateway's own Latency p50 ms (EMF) | JVM CPU ms/req | DynamoDB calls/req | by operation (per request) | moto ms/call | foreign CPU % | status |")
    p("|---|---|---:|---:|---:|---|---|---:|---:|---:|---|---|---:|---|")
    show = ("first", "plain", "cache-fill", "cache-hit", "cache-miss", "admin-put", "rl-first", "rate-limited")
    for name, t in res["transports"].items():
        for ph in t["phases"]:
            if ph["phase"] not in show:
                continue
            ops = ", ".join(f"{op} {v}" for op, v in ph["ddb_by_op_per_req"].items()) or "none"
            ms = ", ".join(f"{op} {v}" for op, v in ph["ddb_mean_ms_by_op"].items()) or "-"
            direct = f"{fmt(ph['direct_p50_ms'], 2)} / {fmt(ph['direct_p99_ms'], 2)}" if ph["direct_p50_ms"] else "-"
            added = f"{fmt(ph['added_p50_ms'], 2)} / {fmt(ph['added_p99_ms'], 2)}" if ph["added_p50_ms"] is not None else "-"
            st = ", ".join(f"{k}x{v}" for k, v in ph["statuses"].items())
            if ph["cache_status"]:
                st += " (" + ", ".join(f"{k}x{v}" for k, v in ph["cache_status"].items()) + ")"
            if not ph["ok"]:
                st += " UNEXPECTED"
            if not ph["ddb_drained"]:
                st += " (store writes still running when counted)"
            p(f"| {name} | {ph['phase']} | {ph['n']} | {fmt(ph['p50_ms'], 2)} | {fmt(ph['p99_ms'], 2)} | {direct} | {added} "
              f"| {fmt(ph['gateway_latency_p50_ms'], 0)} | {fmt(ph['cpu_ms_per_req'], 2)} | {fmt(ph['ddb_calls_per_req'], 2)} "
              f"| {ops} | {ms} | {fmt(ph['foreign_cpu_pct'], 0)} | {st} |")
    p("")
    plain = {n: next((ph for ph in t["phases"] if ph["phase"] == "plain"), None) for n, t in res["transports"].items()}
    if plain.get("floor") and plain.get("lambda"):
        f, l = plain["floor"], plain["lambda"]
        p(f"Gateway's own cost on the Lambda runtime (plain, lambda minus floor): p50 "
          f"{fmt(l['p50_ms'] - f['p50_ms'], 2)} ms, p99 {fmt(l['p99_ms'] - f['p99_ms'], 2)} ms; JVM CPU "
          f"{fmt(l['cpu_ms_per_req'] - f['cpu_ms_per_req'], 2)} ms/req. The floor's own added over the direct call "
          f"({fmt(f['added_p50_ms'], 2)} / {fmt(f['added_p99_ms'], 2)} ms) is the runtime interface client, the "
          f"emulator and a Java HTTP call, which any Java function pays.")
        p("")
    p("Latency: Lambda = from the event handed out on /next to the /response body received (runtime API emulator); "
      "streaming = HTTP request to last body byte. direct = the same body POSTed straight to the stub, interleaved "
      "with the measured requests; added = gateway minus direct at the same percentile. 'gateway's own Latency' is "
      "the Latency the gateway reports in its EMF document (matched by cf-aig-log-id). CPU = utime+stime of the "
      "JVM over the phase (including background work until the store calls stopped), / n; /proc tick = "
      f"{1000 // CLK} ms. foreign CPU = share of the machine's CPU (user+system) taken by processes other than "
      "the JVM, moto, the proxies, the stub and the driver during the phase. moto ms/call = mean time moto took per call as seen by the proxy (moto stands in for "
      "DynamoDB; its speed is not DynamoDB's).")
    for name, t in res["transports"].items():
        s = t.get("stdout", {})
        p(f"- {name} stdout: {s.get('lines', 0)} lines, {s.get('record_log', 0)} \"aigw\":\"log\" records, "
          f"{s.get('record_body', 0)} \"aigw\":\"body\" records, {s.get('emf', 0)} EMF documents; "
          f"{t['requests_answered']} requests answered ({t['proxied_requests']} proxy requests, the rest admin)")
        thr = [(ph["phase"], ph.get("cgroup")) for ph in t["phases"] if ph.get("cgroup")]
        if thr:
            bits = []
            for ph_name, c in thr:
                if ph_name in ("plain", "cache-hit", "cache-miss", "rate-limited"):
                    bits.append(f"{ph_name} {c.get('nr_throttled', 0)}/{c.get('nr_periods', 0)}")
            p(f"  CPU-cap throttled periods / active periods: " + ", ".join(bits))
        for ph in t["phases"]:
            if ph["phase"] == "plain" and ph.get("jvm_cpu_pct_by_thread_group"):
                p("  JVM CPU by thread (plain, % of the JVM's): " + ", ".join(
                    f"{k} {v}" for k, v in list(ph["jvm_cpu_pct_by_thread_group"].items())[:6]))
    ing = res["ingest"]
    if ing.get("status") == "skipped":
        p(f"- ingest: skipped ({ing.get('reason', 'ReplayMain not built')})")
    elif ing.get("status") == "ok":
        out = ing.get("output", {})
        rest = ", ".join(f"{k} {json.dumps(v)}" for k, v in out.items() if k != "logs_stored")
        p(f"- ingest (ReplayMain): logs stored {out.get('logs_stored', 'n/a')} vs {ing['proxied_requests']} proxy "
          f"requests answered ({ing['requests_answered']} answered in all, record lines: "
          f"{ing['record_lines']['log']} log / {ing['record_lines']['body']} body); {rest}; DynamoDB calls seen "
          f"by the proxy: {json.dumps(ing.get('ddb_calls', {}))}; {ing.get('seconds', 'n/a')} s")
    else:
        p(f"- ingest: {ing.get('status')} {ing.get('reason', '')}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    ct = sub.add_parser("create-table")
    ct.add_argument("--ddb-port", type=int, required=True)
    ct.add_argument("--table", required=True)
    rn = sub.add_parser("run")
    rn.add_argument("--transport", choices=["floor", "lambda", "server"], required=True)
    rn.add_argument("--pid", type=int, required=True)
    rn.add_argument("--t0-ns", type=int, required=True)
    rn.add_argument("--rapi-port", type=int)
    rn.add_argument("--port", type=int)
    rn.add_argument("--ddb-port", type=int, required=True)
    rn.add_argument("--stub-port", type=int, required=True)
    rn.add_argument("--event", required=True)
    rn.add_argument("--cgroup", default="")
    rn.add_argument("--n", type=int, default=300)
    rn.add_argument("--warmup", type=int, default=100)
    rn.add_argument("--kind-n", type=int, default=100)
    rn.add_argument("--kind-warmup", type=int, default=20)
    rn.add_argument("--init-timeout", type=float, default=120)
    rn.add_argument("--own-pids", default="", help="the benchmark's other processes (moto, proxy, ...)")
    rn.add_argument("--out", required=True)
    rp = sub.add_parser("report")
    rp.add_argument("--meta", required=True)
    rp.add_argument("--transport", action="append", default=[], help="name=results.json,stdout.log")
    rp.add_argument("--ingest")
    rp.add_argument("--out", required=True)
    a = ap.parse_args()
    {"create-table": cmd_create_table, "run": cmd_run, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    main()
