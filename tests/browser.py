"""Headless Chromium driven over the DevTools protocol on a pipe: real clicks and keystrokes, no driver.

Chromium's ``--remote-debugging-pipe`` reads protocol commands from file descriptor 3 and writes
replies and events to descriptor 4, each message a JSON object ended by a NUL byte. That is all a
test needs to open a page, click, type, read the DOM and take a screenshot, with the standard
library alone (no Selenium, no chromedriver, no websocket client). ``bench/bench_viewer.py`` drives
the browser the same way to time the viewer.

The machine's network is closed, so the flags turn off everything Chromium would fetch on its own
(without them it stalls on start-up).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",  # root in containers and CI
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--remote-debugging-pipe",
)
TIMEOUT_S = 60.0
HIGH_FD = 10
TRAMPOLINE = (
    "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); os.execv(sys.argv[3], sys.argv[3:])"
)
# Collects what the page must never do, installed before any script of the page runs:
# CSP violations (a blocked script, handler or request) and uncaught errors.
WATCH = """
window.__violations = [];
window.__errors = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
window.addEventListener('error', (e) => window.__errors.push(String(e.message)));
"""


def find_chromium() -> str | None:
    """The Chromium binary: ``$CHROMIUM`` if set, else the first of the usual names on PATH."""
    named = os.environ.get("CHROMIUM")
    if named:
        return named if shutil.which(named) else None
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


class BrowserError(Exception):
    """Chromium answered a command with an error, or did not answer in time."""


class Browser:
    """One headless Chromium process; ``open`` gives a ``Page``. Use as a context manager."""

    def __init__(self, binary: str, width: int = 1280, height: int = 900):
        self.width, self.height = width, height
        self._profile = tempfile.mkdtemp(prefix="seval-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Chromium wants the pipe on descriptors 3 and 4. A small Python trampoline puts it there and becomes
        # Chromium; the ends are first moved to 10 and up so that neither can sit on 3 or 4 already.
        ends = [fcntl.fcntl(fd, fcntl.F_DUPFD, HIGH_FD) for fd in (to_chrome_r, from_chrome_w)]
        for fd in (to_chrome_r, from_chrome_w):
            os.close(fd)
        to_chrome_r, from_chrome_w = ends
        args = [binary, *FLAGS, f"--user-data-dir={self._profile}", f"--window-size={width},{height}", "about:blank"]
        self.process = subprocess.Popen(
            [sys.executable, "-c", TRAMPOLINE, str(to_chrome_r), str(from_chrome_w), *args],
            pass_fds=(to_chrome_r, from_chrome_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next_id = 0
        self._replies: dict[int, dict] = {}
        self._events: list[dict] = []
        self._changed = threading.Condition()
        self._closed = False
        self._write_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except (BrowserError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_chrome,):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self._profile, ignore_errors=True)

    # -- the protocol --------------------------------------------------------------------------
    def _read(self) -> None:
        buffer = b""
        with os.fdopen(self._from_chrome, "rb", buffering=0) as stream:
            while True:
                chunk = stream.read(1 << 16)
                if not chunk:
                    break
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                with self._changed:
                    for raw in messages:
                        message = json.loads(raw)
                        if "id" in message:
                            self._replies[message["id"]] = message
                        else:
                            self._events.append(message)
                    self._changed.notify_all()
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = TIMEOUT_S):
        """Send one command and wait for its result."""
        with self._changed:
            self._next_id += 1
            number = self._next_id
        message = {"id": number, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        with self._write_lock:
            os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        with self._changed:
            if not self._changed.wait_for(lambda: number in self._replies or self._closed, timeout):
                raise BrowserError(f"{method}: no reply in {timeout} s")
            reply = self._replies.pop(number, None)
        if reply is None:
            raise BrowserError(f"{method}: Chromium closed the pipe")
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method: str, session: str | None, since: int, timeout: float = TIMEOUT_S) -> dict:
        """The first event ``method`` of ``session`` at or after index ``since`` of the event list."""

        def found() -> dict | None:
            for event in self._events[since:]:
                if event.get("method") == method and event.get("sessionId") == session:
                    return event
            return None

        with self._changed:
            if not self._changed.wait_for(lambda: found() is not None or self._closed, timeout):
                raise BrowserError(f"no {method} in {timeout} s")
            event = found()
        if event is None:
            raise BrowserError(f"Chromium closed the pipe while waiting for {method}")
        return event

    def event_count(self) -> int:
        with self._changed:
            return len(self._events)

    def open(self, url: str) -> Page:
        """A new tab showing ``url`` once its load event fired, with the watchers of ``WATCH`` installed."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, target, session)
        page.call("Page.enable")
        page.call("Runtime.enable")
        page.call("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
        page.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
        )
        page.navigate(url)
        return page


