"""Domain errors: expected refusals that carry a message for the person who caused them.

Views, API views and commands map them to a response (400, 404, ...); nothing else catches them.
"""

from django.utils.functional import Promise


class DomainError(Exception):
    """A request the rules refuse; `messages` are user-facing and already translated (lazily)."""

    status_code = 400

    def __init__(self, *messages: str | Promise) -> None:
        super().__init__(*messages)
        self.messages = [str(message) for message in messages]

    def __str__(self) -> str:
        return "\n".join(self.messages)


class NotFound(DomainError):
    """Absent, or outside the caller's scope: the two look the same so nothing leaks."""

    status_code = 404


class Invalid(DomainError):
    """Input the rules refuse, with the messages for each field path (`child.date_of_birth`)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        from django.utils.translation import gettext

        super().__init__(gettext("The request has errors: see each field."))
        self.errors = {path: [str(message) for message in messages] for path, messages in errors.items()}


class Forbidden(DomainError):
    """Authenticated, in scope, but not allowed to do this."""

    status_code = 403


class Conflict(DomainError):
    """The action does not fit the current state, or somebody changed it first: reload and retry."""

    status_code = 409


class TooMany(DomainError):
    """Too many of this caller's requests at once: wait and try again."""

    status_code = 429


class Unavailable(DomainError):
    """Cannot be done until the province sets something up (a signing key): say what is missing."""

    status_code = 503
