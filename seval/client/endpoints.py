"""Where a role's requests go: the endpoint, its base URL and its key."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlparse

from seval.errors import UsageError


def normalize_base_url(url: str) -> str:
    """Return the endpoint root without a trailing ``/`` or ``/v1``.

    Users paste ``http://localhost:8000/v1`` from vLLM/Ollama/LM Studio docs as
    often as ``https://api.openai.com``; both mean the same root. Raises
    ValueError for anything that is not an http(s) URL with a host.
    """
    text = (url or "").strip()
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    text = text.rstrip("/")
    if text.endswith("/v1"):
        text = text[: -len("/v1")]
    return text


@dataclass(frozen=True)
class Endpoint:
    """Where one role's requests go. The key is kept out of repr and records."""

    role: str
    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    key_hint: str = "--api-key or OPENAI_API_KEY"
    extra_body: dict = field(default_factory=dict)  # provider-specific fields merged into each request

    def url(self, path: str) -> str:
        return f"{self.base_url}/v1/{path}"


def resolve_base_url(role: str, specific: str | None, general: str | None, flags: str) -> str:
    """A role's endpoint: its own flag, else the shared flag, else OPENAI_BASE_URL."""
    raw = specific or general or os.environ.get("OPENAI_BASE_URL")
    if not raw:
        raise UsageError(f"no base URL for the {role} role: give {flags} (or set OPENAI_BASE_URL)")
    try:
        return normalize_base_url(raw)
    except ValueError:
        raise UsageError(f"the {role} base URL {raw!r} is not an http(s) URL") from None


def resolve_key(
    specific: str | None, general: str | None, env_names: tuple[str, ...] = ("OPENAI_API_KEY",)
) -> str | None:
    """A role's key: its own flag, the shared flag, then the environment; None sends no auth header."""
    if specific:
        return specific
    if general:
        return general
    for name in env_names:
        if os.environ.get(name):
            return os.environ[name]
    return None
