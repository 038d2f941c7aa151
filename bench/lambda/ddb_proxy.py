#!/usr/bin/env python3
"""A counting HTTP proxy in front of moto_server for bench/lambda.sh (Python 3 stdlib only).

Every request is forwarded unchanged to the upstream (moto) over a kept-alive connection per client connection,
and counted by its X-Amz-Target header (DynamoDB_20120810.PutItem, ...; requests without one by method + path),
with the time moto took. The benchmark reads the counters between phases:

  GET /__bench/counts   JSON {"ops": {target: {"n": calls, "ms": total upstream ms}}, "last_ns": epoch ns of the
                        last proxied request, "total": calls}

Usage: ddb_proxy.py LISTEN_PORT UPSTREAM_PORT. Listens on 127.0.0.1 only.
"""
import http.client
import http.server
import json
import socket
import sys
import threading
import time

HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade",
       "content-length"}
UPSTREAM_PORT = 0
LOCK = threading.Lock()
OPS: dict = {}
LAST = [0, 0]  # last request epoch ns, total


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        # no Nagle: a response goes out in one write, but the client's next request must not wait for an ACK
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.upstream = None

    def send_all(self, status, headers, body):
        """Status line, headers and body in one write (no 40 ms Nagle/delayed-ACK stall)."""
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("content-length", str(len(body)))
        self._headers_buffer.append(b"\r\n" + body)
        self.flush_headers()

    def finish(self):
        super().finish()
        if self.upstream is not None:
            self.upstream.close()

    def do_GET(self):
        if self.path == "/__bench/counts":
            with LOCK:
                body = json.dumps({"ops": OPS, "last_ns": LAST[0], "total": LAST[1]}).encode()
            self.send_all(200, [("content-type", "application/json")], body)
            return
        self.forward()

    def do_POST(self):
        self.forward()

    def do_PUT(self):
        self.forward()

    def do_DELETE(self):
        self.forward()

    def read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("content-length") or 0)
        return self.rfile.read(n) if n else b""

    def forward(self):
        body = self.read_body()
        target = self.headers.get("x-amz-target") or f"{self.command} {self.path.split('?')[0]}"
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        headers["content-length"] = str(len(body))
        started = time.perf_counter()
        resp = None
        for attempt in (1, 2):  # one retry on a stale kept-alive upstream connection
            try:
                if self.upstream is None:
                    self.upstream = http.client.HTTPConnection("127.0.0.1", UPSTREAM_PORT, timeout=30)
                self.upstream.request(self.command, self.path, body=body, headers=headers)
                resp = self.upstream.getresponse()
                data = resp.read()
                break
            except (http.client.HTTPException, OSError):
                if self.upstream is not None:
                    self.upstream.close()
                self.upstream = None
                if attempt == 2:
                    self.send_all(502, [], b"")
                    return
        elapsed_ms = (time.perf_counter() - started) * 1000
        with LOCK:
            op = OPS.setdefault(target, {"n": 0, "ms": 0.0})
            op["n"] += 1
            op["ms"] = round(op["ms"] + elapsed_ms, 3)
            LAST[0] = time.time_ns()
            LAST[1] += 1
        self.send_all(resp.status, [(k, v) for k, v in resp.getheaders()
                                    if k.lower() not in HOP and k.lower() not in ("server", "date")], data)


def main():
    global UPSTREAM_PORT
    port = int(sys.argv[1])
    UPSTREAM_PORT = int(sys.argv[2])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
