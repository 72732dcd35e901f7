"""Parameters a model refuses: found in a 400's words, then left out (or renamed) for that endpoint and model.

OpenAI's reasoning models take only the default temperature and want
``max_completion_tokens`` instead of ``max_tokens``; other servers refuse
``top_p``, ``seed`` or ``reasoning_effort`` for some models. Rather than fail
the run, the client adapts once: it drops the refused parameter (the model's
default applies) or renames it, remembers that per endpoint and model, says so
once in the log, and keeps a note for the report.

``refused_parameter`` is a pure function of the error and the body that was
sent; ``ParameterAdapter`` holds what was learned.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

from seval.client.replies import ErrorBody

log = logging.getLogger(__name__)

# Never dropped: without them there is no request (or no bound on what it costs).
PROTECTED = frozenset({"model", "messages", "max_tokens", "max_completion_tokens", "stream"})
# A refused parameter that has a newer name is renamed, not dropped, when the server names the new one.
RENAMES = {"max_tokens": "max_completion_tokens"}
REFUSAL_WORDS = (
    "unsupported",
    "not supported",
    "does not support",
    "unrecognized",
    "unrecognised",
    "unknown parameter",
    "unknown field",
    "extra inputs are not permitted",
    "extra_forbidden",
    "not permitted",
    "not allowed",
    "only the default",
)


@dataclass(frozen=True)
class Adaptation:
    """Leave ``param`` out (``rename_to`` None) or send its value as ``rename_to``."""

    param: str
    rename_to: str | None = None

    def describe(self) -> str:
        if self.rename_to:
            return f"takes {self.rename_to} instead of {self.param}; sent so from then on"
        return f"refused {self.param}; left out from then on (the model's default applies)"


def _named(message: str, name: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", message) is not None


def refused_parameter(error: ErrorBody, sent: dict) -> Adaptation | None:
    """What to change when a 400 ``error`` refuses a parameter of the body ``sent``; None when it does not.

    The parameter is the error's ``param`` when it names one that was sent, else one
    that was sent and is named in the message (quoted names first). The message must
    say it is unsupported (not merely out of range: a wrong value the user gave is
    theirs to fix, and is reported as it is).
    """
    message = error.message
    lowered = message.lower()
    if not any(word in lowered for word in REFUSAL_WORDS) and error.code not in (
        "unsupported_parameter",
        "unsupported_value",
    ):
        return None
    candidates = [error.param] if error.param is not None and error.param in sent else []
    candidates += [name for name in sent if re.search(rf"['\"`]{re.escape(name)}['\"`]", message)]
    candidates += [name for name in sent if _named(message, name)]
    for name in candidates:
        if name in RENAMES and _named(message, RENAMES[name]) and RENAMES[name] not in sent:
            return Adaptation(name, RENAMES[name])
        if name not in PROTECTED:
            return Adaptation(name)
    return None


class ParameterAdapter:
    """What each endpoint and model was found to refuse; thread-safe."""

    def __init__(self) -> None:
        self._learned: dict[tuple[str, str], dict[str, Adaptation]] = {}
        self.notes: list[str] = []  # one line per adaptation, in the order they were learned
        self._lock = threading.Lock()

    def wire_body(self, base_url: str, model: str, body: dict) -> dict:
        """``body`` as this endpoint and model take it."""
        with self._lock:
            learned = self._learned.get((base_url, model))
            if not learned:
                return body
            changes = list(learned.values())
        wire = dict(body)
        for change in changes:
            if change.param not in wire:
                continue
            value = wire.pop(change.param)
            if change.rename_to and change.rename_to not in wire:
                wire[change.rename_to] = value
        return wire

    def learn(self, role: str, base_url: str, model: str, error: ErrorBody, sent: dict) -> bool:
        """True when the 400 ``error`` to the body ``sent`` refused a parameter: send again, adapted.

        A request sent before another one's 400 taught the same thing (concurrent, or
        queued for a slot) is resent too, and the note is made only once.
        """
        change = refused_parameter(error, sent)
        if change is None:
            return False
        with self._lock:
            learned = self._learned.setdefault((base_url, model), {})
            if change.param in learned:
                return True
            learned[change.param] = change
            note = f"{role}: {model} at {base_url} {change.describe()}"
            self.notes.append(note)
        log.warning("%s (the server said: %s)", note, error.message)
        return True
