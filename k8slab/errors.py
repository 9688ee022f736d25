"""One exception hierarchy, named after the API status reasons (metav1.StatusReason)."""

from __future__ import annotations

__all__ = [
    "K8sLabError",
    "NotFound",
    "AlreadyExists",
    "Conflict",
    "Invalid",
    "BadRequest",
    "Forbidden",
    "Unsupported",
    "ParseError",
]


class K8sLabError(Exception):
    """Base of every error k8slab raises on purpose.

    ``str(err)`` is the text kubectl prints (without its ``Error from server (...)`` prefix);
    ``err.kubectl_message`` is the whole line kubectl would print.
    """

    reason = "Unknown"
    code = 500
    #: how kubectl prefixes a server-side error of this kind
    server_side = True

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def _render_traceback_(self) -> list[str]:
        """IPython shows this instead of a traceback: the learner sees kubectl's error, not Python internals."""
        return [self.kubectl_message]

    @property
    def kubectl_message(self) -> str:
        if self.server_side:
            return f"Error from server ({self.reason}): {self.message}"
        return f"error: {self.message}"


class NotFound(K8sLabError):
    """The object does not exist: ``pods "x" not found``."""

    reason = "NotFound"
    code = 404


class AlreadyExists(K8sLabError):
    """Create of an object that exists: ``pods "web" already exists``."""

    reason = "AlreadyExists"
    code = 409


class Conflict(K8sLabError):
    """A write with a stale resourceVersion (optimistic concurrency)."""

    reason = "Conflict"
    code = 409


class Invalid(K8sLabError):
    """The object fails validation; ``errors`` holds every field error. kubectl prints the message as it is."""

    reason = "Invalid"
    code = 422

    @property
    def kubectl_message(self) -> str:
        return self.message

    def __init__(self, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.errors = list(errors or [])


class BadRequest(K8sLabError):
    """The request could not be decoded (for example an unknown field under strict validation)."""

    reason = "BadRequest"
    code = 400


class Forbidden(K8sLabError):
    """Authorization or admission said no."""

    reason = "Forbidden"
    code = 403


class Unsupported(K8sLabError):
    """A kind (or a command) that k8slab does not simulate."""

    reason = "Unsupported"
    code = 415
    server_side = False


class ParseError(K8sLabError):
    """Input that is not YAML/JSON, or not a Kubernetes object: a client-side error."""

    reason = "ParseError"
    code = 400
    server_side = False

