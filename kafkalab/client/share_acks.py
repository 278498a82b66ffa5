"""A share consumer's acknowledgements (KIP-932): the types, the batch ``poll`` returns, the local ledger.

Owns ``AcknowledgeType`` (ACCEPT, RELEASE, REJECT as confluent-kafka numbers them), ``Messages`` (the
read-only batch ``ShareConsumer.poll`` returns) and ``AckLedger``: the records this consumer holds
(delivered, not yet acknowledged to the broker), the acknowledgements marked locally and not yet sent, and
their wire form (``AcknowledgementBatches``: first offset, last offset, one type per offset or one for all).
Standard library only.

Kafka: KIP-932; confluent-kafka 2.16.1 ``confluent_kafka._model.AcknowledgeType`` / ``Messages``;
librdkafka ``rdkafka_share_acknowledgement.c``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import IntEnum
from typing import Any

from .message import Message

GAP = 0     # an offset in an acquired range with no record for the application (control batch, compacted away)


class AcknowledgeType(IntEnum):
    """How the broker should finish a delivered record.

    ``ACCEPT`` (1): processed, never delivered again. ``RELEASE`` (2): hand it out again now (its delivery
    count stays, so the next delivery shows one more). ``REJECT`` (3): archive it, never delivered again.
    Kafka 4.2's ``RENEW`` (4, KIP-1222) is not in confluent-kafka 2.16.1, and not here.
    """

    ACCEPT = 1
    RELEASE = 2
    REJECT = 3


class Messages:
    """The batch ``ShareConsumer.poll`` returns: a read-only sequence of ``Message``.

    ``len()``, indexing, slicing (a slice is a ``Messages`` again), iteration, ``count()``,
    ``is_empty()`` (an empty batch means the poll timed out) and ``records()`` (a new list). Each element
    may be an error event: check ``msg.error()``. Not a list, as in confluent-kafka 2.16.1.
    """

    __slots__ = ("_items",)

    def __init__(self, messages: Iterable[Message] = ()) -> None:
        self._items = list(messages)

    def records(self) -> list[Message]:
        """A new list of the batch's messages (changing it leaves the batch as it is)."""
        return self._items[:]

    def count(self) -> int:
        """How many messages the batch holds."""
        return len(self._items)

    def is_empty(self) -> bool:
        """True when the batch holds nothing (the poll's timeout passed)."""
        return len(self._items) == 0

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Message]:
        return iter(self._items)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return Messages(self._items[index])
        return self._items[index]

    def __repr__(self) -> str:
        return f"Messages({self._items!r})"


def wire_batches(marks: dict[int, int]) -> list[tuple[int, int, list[int]]]:
    """``{offset: type}`` as ShareFetch/ShareAcknowledge ``AcknowledgementBatches``.

    One batch per run of consecutive offsets; its types list holds one type when the whole run has the
    same type, else one type per offset (Kafka ``AcknowledgementBatch``).
    """
    out: list[tuple[int, int, list[int]]] = []
    for off in sorted(marks):
        if out and out[-1][1] == off - 1:
            first, _, types = out[-1]
            types.append(marks[off])
            out[-1] = (first, off, types)
        else:
            out.append((off, off, [marks[off]]))
    return [(first, last, types if len(set(types)) > 1 else types[:1]) for first, last, types in out]


class AckLedger:
    """The records one share consumer holds and the acknowledgements it has marked but not sent.

    ``held[(topic, partition)][offset]`` is None for a delivered record not yet acknowledged, else the
    ``AcknowledgeType`` (or ``GAP``) marked for it. ``take()`` removes every marked entry and returns them
    in wire form; the broker's answer then finishes them (a failed acknowledgement is not retried,
    as librdkafka's).
    """

    __slots__ = ("held",)

    def __init__(self) -> None:
        self.held: dict[tuple[str, int], dict[int, int | None]] = {}

    def deliver(self, tp: tuple[str, int], offset: int) -> None:
        """A record was handed to the application: it is held until acknowledged."""
        self.held.setdefault(tp, {})[offset] = None

    def mark(self, tp: tuple[str, int], offset: int, ack_type: int) -> bool:
        """Mark a held record (the last mark before sending wins); False if it is not held."""
        offsets = self.held.get(tp)
        if offsets is None or offset not in offsets:
            return False
        offsets[offset] = ack_type
        return True

    def unmarked(self, records: Iterable[Message]) -> int:
        """How many of ``records`` are still held without a mark."""
        held = self.held
        return sum(1 for m in records if m._error is None
                   and held.get((m._topic, m._partition), {}).get(m._offset, 0) is None)

    def accept_all(self, records: Iterable[Message]) -> None:
        """Implicit mode: ACCEPT every record of ``records`` still held without a mark."""
        for m in records:
            if m._error is None:
                offsets = self.held.get((m._topic, m._partition))
                if offsets is not None and m._offset in offsets and offsets[m._offset] is None:
                    offsets[m._offset] = AcknowledgeType.ACCEPT

    def pending(self) -> bool:
        """True if some mark waits to be sent."""
        return any(t is not None for offsets in self.held.values() for t in offsets.values())

    def take(self) -> dict[tuple[str, int], list[tuple[int, int, list[int]]]]:
        """Remove every marked entry; return them per partition in wire form (``wire_batches``)."""
        out = {}
        for tp, offsets in self.held.items():
            marks = {off: int(t) for off, t in offsets.items() if t is not None}
            if marks:
                out[tp] = wire_batches(marks)
                for off in marks:
                    del offsets[off]
        return out

    def drop(self, tp: tuple[str, int]) -> None:
        """Forget what is held of one partition (its records are the broker's again)."""
        self.held.pop(tp, None)

    def clear(self) -> None:
        self.held.clear()


def offsets_of(batches: list[tuple[int, int, list[int]]]) -> set[int]:
    """The offsets a list of acknowledgement batches acknowledges (GAP offsets, never delivered, left out)."""
    out = set()
    for first, last, types in batches:
        for i, off in enumerate(range(first, last + 1)):
            if (types[i] if len(types) > 1 else types[0]) != GAP:
                out.add(off)
    return out
