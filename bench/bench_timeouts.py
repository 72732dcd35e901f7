#!/usr/bin/env python3
"""Benchmark: how much of a one-request-at-a-time server's work is thrown away by read timeouts (prints figures).

The server works like llama.cpp's with one slot: requests queue in arrival order, each takes
``--work`` seconds of the server's time, and a request whose client has given up is still worked
on (nothing tells the server). The client sends ``--calls`` chat requests with ``--concurrency``
allowed in flight and a ``--timeout`` that fits only a few queued requests: every request beyond
those times out, is sent again, and the server works on both copies.

Figures per trial: requests the server worked on, replies the client used (one per call), the
share of the server's work thrown away (1 - used / worked), calls that failed for good, retries,
and the wall time. Lower waste is better; the bound printed is the target of issue 11
(no more than WASTE_TARGET of the server's work thrown away).

The server is built here, not taken from ``seval.sim``, so the same script measures an older
checkout of the client: ``--code PATH`` puts PATH first on ``sys.path`` (a ``git worktree`` of an
earlier commit), which is how the "before" figures in DESIGN.md were taken.

    python bench/bench_timeouts.py [--calls 48] [--concurrency 8] [--work 0.1] [--timeout 0.45] [--trials 3]
    python bench/bench_timeouts.py --code /tmp/before        # the same against an older client
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from statistics import fmean

ROOT = Path(__file__).resolve().parents[1]
WASTE_TARGET = 0.10


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:
        pass  # clients that gave up reset their connections: expected here, not worth a traceback


class SerialServer:
    """Chat endpoint answering one request at a time, in arrival order, ``work`` seconds each."""

    def __init__(self, work: float):
        self.work = work
        self.worked = 0
        self._cond = threading.Condition()
        self._next_ticket = 0
        self._serving = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                outer.serve_in_turn()
                data = json.dumps(
                    {
                        "choices": [
                            {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
                        ],
                        "model": body.get("model"),
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    }
                ).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up on this one long ago
                    self.close_connection = True

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def serve_in_turn(self) -> None:
        with self._cond:
            ticket = self._next_ticket
            self._next_ticket += 1
            while self._serving != ticket:
                self._cond.wait()
        time.sleep(self.work)  # the server's work on this request, whether or not its client still waits
        with self._cond:
            self.worked += 1
            self._serving += 1
            self._cond.notify_all()

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def drain(self) -> None:
        """Wait until every queued request has been worked on (so the next trial starts on an idle server)."""
        with self._cond:
            while self._serving != self._next_ticket:
                self._cond.wait(1)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def trial(args: argparse.Namespace) -> dict:
    from seval.client.core import LLMClient, RetryPolicy
    from seval.client.endpoints import Endpoint
    from seval.errors import EndpointError

    server = SerialServer(args.work)
    client = LLMClient(
        RetryPolicy(max_retries=args.retries, backoff_s=args.backoff, timeout_s=args.timeout),
        concurrency=args.concurrency,
    )
    # The client's base-URL conventions changed (a path of its own vs. "/v1" added by the client); the
    # server answers any path ending in /chat/completions, so the root works for both.
    endpoint = Endpoint(role="answering", base_url=server.root_url, model="serial")

    def one(index: int) -> bool:
        """Whether call ``index`` got its reply (a counter shared by the threads would lose updates)."""
        try:
            client.chat(endpoint, [{"role": "user", "content": f"question {index}"}], 0.0, 16)
        except EndpointError:
            return False
        return True

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.concurrency * 2) as pool:
        failed = sum(not replied for replied in pool.map(one, range(args.calls)))
    wall = time.monotonic() - started
    server.drain()
    server.close()
    used = args.calls - failed
    return {
        "worked": server.worked,
        "used": used,
        "waste": 1 - used / server.worked if server.worked else 0.0,
        "failed": failed,
        "retries": client.stats["answering"].retries,
        "wall": wall,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=48)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--work", type=float, default=0.1, help="server seconds per request")
    parser.add_argument("--timeout", type=float, default=0.45, help="the client's --timeout")
    parser.add_argument("--retries", type=int, default=8)
    parser.add_argument("--backoff", type=float, default=0.05)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose seval package is measured")
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    import seval.client.core as core

    print(f"client: {Path(core.__file__).resolve().parents[2]}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(
        f"{args.calls} calls, --concurrency {args.concurrency}, server work {args.work} s per request one at a "
        f"time, --timeout {args.timeout} s, --max-retries {args.retries}, --retry-backoff {args.backoff}"
    )
    results = []
    for number in range(1, args.trials + 1):
        found = trial(args)
        results.append(found)
        print(
            f"  trial {number}: server worked on {found['worked']} requests for {found['used']} replies used: "
            f"{found['waste']:.0%} of its work thrown away; {found['retries']} retries, {found['failed']} calls "
            f"failed for good; wall {found['wall']:.2f} s"
        )
    waste = fmean(found["waste"] for found in results)
    best_wall = args.calls * args.work
    print(
        f"mean waste {waste:.1%} (target <= {WASTE_TARGET:.0%}: {'met' if waste <= WASTE_TARGET else 'missed'}); "
        f"mean wall {fmean(found['wall'] for found in results):.2f} s against {best_wall:.2f} s of server work "
        f"for the calls alone; failed calls {sum(found['failed'] for found in results)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
