"""Domain errors. Services raise them; views show them as messages and the API maps them to status codes."""


class DomainError(Exception):
    """A rule of the policy or of the workflow forbids this action. API: 422 (or 409 for conflicts)."""

    status_code = 422

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

    def payload(self) -> dict:
        """Extra keys for the API's error body (e.g. the booking that holds a slot); none by default."""
        return {}


class ConflictError(DomainError):
    """The thing changed under the caller (already decided, no longer current). API: 409."""

    status_code = 409


class ValidationFailed(DomainError):
    """Input is incomplete or wrong; `errors` maps field names to messages. API: 422."""

    status_code = 422


class NotFound(DomainError):
    """The thing does not exist or the caller may not know it exists. API: 404."""

    status_code = 404


class Forbidden(DomainError):
    """The caller may see the thing but not do this to it. API: 403."""

    status_code = 403
