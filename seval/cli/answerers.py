"""The answering models of a benchmark run: ``--model-answering a,b,c``, each with its own endpoint if configured.

On the command line every answering model shares the answering role's flags
(base URL, key, sampling, extra body). A config file can give one its own with
a table per model::

    model-answering = "gpt-4o-mini,llama"

    [answering-models.llama]
    base-url = "http://localhost:8000/v1"
    api-key-env = "VLLM_API_KEY"          # the environment variable holding its key (never the key itself)
    extra-body = { top_p = 0.9 }
    temperature = 0.6
    max-tokens = 2048
"""

from __future__ import annotations

import argparse
import json
import math
import os
from typing import Any

from seval.benchmark.settings import RoleSettings
from seval.cli.common import parse_extra_body
from seval.cli.numbers import MAX_TOKENS, check_range
from seval.client.endpoints import Endpoint, resolve_base_url
from seval.errors import UsageError

TABLE = "answering-models"
KEYS = ("base-url", "api-key-env", "extra-body", "temperature", "max-tokens")


def answerers(
    args: argparse.Namespace, shared: RoleSettings, models: list[str], demo: bool
) -> tuple[RoleSettings, ...]:
    """Each answering model's settings: ``shared`` (the role's flags) with its config table's values over them."""
    tables: dict[str, Any] = getattr(args, "answering_models", None) or {}
    unknown = sorted(set(tables) - set(models))
    if unknown:
        raise UsageError(f"config table [{TABLE}.{unknown[0]}] names a model that --model-answering does not list")
    return tuple(_answerer(shared, model, tables.get(model, {}), demo) for model in models)


def _answerer(shared: RoleSettings, model: str, table: object, demo: bool) -> RoleSettings:
    where = f"config table [{TABLE}.{model}]"
    if not isinstance(table, dict):
        raise UsageError(f"{where} must be a table of {', '.join(KEYS)}")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise UsageError(f"{where}: unknown key {unknown[0]!r} (keys: {', '.join(KEYS)})")
    endpoint = shared.endpoint
    base_url = endpoint.base_url
    if "base-url" in table and not demo:  # the demo's models all live on its simulator
        base_url = resolve_base_url("answering", str(table["base-url"]), None, f"base-url in {where}")
    api_key, key_hint = endpoint.api_key, endpoint.key_hint
    if "api-key-env" in table and not demo:
        name = str(table["api-key-env"])
        api_key, key_hint = os.environ.get(name) or None, f"the environment variable {name} ({where})"
    extra_body = endpoint.extra_body
    if "extra-body" in table:
        extra_body = parse_extra_body(f"extra-body in {where}", json.dumps(table["extra-body"]))
    return RoleSettings(
        Endpoint(
            role="answering", base_url=base_url, model=model, api_key=api_key, key_hint=key_hint, extra_body=extra_body
        ),
        _temperature(table, where, shared.temperature),
        _max_tokens(table, where, shared.max_tokens),
    )


def _temperature(table: dict, where: str, default: float | None) -> float | None:
    if "temperature" not in table:
        return default
    value = table["temperature"]
    if value == "none":
        return None
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or not 0 <= value <= 2:
        raise UsageError(f"{where}: temperature must be a number from 0 to 2, or 'none' (got {value!r})")
    return float(value)


def _max_tokens(table: dict, where: str, default: int) -> int:
    if "max-tokens" not in table:
        return default
    value = table["max-tokens"]
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"{where}: max-tokens must be a whole number (got {value!r})")
    check_range(f"max-tokens in {where}", value, 1, MAX_TOKENS)
    return value
