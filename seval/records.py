"""What every record on disk is built from: a pydantic base that keeps unknown fields, and token usage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


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


def left_out_at_default(default: Any = None, *, default_factory: Callable[[], Any] | None = None, **rules: Any) -> Any:
    """A field of a feature a record may not use (several answering models, usage an endpoint did not report):
    at its default it is left out of the file, so the records of runs that do not use the feature stay what
    they were for every reader. (``exclude_if`` is checked by pydantic-core per field, which costs far less
    than a serializer wrapping every record.)"""
    if default_factory is not None:
        empty = default_factory()
        return Field(default_factory=default_factory, exclude_if=lambda value: value == empty, **rules)
    return Field(default, exclude_if=lambda value: value == default, **rules)


class TokenUsage(Record):
    """Tokens a step consumed, as the endpoints reported them.

    ``calls_without_usage`` counts the calls whose endpoint reported no usage: their
    tokens are unknown, not 0, so a figure with such calls is a lower bound and no
    cost is claimed for it.
    """

    prompt_tokens: int = Field(0, ge=0)
    completion_tokens: int = Field(0, ge=0)
    total_tokens: int = Field(0, ge=0)
    calls_without_usage: int = left_out_at_default(0, ge=0)  # written only when some call lacked usage

    @property
    def reported(self) -> bool:
        """Every call counted here came with its usage."""
        return self.calls_without_usage == 0

    def cost(self, price: tuple[float, float] | None) -> float | None:
        """USD at ``price`` (per million prompt, completion tokens); None without a price, and None when some
        call's usage was not reported: its tokens are unknown, so no cost is claimed."""
        if price is None or not self.reported:
            return None
        return (self.prompt_tokens * price[0] + self.completion_tokens * price[1]) / 1e6


NOT_REPORTED = TokenUsage(calls_without_usage=1)  # one call whose endpoint said nothing about usage


def add_usage(*usages: TokenUsage | None) -> TokenUsage:
    """Token counts added up, as a record.

    Each may be a ``TokenUsage`` (a record's or a reply's) or None: a reply whose
    endpoint reported no usage, counted in ``calls_without_usage``.
    """
    counted = [NOT_REPORTED if usage is None else usage for usage in usages]
    return TokenUsage(**{name: sum(getattr(usage, name) for usage in counted) for name in TokenUsage.model_fields})
