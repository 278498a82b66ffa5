"""Value types confluent-kafka exports from its top level: nodes, topic descriptions, enums, ``Uuid``.

Owns ``Node``, ``TopicPartitionInfo``, ``TopicCollection``, ``Uuid``, ``ThrottleEvent``,
``ElectionType``, ``ConsumerGroupType``, ``IsolationLevel`` and the two RuntimeError types of
confluent-kafka, plus ``version()``/``libversion()``. Shapes follow confluent-kafka 2.16.1
(``confluent_kafka._model``). Standard library only.
"""

from __future__ import annotations

import base64
from enum import Enum
from typing import Any

# The confluent-kafka / librdkafka versions whose behaviour kafkalab follows.
_VERSION = "2.16.1"
_LIBVERSION = ("2.16.0", 0x021000FF)


def version() -> str:
    """The confluent-kafka version kafkalab mirrors, a str as the installed ``confluent_kafka.version()`` gives."""
    return _VERSION


def libversion() -> tuple[str, int]:
    """The librdkafka version kafkalab mirrors, as ``(str, int)`` like ``confluent_kafka.libversion()``."""
    return _LIBVERSION


class ConcurrentModificationException(RuntimeError):
    """confluent-kafka raises this when one client is used from two threads at once (never in kafkalab)."""


class IllegalStateException(RuntimeError):
    """confluent-kafka's error for a call made in the wrong client state."""


class ElectionType(Enum):
    """Leader election type for ``AdminClient.elect_leaders``."""

    PREFERRED = 0
    UNCLEAN = 1


class ConsumerGroupType(Enum):
    """Group protocol type: CLASSIC (JoinGroup/SyncGroup) or CONSUMER (KIP-848)."""

    UNKNOWN = 0
    CONSUMER = 1
    CLASSIC = 2


class IsolationLevel(Enum):
    """Isolation level for ``list_offsets``."""

    READ_UNCOMMITTED = 0
    READ_COMMITTED = 1


class Node:
    """A broker: id, host, port and rack. ``str()`` is ``(id) host:port``."""

    def __init__(self, id: int, host: str, port: int, rack: str | None = None) -> None:
        self.id = id
        self.id_string = str(id)
        self.host = host
        self.port = port
        self.rack = rack

    def __str__(self) -> str:
        return f"({self.id}) {self.host}:{self.port}" + (f" (Rack - {self.rack})" if self.rack else "")


class TopicPartitionInfo:
    """One partition of a ``TopicDescription``: its id, leader, replicas and in-sync replicas (Nodes)."""

    def __init__(self, id: int, leader: Node, replicas: list[Node], isr: list[Node]) -> None:
        self.id = id
        self.leader = leader
        self.replicas = replicas
        self.isr = isr


class TopicCollection:
    """A list of topic names for ``AdminClient.describe_topics``."""

    def __init__(self, topic_names: list[str]) -> None:
        self.topic_names = topic_names


class Uuid:
    """A 128-bit id (a topic id); ``str()`` is Kafka's URL-safe base64 without padding."""

    def __init__(self, most_significant_bits: int, least_significant_bits: int) -> None:
        self._msb = most_significant_bits
        self._lsb = least_significant_bits

    def get_most_significant_bits(self) -> int:
        """The high 64 bits."""
        return self._msb

    def get_least_significant_bits(self) -> int:
        """The low 64 bits."""
        return self._lsb

    def __str__(self) -> str:
        raw = (self._msb & (2**64 - 1)).to_bytes(8, "big") + (self._lsb & (2**64 - 1)).to_bytes(8, "big")
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Uuid) and (self._msb, self._lsb) == (other._msb, other._lsb)

    def __hash__(self) -> int:
        return hash((self._msb, self._lsb))


class ThrottleEvent:
    """A broker throttled this client (given to ``throttle_cb``; kafkalab has no quotas, so never sent)."""

    def __init__(self, broker_name: str, broker_id: int, throttle_time: float) -> None:
        self.broker_name = broker_name
        self.broker_id = broker_id
        self.throttle_time = throttle_time

    def __str__(self) -> str:
        return f"{self.broker_name}/{self.broker_id} throttled for {int(self.throttle_time * 1000)} ms"


def _enum(kind: type[Enum], value: Any, what: str) -> Enum:
    """``value`` as a member of ``kind``: a member, its name (any case) or its int value."""
    if isinstance(value, kind):
        return value
    if isinstance(value, str) and value.upper() in kind.__members__:
        return kind[value.upper()]
    if isinstance(value, int) and not isinstance(value, bool):
        return kind(value)
    raise TypeError(f"{what} must be a {kind.__name__}, its name or value, got {value!r}")