class Page:
    """One tab: navigate, evaluate, click, type, wait for a condition, screenshot."""

    def __init__(self, browser: Browser, target: str, session: str):
        self.browser, self.target, self.session = browser, target, session

    def call(self, method: str, params: dict | None = None, timeout: float = TIMEOUT_S) -> dict:
        return self.browser.send(method, params, self.session, timeout)

    def navigate(self, url: str) -> None:
        """Load ``url`` and wait for its load event (a hash-only change does not reload: use ``set_hash``)."""
        since = self.browser.event_count()
        self.call("Page.navigate", {"url": url})
        self.browser.wait_event("Page.loadEventFired", self.session, since)

    def evaluate(self, expression: str, timeout: float = TIMEOUT_S):
        """The value of a JavaScript expression (awaited when it is a promise); an exception raises."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            timeout,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(f"{expression[:80]!r} threw: {details.get('exception', {}).get('description', details)}")
        return result["result"].get("value")

    def wait_for(self, condition: str, timeout_ms: int = 20000):
        """Wait, inside the page, until the expression ``condition`` is truthy; its value.

        Polled once per animation frame in the page itself: no sleeping in the test.
        """
        failure = json.dumps(f"timed out waiting for {condition}")
        script = f"""new Promise((resolve, reject) => {{
            const started = performance.now();
            const check = () => {{
                let value;
                try {{ value = ({condition}); }} catch (error) {{ value = undefined; }}
                if (value) resolve(value);
                else if (performance.now() - started > {timeout_ms}) reject(new Error({failure}));
                else setTimeout(check, 5);
            }};
            check();
        }})"""
        return self.evaluate(script, timeout=timeout_ms / 1000 + 10)

    def center(self, selector: str) -> tuple[float, float]:
        """The middle of the first element matching ``selector``, scrolled into view once it exists.

        The page draws asynchronously (a filter redraws its table on the next frame), so the
        element is waited for as a user's eyes would, rather than looked up once.
        """
        self.wait_for(f"document.querySelector({json.dumps(selector)})")
        box = self.evaluate(
            f"""(() => {{
                const el = document.querySelector({json.dumps(selector)});
                if (!el) return null;
                el.scrollIntoView({{block: 'center'}});
                const r = el.getBoundingClientRect();
                return [r.left + r.width / 2, r.top + r.height / 2];
            }})()"""
        )
        if box is None:
            raise BrowserError(f"no element matches {selector!r}")
        return box[0], box[1]

    def click(self, selector: str) -> None:
        """A real left click in the middle of the first element matching ``selector``."""
        x, y = self.center(selector)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            params = {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}
            self.call("Input.dispatchMouseEvent", params)

    def type_text(self, selector: str, text: str) -> None:
        """Click into a field, then type ``text`` as keystrokes would insert it."""
        self.click(selector)
        self.call("Input.insertText", {"text": text})

    def press(self, key: str) -> None:
        """One key (``"j"``, ``"Escape"``, ``"/"``) pressed and released."""
        text = key if len(key) == 1 else ""
        self.call("Input.dispatchKeyEvent", {"type": "keyDown", "key": key, "text": text})
        self.call("Input.dispatchKeyEvent", {"type": "keyUp", "key": key})

    def select(self, selector: str, value: str) -> None:
        """Choose an option of a ``<select>`` as a keyboard user would (focus it, pick, the page sees ``change``).

        Not a click: a click opens the native option list, which headless Chromium draws outside the page.
        """
        self.evaluate(
            f"""(() => {{
                const el = document.querySelector({json.dumps(selector)});
                el.focus();
                el.value = {json.dumps(value)};
                el.dispatchEvent(new Event('change', {{bubbles: true}}));
            }})()"""
        )

    def set_hash(self, fragment: str) -> None:
        """Go to ``#fragment`` of the same page (what a link does)."""
        self.evaluate(f"location.hash = {json.dumps(fragment)}")

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self) -> None:
        self.browser.send("Target.closeTarget", {"targetId": self.target})
