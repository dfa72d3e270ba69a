"""What a service gives the consumer loop: how to decode its entries, and its handler.

A handler receives typed messages and returns ``Handled`` or raises; it holds no
stream mechanics. The loop acknowledges, publishes, delays, dead-letters and counts
failures from what the handler returned or raised (see ``dispatch.py``):

- ``Handled``: the outputs are added with the ack in one MULTI/EXEC; then ``after_ack``.
- ``Delay`` (``shared.errors``): requeued after a short wait; not a failure.
- ``InvalidMessage``: dead-lettered at once with the reason.
- any other error: left pending with its error; retried, then dead-lettered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from shared.models.envelope import Envelope
from shared.streams.codec import StreamFields
from shared.streams.publisher import Output


class Message(Protocol):
    """What the loop reads of a decoded message: who it belongs to, for the log context."""

    @property
    def envelope(self) -> Envelope:
        """Its job, source and trace."""
        ...

    @property
    def page_key(self) -> str:
        """The page it is about, named within its job."""
        ...


M = TypeVar("M", bound=Message)


@dataclass(frozen=True)
class Handled:
    """A handler's success: what to add with the ack, and what to do once acknowledged."""

    outputs: Sequence[Output] = ()
    # After the ack: reports that must never cause a redelivery (logs, metrics, events).
    after_ack: Callable[[], Awaitable[None]] | None = None


@dataclass(frozen=True)
class EachMessage(Generic[M]):
    """Each message of a batch in its own concurrent call: the work of one is independent."""

    handle: Callable[[M], Awaitable[Handled]]


@dataclass(frozen=True)
class WholeBatch(Generic[M]):
    """The batch in one call (one transaction); when it fails, its messages are retried
    one at a time, so one bad message cannot hold the others back."""

    handle: Callable[[list[M]], Awaitable[Handled]]


@dataclass(frozen=True)
class Consumer(Generic[M]):
    """A service's side of the loop."""

    kind: str  # "command", "page": the first word of the loop's log events for it
    decode: Callable[[StreamFields], M]  # raises InvalidMessage
    handler: EachMessage[M] | WholeBatch[M]
