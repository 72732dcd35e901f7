"""What every record on disk is built from: a pydantic base that keeps unknown fields, and token usage."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer


def _number_as_text(value: object) -> object:
    # A reference answer written by hand or by another tool is often a bare number (42, 3.5).
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


# Text that may arrive as a JSON number: the number's text.
Text = Annotated[str, BeforeValidator(_number_as_text)]


class Record(BaseModel):
    """Base of every on-disk record: unknown fields are kept, not dropped.

    ``optional_fields`` name fields that belong to a feature a record may not
    use (several answering models, token usage an endpoint did not report):
    at their default they are left out of the file, so the records of runs
    that do not use the feature stay what they were for every reader.
    """

    model_config = ConfigDict(extra="allow")
    optional_fields: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _leave_out_unused(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if self.optional_fields and isinstance(data, dict):
            fields = type(self).model_fields
            for name in self.optional_fields:
                if name in data and getattr(self, name) == fields[name].get_default(call_default_factory=True):
                    del data[name]
        return data


class TokenUsage(Record):
    """Tokens a step consumed, as the endpoints reported them.

    ``calls_without_usage`` counts the calls whose endpoint reported no usage: their
    tokens are unknown, not 0, so a figure with such calls is a lower bound and no
    cost is claimed for it.
    """

    prompt_tokens: int = Field(0, ge=0)
    completion_tokens: int = Field(0, ge=0)
    total_tokens: int = Field(0, ge=0)
    calls_without_usage: int = Field(0, ge=0)

    optional_fields = frozenset({"calls_without_usage"})  # written only when some call lacked usage

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
