#!/usr/bin/env python3
"""Stub OpenAI upstream for bench/durability when nginx is not installed: POST /v1/chat/completions answers a fixed
chat completion (keep-alive, HTTP/1.1). Loopback only.   python3 stub.py --port 9000"""
import argparse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMPLETION = (b'{"id":"chatcmpl-DurabilityStub000000001","object":"chat.completion","created":1741569952,'
              b'"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant",'
              b'"content":"The capital of France is Paris.","refusal":null},"logprobs":null,"finish_reason":"stop"}],'
              b'"usage":{"prompt_tokens":24,"completion_tokens":8,"total_tokens":32},"system_fingerprint":"fp_dur"}')


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        n = int(self.headers.get("content-length") or 0)
        if n:
            self.rfile.read(n)
        if self.path != "/v1/chat/completions":
            body, status = b'{"error":{"message":"stub: unknown path"}}', 404
        else:
            body, status = COMPLETION, 200
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    server = ThreadingHTTPServer(("127.0.0.1", p.parse_args().port), Handler)
    server.daemon_threads = True
    server.serve_forever()
