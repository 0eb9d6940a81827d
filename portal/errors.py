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
