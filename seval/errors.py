"""Errors meant for the user: each is caught once, at the CLI edge, and printed
as one line. Anything else that escapes is a bug and keeps its traceback."""


class UsageError(Exception):
    """Bad flags or bad input files; the message is shown as is, exit code 2."""

    exit_code = 2


class DataError(UsageError):
    """A file the tool reads (state, records, problems) is malformed; exit code 2.

    Raised before anything is written, so the file the user has is left as it is.
    """


class EndpointError(Exception):
    """An endpoint refused or failed a request for good; exit code 1.

    Work finished before the failure is kept; the message says what to check.
    """

    exit_code = 1


class AuthError(EndpointError):
    """401/403: the key was missing or rejected. Retrying cannot help."""


class ModelNotFoundError(EndpointError):
    """404 for a model the endpoint does not serve."""


class BadRequestError(EndpointError):
    """A 4xx other than auth, not-found or rate limits: the request itself is wrong."""


class TransportError(EndpointError):
    """Retries ran out (timeouts, refused connections, 429/5xx, garbled replies).

    Never recorded as a model's answer: the step stays unfinished and a rerun
    redoes it.
    """


class Cancelled(Exception):
    """Work stopped because the user pressed Ctrl-C or another step failed."""
