"""A server that refuses every parameter in turn: adapted a few times, then one clear error, never a traceback."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from seval.client.core import MAX_ADAPTATIONS_PER_CALL, LLMClient, RetryPolicy
from seval.client.endpoints import Endpoint
from seval.errors import BadRequestError

EXTRA = {f"p{i}": i for i in range(MAX_ADAPTATIONS_PER_CALL + 1)}


class RefusingHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        refused = next((name for name in EXTRA if name in body), None)
        status, payload = (
            (
                400,
                {
                    "error": {
                        "message": f"Unsupported parameter: '{refused}' is not supported with this model.",
                        "type": "invalid_request_error",
                        "param": refused,
                        "code": "unsupported_parameter",
                    }
                },
            )
            if refused
            else (
                200,
                {"choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}]},
            )
        )
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_more_refused_parameters_than_the_cap_end_in_one_bad_request_error():
    server = ThreadingHTTPServer(("127.0.0.1", 0), RefusingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = Endpoint(
            role="answering",
            base_url=f"http://127.0.0.1:{server.server_address[1]}/v1",
            model="m",
            extra_body=dict(EXTRA),
        )
        client = LLMClient(RetryPolicy(max_retries=0, backoff_s=0, timeout_s=30))
        with pytest.raises(BadRequestError, match="refused 9 parameters of one request in turn"):
            client.chat(endpoint, [{"role": "user", "content": "hi"}], 0.5, 10)
    finally:
        server.shutdown()
        server.server_close()
