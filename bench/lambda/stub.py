#!/usr/bin/env python3
"""Fallback stub upstream for bench/lambda.sh when nginx is not available (Python 3 stdlib only).

POST /v1/chat/completions answers the same chat completion (with usage) as bench/run.sh's nginx stub; anything else
is a 404 in OpenAI's error shape. Usage: stub.py PORT. Listens on 127.0.0.1 only. Slower and noisier than nginx;
bench/lambda.sh records which stub it used.
"""
import http.server
import socket
import sys

COMPLETION = (b'{"id":"chatcmpl-BenchStub0000000000000001","object":"chat.completion","created":1741569952,'
              b'"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":'
              b'"Hello! The capital of France is Paris. It is known for the Eiffel Tower, the Louvre and its cafes. '
              b'Is there anything else you would like to know?","refusal":null,"annotations":[]},"logprobs":null,'
              b'"finish_reason":"stop"}],"usage":{"prompt_tokens":24,"completion_tokens":33,"total_tokens":57,'
              b'"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":'
              b'{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},'
              b'"service_tier":"default","system_fingerprint":"fp_06737a9306"}')
NOT_FOUND = b'{"error":{"message":"stub: unknown path","type":"invalid_request_error"}}'


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("content-length") or 0)
        if n:
            self.rfile.read(n)
        body = COMPLETION if self.path.split("?")[0] == "/v1/chat/completions" else NOT_FOUND
        self.send_response(200 if body is COMPLETION else 404)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self._headers_buffer.append(b"\r\n" + body)  # headers and body in one write
        self.flush_headers()

    do_GET = do_POST


if __name__ == "__main__":
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    server.serve_forever(poll_interval=0.2)
