#!/usr/bin/env python3
"""Closed-loop HTTP/1.1 load on one URL that records the cf-aig-log-id of every answered request.

    python3 load.py --url http://127.0.0.1:8787/v1/dur/default/openai/chat/completions \
        --concurrency 16 --max-seconds 60 --out answered.tsv [--rate 200] [--body-file body.json] [--header 'name: value']

Each of --concurrency workers keeps one keep-alive connection and sends POSTs back to back. A request counts as
answered when its whole response (status line, headers, body) arrived; its line in --out is
"<epoch ms when answered> <status> <cf-aig-log-id or ->". Connection failures (the gateway killed, refusing
connections while it restarts) are counted by kind and retried after a short pause on a new connection.
With --rate R the workers together start at most R requests per second (evenly spaced); without it, as fast as
the answers come.

Stops after --max-seconds, or earlier on SIGTERM/SIGINT (finishing the requests in flight, at most
--request-timeout s each). Prints one JSON summary line on stdout. Standard library only; loopback only.
"""
import argparse
import asyncio
import json
import signal
import sys
import time
from urllib.parse import urlsplit


class Stats:
    def __init__(self):
        self.sent = 0
        self.answered = 0
        self.by_status = {}
        self.errors = {}
        self.no_log_id = 0

    def error(self, kind):
        self.errors[kind] = self.errors.get(kind, 0) + 1


async def read_response(reader):
    """Reads one HTTP/1.1 response; returns (status, headers dict lower-cased, keep_alive)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        n = int(headers["content-length"])
        if n:
            await reader.readexactly(n)
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                # trailers until an empty line
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                break
            await reader.readexactly(size + 2)
    elif status not in (204, 304):
        await reader.read()  # until close
        return status, headers, False
    keep_alive = headers.get("connection", "").lower() != "close"
    return status, headers, keep_alive


class Pacer:
    """Start times R per second apart, shared by all workers (None: no pacing)."""

    def __init__(self, rate):
        self.gap = 1.0 / rate if rate else None
        self.next = time.monotonic()

    async def wait(self, stop):
        if self.gap is None:
            return
        now = time.monotonic()
        slot = max(now, self.next)
        self.next = slot + self.gap
        if slot > now:
            await pause(stop, slot - now)


async def worker(args, host, port, request, stats, stop, out, pacer):
    reader = writer = None
    while not stop.is_set():
        await pacer.wait(stop)
        if stop.is_set():
            break
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), args.request_timeout)
            stats.sent += 1
            writer.write(request)
            status, headers, keep_alive = await asyncio.wait_for(read_response(reader), args.request_timeout)
        except (ConnectionRefusedError,) as e:
            stats.error("connect_refused")
            writer = await close(writer)
            await pause(stop, 0.05)
            continue
        except asyncio.TimeoutError:
            stats.error("timeout")
            writer = await close(writer)
            continue
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError, ConnectionAbortedError) as e:
            stats.error("connection_lost")  # the gateway went away in the middle of this request
            writer = await close(writer)
            await pause(stop, 0.05)
            continue
        except OSError as e:
            stats.error("os_error:" + type(e).__name__)
            writer = await close(writer)
            await pause(stop, 0.05)
            continue
        except (ValueError, IndexError) as e:
            stats.error("bad_response")
            writer = await close(writer)
            continue
        now_ms = int(time.time() * 1000)
        log_id = headers.get("cf-aig-log-id") or "-"
        if log_id == "-":
            stats.no_log_id += 1
        stats.answered += 1
        stats.by_status[status] = stats.by_status.get(status, 0) + 1
        out.append(f"{now_ms} {status} {log_id}\n")
        if not keep_alive:
            writer = await close(writer)
    await close(writer)


async def close(writer):
    if writer is not None:
        try:
            writer.close()
        except Exception:
            pass
    return None


async def pause(stop, seconds):
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except asyncio.TimeoutError:
        pass


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--max-seconds", type=float, default=60)
    p.add_argument("--request-timeout", type=float, default=10)
    p.add_argument("--rate", type=float, default=0, help="requests started per second, all workers together (0: unpaced)")
    p.add_argument("--body-file")
    p.add_argument("--header", action="append", default=[])
    p.add_argument("--out", required=True)
    args = p.parse_args()

    url = urlsplit(args.url)
    host, port = url.hostname, url.port or 80
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("load.py: loopback targets only")
    body = open(args.body_file, "rb").read() if args.body_file else b"{}"
    path = url.path + (("?" + url.query) if url.query else "")
    head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/json",
            "Authorization: Bearer sk-durability", f"Content-Length: {len(body)}"] + args.header
    request = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body

    stats = Stats()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    out = []
    started = time.time()
    pacer = Pacer(args.rate)
    tasks = [asyncio.create_task(worker(args, host, port, request, stats, stop, out, pacer))
             for _ in range(args.concurrency)]
    flushed = 0
    with open(args.out, "w") as f:
        while not stop.is_set() and time.time() - started < args.max_seconds:
            await pause(stop, 0.5)
            f.writelines(out[flushed:])
            flushed = len(out)
            f.flush()
        stop.set()
        await asyncio.wait(tasks, timeout=args.request_timeout + 5)
        f.writelines(out[flushed:])
    elapsed = time.time() - started
    print(json.dumps({"seconds": round(elapsed, 2), "concurrency": args.concurrency, "rate_limit": args.rate or None,
                      "sent": stats.sent,
                      "answered": stats.answered, "answered_per_s": round(stats.answered / elapsed, 1),
                      "by_status": {str(k): v for k, v in sorted(stats.by_status.items())},
                      "answered_without_log_id": stats.no_log_id, "errors": stats.errors}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
