"""``--config FILE.toml``: flag defaults from a file, checked exactly as the flags themselves.

A key is a long flag name without its dashes (``model-answering``, or
``model_answering`` in TOML's own style), or a table the tool names in its
parser's ``config_tables`` (the benchmark's per-model ``[answering-models.NAME]``);
nothing else is accepted, so a key that is not a flag of the tool is one error
line, not silently ignored.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

from seval.errors import UsageError


def parse_args_with_config(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parse flags, taking defaults from ``--config FILE.toml`` first; flags on the command line win.

    Keys belong in the environment: a file that holds one is used, with a warning.
    """
    parser.add_argument("--config", type=Path, default=None, help="TOML file whose keys are long flag names")
    first, _ = parser.parse_known_args(argv)
    if first.config is not None:
        parser.set_defaults(**read_config(parser, first.config))
    return parser.parse_args(argv)


def _long_flags(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """Each long flag's name without ``--``, and its action (``--help`` and ``--config`` left out)."""
    flags = {}
    for action in parser._actions:
        for option in action.option_strings:
            if option.startswith("--") and option not in ("--help", "--config"):
                flags[option[2:]] = action
    return flags


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise UsageError(f"config file {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"config file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror}") from None


def read_config(parser: argparse.ArgumentParser, path: Path) -> dict[str, Any]:
    """The parser defaults a config file sets, by argparse dest; UsageError for an unknown key or a bad value."""
    flags = _long_flags(parser)
    tables: dict[str, str] = getattr(parser, "config_tables", {})  # table name -> dest, read by the tool itself
    values: dict[str, Any] = {}
    for key, value in _load_toml(path).items():
        if key.replace("_", "-") in tables:
            if not isinstance(value, dict):
                raise UsageError(f"config file {path}: {key} must be a table ([{key}.NAME] sections)")
            values[tables[key.replace("_", "-")]] = value
            continue
        action = flags.get(key.replace("_", "-"))
        if action is None:
            raise UsageError(f"config file {path}: unknown key {key!r} (keys are the long flag names)")
        if "api-key" in key.replace("_", "-"):
            # Printed, not logged: logging is set up only after the flags are read.
            print(
                f"warning: config file {path} holds {key}; prefer the environment (OPENAI_API_KEY) "
                "so keys stay out of files",
                file=sys.stderr,
            )
        if action.nargs == 0:  # a switch: true gives it, false leaves it out
            if not isinstance(value, bool):
                raise UsageError(f"config file {path}: {key} must be true or false (got {value!r})")
            if value:
                values[action.dest] = action.const
            continue
        values[action.dest] = _config_value(action, key, value, path)
    return values


def _config_value(action: argparse.Action, key: str, value: object, path: Path) -> object:
    """A config value checked and converted as the flag's own value would be (type, choices),
    so a wrong one is one error line rather than a crash later."""
    many = isinstance(action, argparse._AppendAction)
    converted = []
    for item in value if many and isinstance(value, list) else [value]:
        try:
            if isinstance(item, bool | list | dict) or (action.type is int and isinstance(item, float)):
                raise ValueError
            item = action.type(str(item)) if callable(action.type) else str(item)
            if action.choices is not None and item not in action.choices:
                raise ValueError
        except (TypeError, ValueError, argparse.ArgumentTypeError):
            choices = f" (one of {', '.join(map(str, action.choices))})" if action.choices else ""
            flag = key.replace("_", "-")
            raise UsageError(
                f"config file {path}: {key} = {item!r} is not a valid value for --{flag}{choices}"
            ) from None
        converted.append(item)
    return converted if many else converted[0]
