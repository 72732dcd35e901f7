"""What every record on disk is built from: a pydantic base that keeps unknown fields, and token usage."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict


def _number_as_text(value: object) -> object:
    # A reference answer written by hand or by another tool is often a bare number (42, 3.5).
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


# Text that may arrive as a JSON number: the number's text.
Text = Annotated[str, BeforeValidator(_number_as_text)]


class Record(BaseModel):
    """Base of every on-disk record: unknown fields are kept, not dropped."""

    model_config = ConfigDict(extra="allow")


class TokenUsage(Record):
    """Tokens a step consumed, as the endpoints reported them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


def add_usage(*usages) -> TokenUsage:
    """Token counts added up, as a record; each may be a ``TokenUsage`` or a reply's usage from the client."""
    return TokenUsage(**{name: sum(getattr(usage, name) for usage in usages) for name in TokenUsage.model_fields})
