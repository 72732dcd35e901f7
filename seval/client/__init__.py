"""The one client for OpenAI-compatible endpoints: endpoints and keys, transport, pacing, retries, replies, cache."""
