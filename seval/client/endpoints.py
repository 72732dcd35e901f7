"""Where a role's requests go: the endpoint, its base URL and its key."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from seval.errors import UsageError

DEFAULT_PATH = "/v1"
CHAT_SUFFIX = "/chat/completions"


def normalize_base_url(url: str) -> str:
    """The base URL every request path is added to (``{base}/chat/completions``, ``{base}/models``).

    One rule for every provider:

    * a URL with no path gets ``/v1`` (``https://api.openai.com``, ``http://localhost:8000``);
    * a URL ending in ``/chat/completions`` (an endpoint pasted from a provider's docs)
      is cut back to its base;
    * any other path is used as given (``.../v1``, Azure's ``.../openai/v1``, Gemini's
      ``.../v1beta/openai``, OpenRouter's ``.../api/v1``).

    A trailing ``/`` is dropped; a query string (``?api-version=...``) is kept and sent
    with every request. Raises ValueError for anything that is not an http(s) URL with a host.
    """
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    path = parts.path.rstrip("/")
    if path.endswith(CHAT_SUFFIX):
        path = path[: -len(CHAT_SUFFIX)].rstrip("/")
    elif not path:
        path = DEFAULT_PATH
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def endpoint_identity(base_url: str) -> str:
    """A base URL as earlier versions stored it (a trailing ``/v1`` dropped): what the reply cache is keyed by,
    so replies cached before the base-URL rule changed are still found."""
    parts = urlsplit(base_url)
    path = parts.path.rstrip("/")
    if path.endswith(DEFAULT_PATH):
        path = path[: -len(DEFAULT_PATH)]
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


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
        """``{base}/{path}``, the base URL's query string (if any) kept at the end."""
        base, _, query = self.base_url.partition("?")
        return f"{base}/{path}" + (f"?{query}" if query else "")

    @property
    def chat_url(self) -> str:
        """Where this role's chat requests go (``--dry-run`` prints it)."""
        return self.url("chat/completions")

    @property
    def cache_identity(self) -> str:
        return endpoint_identity(self.base_url)


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
