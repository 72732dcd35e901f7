"""The one HTTP client for OpenAI-compatible endpoints, under the design card's name.

The client lives in ``seval.client``; this module re-exports its public names so
``from llm_client import LLMClient`` keeps working from the repository root.
"""

from seval.client.core import ChatReply, LLMClient, RetryPolicy, RoleStats
from seval.client.endpoints import Endpoint, normalize_base_url
from seval.records import TokenUsage

__all__ = ["ChatReply", "Endpoint", "LLMClient", "RetryPolicy", "RoleStats", "TokenUsage", "normalize_base_url"]
