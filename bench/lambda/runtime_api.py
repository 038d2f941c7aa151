#!/usr/bin/env python3
"""A Lambda Runtime API emulator for bench/lambda.sh (Python 3 stdlib only).

The real runtime interface client (RIC) talks to it exactly as it talks to Lambda's runtime API:

  GET  /2018-06-01/runtime/invocation/next            long poll; answers the next event with the headers
                                                      Lambda-Runtime-Aws-Request-Id, -Deadline-Ms,
                                                      -Invoked-Function-Arn, -Trace-Id
  POST /2018-06-01/runtime/invocation/{id}/response   the function's answer (202; 413 above 6 MB, as Lambda)
  POST /2018-06-01/runtime/invocation/{id}/error      a function error (202)
  POST /2018-06-01/runtime/init/error                 an init error (202)

and the benchmark driver plays Lambda's frontend through two paths outside the runtime API:

  POST /bench/invoke   body = the event; blocks until the function answered (or the deadline passed) and returns
                       the function's payload as the body, with X-Bench-Status (ok | error | timeout) and
                       X-Bench-Latency-Ns = time from the moment the event was handed out (the /next answer
                       flushed to the socket) to the moment the /response body was fully received
  GET  /bench/state    JSON: first /next time (epoch ns), invocation counts, init errors
  POST /bench/reset    forgets the first /next time and the init errors (a new function process starts)

Usage: runtime_api.py PORT FUNCTION_NAME [TIMEOUT_SECONDS]. Listens on 127.0.0.1 only.
"""
import http.server
import json
import queue
import select
import socket
import sys
import threading
import time
import uuid

MAX_RESPONSE = 6_291_556  # Lambda's synchronous response payload limit (bytes)
PREFIX = "/2018-06-01/runtime"


class Invocation:
    def __init__(self, event: bytes):
        self.id = str(uuid.uuid4())
        self.event = event
        self.done = threading.Event()
        self.status = None
        self.payload = b""
        self.handout_ns = 0
        self.received_ns = 0


class State:
    def __init__(self, function_name: str, timeout_s: int):
        self.function_name = function_name
        self.timeout_s = timeout_s
        self.arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.inbox: "queue.Queue[Invocation]" = queue.Queue()
        self.pending: dict = {}
        self.lock = threading.Lock()
        self.first_next_ns = None
        self.next_calls = 0
        self.responses = 0
        self.errors = 0
        self.init_errors = []
        self.stopping = False


STATE: State


def read_body(handler) -> bytes:
    if handler.headers.get("transfer-encoding", "").lower() == "chunked":
        out = bytearray()
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(out)
            out += handler.rfile.read(size)
            handler.rfile.readline()
    length = int(handler.headers.get("content-length") or 0)
    return handler.rfile.read(length) if length else b""


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lambda-runtime-api-emulator"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def peer_gone(self):
        """True when the runtime closed this connection (readable with nothing to read)."""
        r, _, _ = select.select([self.connection], [], [], 0)
        if not r:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def reply(self, status, body=b"", headers=None, content_type="application/json"):
        """Status line, headers and body in one write (no Nagle/delayed-ACK stall between them)."""
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self._headers_buffer.append(b"\r\n" + body)
        self.flush_headers()

    def do_GET(self):
        if self.path == f"{PREFIX}/invocation/next":
            self.next_invocation()
        elif self.path == "/bench/state":
            s = STATE
            self.reply(200, json.dumps({
                "first_next_ns": s.first_next_ns, "next_calls": s.next_calls, "responses": s.responses,
                "errors": s.errors, "init_errors": s.init_errors, "pending": len(s.pending)}).encode())
        else:
            self.reply(404, b'{"errorType":"NotFound","errorMessage":"unknown path"}')

    def next_invocation(self):
        s = STATE
        with s.lock:
            if s.first_next_ns is None:
                s.first_next_ns = time.time_ns()
            s.next_calls += 1
        while True:  # long poll, as Lambda: the runtime waits here between invocations
            try:
                inv = s.inbox.get(timeout=0.5)
            except queue.Empty:
                if s.stopping or self.peer_gone():
                    self.close_connection = True
                    return
                continue
            if self.peer_gone():  # a runtime that died while polling must not swallow an event
                s.inbox.put(inv)
                self.close_connection = True
                return
            break
        deadline_ms = int(time.time() * 1000) + s.timeout_s * 1000
        trace = f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"
        self.reply(200, inv.event, {"Lambda-Runtime-Aws-Request-Id": inv.id,
                                    "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                                    "Lambda-Runtime-Invoked-Function-Arn": s.arn,
                                    "Lambda-Runtime-Trace-Id": trace})
        inv.handout_ns = time.perf_counter_ns()

    def do_POST(self):
        s = STATE
        path = self.path
        if path == "/bench/invoke":
            self.invoke()
            return
        if path == "/bench/reset":  # before each function process starts: its init is timed from its own first /next
            read_body(self)
            with s.lock:
                s.first_next_ns = None
                s.init_errors = []
            self.reply(200, b'{"status":"OK"}')
            return
        if path == f"{PREFIX}/init/error":
            body = read_body(self)
            s.init_errors.append({"type": self.headers.get("Lambda-Runtime-Function-Error-Type"),
                                  "body": body.decode("utf-8", "replace")[:4000]})
            self.reply(202, b'{"status":"OK"}')
            return
        if path.startswith(f"{PREFIX}/invocation/"):
            rest = path[len(PREFIX) + len("/invocation/"):]
            req_id, _, kind = rest.partition("/")
            body = read_body(self)
            received = time.perf_counter_ns()
            with s.lock:
                inv = s.pending.get(req_id)
            if inv is None or kind not in ("response", "error"):
                self.reply(400, b'{"errorType":"InvalidRequestID","errorMessage":"unknown request id"}')
                return
            if kind == "response" and len(body) > MAX_RESPONSE:
                inv.status = "error"
                inv.payload = b'{"errorType":"Function.ResponseSizeTooLarge"}'
                self.reply(413, b'{"errorType":"RequestEntityTooLarge","errorMessage":"response too large"}')
            else:
                inv.status = "ok" if kind == "response" else "error"
                inv.payload = body
                self.reply(202, b'{"status":"OK"}')
            inv.received_ns = received
            with s.lock:
                if inv.status == "ok":
                    s.responses += 1
                else:
                    s.errors += 1
            inv.done.set()
            return
        self.reply(404, b'{"errorType":"NotFound","errorMessage":"unknown path"}')

    def invoke(self):
        s = STATE
        inv = Invocation(read_body(self))
        with s.lock:
            s.pending[inv.id] = inv
        s.inbox.put(inv)
        finished = inv.done.wait(s.timeout_s + 1)
        with s.lock:
            s.pending.pop(inv.id, None)
        if not finished:
            self.reply(504, b"", {"X-Bench-Status": "timeout", "X-Bench-Latency-Ns": "-1",
                                  "X-Bench-Request-Id": inv.id})
            return
        self.reply(200, inv.payload, {"X-Bench-Status": inv.status,
                                      "X-Bench-Latency-Ns": str(inv.received_ns - inv.handout_ns),
                                      "X-Bench-Request-Id": inv.id})


def main():
    global STATE
    port = int(sys.argv[1])
    STATE = State(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 30)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        STATE.stopping = True
        server.server_close()


if __name__ == "__main__":
    main()
