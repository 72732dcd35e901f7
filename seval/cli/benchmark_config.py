"""From the benchmark's flags to ``RunSettings``: every check happens here, before anything is written."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np

from seval.benchmark.dataset import load_replay_items
from seval.benchmark.novelty import embedding_similarities, tfidf_similarities
from seval.benchmark.questions import QuestionPolicy
from seval.benchmark.settings import ROLES, RoleSettings, RunSettings
from seval.cli.answerers import answerers
from seval.cli.common import model_names, parse_extra_body, validate_client_flags
from seval.cli.numbers import MAX_QUESTIONS_PER_CELL, MAX_REASONING_TYPES, MAX_SAMPLES, MAX_TOKENS, check_range
from seval.client.core import LLMClient
from seval.client.endpoints import Endpoint, normalize_base_url, resolve_base_url, resolve_key
from seval.errors import UsageError

DEMO_MODELS = {"generation": "sim-generator", "answering": "sim-solver", "evaluation": "sim-judge"}


def validate_flags(args: argparse.Namespace) -> tuple[str, ...]:
    """Reject bad flags before anything is written; returns the reasoning types."""
    check_range("--n", args.n, 1, 10)
    check_range("--num-questions", args.num_questions, 1, MAX_QUESTIONS_PER_CELL)
    check_range("--alpha", args.alpha, 0, 1, above_low=True)
    check_range("--novelty-threshold", args.novelty_threshold, 0, 1, above_low=True)
    check_range("--samples", args.samples, 1, MAX_SAMPLES)
    if args.validate and args.no_reference_answers:
        raise UsageError(
            "--validate checks each question's reference answer; it cannot be used with "
            "--no-reference-answers (every question would be left out)"
        )
    types = tuple(part.strip() for part in args.reasoning_types.split(","))
    if any(not part for part in types):
        raise UsageError(f"--reasoning-types has an empty entry: {args.reasoning_types!r}")
    duplicates = sorted({kind for kind in types if types.count(kind) > 1})
    if duplicates:
        raise UsageError(f"--reasoning-types lists {', '.join(duplicates)} more than once")
    check_range("the number of --reasoning-types", len(types), 1, MAX_REASONING_TYPES)
    for role in ROLES:  # temperatures are checked as they are parsed (parse_temperature)
        check_range(f"--max-tokens-{role}", getattr(args, f"max_tokens_{role}"), 1, MAX_TOKENS)
    validate_client_flags(args)
    return types


def _endpoint(args, role: str, model: str, base_url: str, demo: bool) -> Endpoint:
    key = None if demo else resolve_key(getattr(args, f"api_key_{role}"), args.api_key)
    return Endpoint(
        role=role,
        base_url=base_url,
        model=model,
        api_key=key,
        key_hint=f"--api-key-{role}, --api-key or OPENAI_API_KEY",
        extra_body=parse_extra_body(f"--extra-body-{role}", getattr(args, f"extra_body_{role}")),
    )


def _role(args, role: str, model: str, base_url: str, demo: bool) -> RoleSettings:
    return RoleSettings(
        _endpoint(args, role, model, base_url, demo),
        getattr(args, f"temperature_{role}"),
        getattr(args, f"max_tokens_{role}"),
    )


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in text.split(",")] if text else []


def _base_url(args, role: str, demo_url: str | None, given: str | None = None) -> str:
    if demo_url:
        return normalize_base_url(demo_url)
    return resolve_base_url(
        role, given or getattr(args, f"base_url_{role}"), args.base_url, f"--base-url or --base-url-{role}"
    )


# A replay generates nothing; its generation role is a named placeholder that is never called.
REPLAY_GENERATOR = RoleSettings(Endpoint(role="generation", base_url="", model="(replay)"), 0.0, 1)


def role_settings(
    args: argparse.Namespace, demo_url: str | None
) -> tuple[dict[str, RoleSettings], tuple[RoleSettings, ...], tuple[RoleSettings, ...]]:
    """Settings of the three roles, the evaluation panel (one judge or several) and the answering models
    (one or several; ``roles["answering"]`` is the first)."""
    roles: dict[str, RoleSettings] = {}
    models = model_names("--model-answering", args.model_answering) or ([DEMO_MODELS["answering"]] if demo_url else [])
    for role in ("generation", "answering"):
        model = (models[0] if models else None) if role == "answering" else args.model_generation
        model = model or (DEMO_MODELS[role] if demo_url else None)
        if role == "generation" and args.replay:
            roles[role] = REPLAY_GENERATOR
            continue
        if not model:
            raise UsageError(f"--model-{role} is required (or use --demo to try the tool on a simulated endpoint)")
        roles[role] = _role(args, role, model, _base_url(args, role, demo_url), bool(demo_url))
    judges = _panel(args, demo_url)
    roles["evaluation"] = judges[0]
    return roles, judges, answerers(args, roles["answering"], models, bool(demo_url))


def _panel(args: argparse.Namespace, demo_url: str | None) -> tuple[RoleSettings, ...]:
    models = model_names("--model-evaluation", args.model_evaluation) or (
        [DEMO_MODELS["evaluation"]] if demo_url else []
    )
    if not models:
        raise UsageError("--model-evaluation is required: one model, or a comma-separated panel of judges")
    urls = _split(args.base_url_evaluation)
    if len(urls) > 1 and len(urls) != len(models):
        raise UsageError(
            f"--base-url-evaluation gives {len(urls)} URLs for {len(models)} judges: "
            "give one URL for all, or one per judge"
        )
    per_judge = urls if len(urls) > 1 else [urls[0] if urls else None] * len(models)
    return tuple(
        _role(args, "evaluation", model, _base_url(args, "evaluation", demo_url, url), bool(demo_url))
        for model, url in zip(models, per_judge, strict=True)
    )


def question_policy(
    args: argparse.Namespace, client: LLMClient | None, generation_url: str, demo: bool
) -> QuestionPolicy:
    """What questions must pass; embeddings-based novelty when ``--embedding-model`` is given."""
    similarities: Callable[[str, list[str]], np.ndarray] = tfidf_similarities
    if args.embedding_model and client is not None:
        base = args.base_url_embedding
        url = normalize_base_url(base) if base and not demo else generation_url
        endpoint = Endpoint(
            role="embedding",
            base_url=url,
            model=args.embedding_model,
            api_key=None if demo else resolve_key(args.api_key_generation, args.api_key),
            key_hint="--api-key-generation, --api-key or OPENAI_API_KEY",
        )
        similarities = embedding_similarities(lambda texts: client.embed(endpoint, texts))
    return QuestionPolicy(
        reference_answers=not args.no_reference_answers,
        validate=args.validate,
        novelty_threshold=args.novelty_threshold,
        similarities=similarities,
    )


def build_settings(
    args: argparse.Namespace,
    out_dir: Path,
    types: tuple[str, ...],
    demo_url: str | None,
    client: LLMClient | None = None,
) -> RunSettings:
    """Everything a run needs from the flags (the client only for embedding-based novelty)."""
    roles, judges, answering = role_settings(args, demo_url)
    if args.base_url_embedding and not demo_url:
        resolve_base_url("embedding", args.base_url_embedding, None, "--base-url-embedding")
    replay_items = tuple(load_replay_items(args.replay)) if args.replay else ()
    return RunSettings(
        roles=roles,
        out_dir=out_dir,
        n=args.n,
        num_questions=args.num_questions,
        alpha=args.alpha,
        reasoning_types=types,
        new_cycle=args.new_cycle,
        judges=judges,
        judge_aggregation=args.judge_aggregation,
        policy=question_policy(args, client, roles["generation"].endpoint.base_url, bool(demo_url)),
        replay_items=replay_items,
        replay_source=str(args.replay.resolve()) if args.replay else None,
        exclude_truncated=args.exclude_truncated,
        answerers=answering,
        samples=args.samples,
    )
