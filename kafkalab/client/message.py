"""``TopicPartition``, ``Message`` and the offset and timestamp constants of confluent-kafka.

Owns the value types a program exchanges with the clients. Standard library only.
"""

from __future__ import annotations

from typing import Any

from ..errors import KafkaError

OFFSET_BEGINNING = -2
OFFSET_END = -1
OFFSET_STORED = -1000
OFFSET_INVALID = -1001

TIMESTAMP_NOT_AVAILABLE = 0
TIMESTAMP_CREATE_TIME = 1
TIMESTAMP_LOG_APPEND_TIME = 2


class TopicPartition:
    """A topic, a partition, and optionally an offset, as ``confluent_kafka.TopicPartition``.

    Two TopicPartitions are equal when topic and partition are equal (the offset is ignored),
    and they sort by (topic, partition). ``offset`` is -1001 (``OFFSET_INVALID``) unless set.

    Kafka: librdkafka ``rd_kafka_topic_partition_t``.
    """

    __slots__ = ("topic", "partition", "offset", "metadata", "leader_epoch", "error")

    def __init__(
        self,
        topic: str,
        partition: int = -1,
        offset: int = OFFSET_INVALID,
        metadata: str | None = None,
        leader_epoch: int | None = None,
    ) -> None:
        if not isinstance(topic, str):
            raise TypeError(f"TopicPartition: topic must be str, got {type(topic).__name__} {topic!r}")
        for name, value in (("partition", partition), ("offset", offset)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"TopicPartition: {name} must be int, got {type(value).__name__} {value!r}")
        if metadata is not None and not isinstance(metadata, str):
            raise TypeError(f"TopicPartition: metadata must be str or None, got {metadata!r}")
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.metadata = metadata
        self.leader_epoch = leader_epoch
        self.error: KafkaError | None = None

    def __repr__(self) -> str:
        return (f"TopicPartition{{topic={self.topic},partition={self.partition},offset={self.offset},"
                f"leader_epoch={self.leader_epoch},error={self.error}}}")

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TopicPartition):
            return NotImplemented
        return self.topic == other.topic and self.partition == other.partition

    def __lt__(self, other: TopicPartition) -> bool:
        return (self.topic, self.partition) < (other.topic, other.partition)

    def __le__(self, other: TopicPartition) -> bool:
        return (self.topic, self.partition) <= (other.topic, other.partition)

    def __gt__(self, other: TopicPartition) -> bool:
        return (self.topic, self.partition) > (other.topic, other.partition)

    def __ge__(self, other: TopicPartition) -> bool:
        return (self.topic, self.partition) >= (other.topic, other.partition)

    def __hash__(self) -> int:
        return hash((self.topic, self.partition))


class Message:
    """A record (or an error event) returned by ``poll``/``consume`` or given to a delivery callback.

    ``offset()`` is the record's own offset; to resume after it, commit ``offset() + 1``
    (``Consumer.commit(message=msg)`` does exactly that). ``error()`` is None for a record and
    a ``KafkaError`` for an event such as ``_PARTITION_EOF``: always check it.

    Kafka: confluent-kafka ``Message``.
    """

    __slots__ = ("_topic", "_partition", "_offset", "_key", "_value", "_ts_type", "_ts", "_headers",
                 "_error", "_latency", "_leader_epoch", "_delivery_count")

    def __init__(
        self,
        topic: str | None = None,
        partition: int | None = None,
        offset: int | None = None,
        key: bytes | None = None,
        value: bytes | None = None,
        headers: list[tuple[str, bytes | None]] | None = None,
        error: KafkaError | None = None,
        timestamp: tuple[int, int] = (TIMESTAMP_NOT_AVAILABLE, 0),
        latency: float | None = None,
        leader_epoch: int | None = None,
        delivery_count: int | None = None,
    ) -> None:
        """All arguments optional, in confluent-kafka's positional order (for tests and mocks).

        As confluent-kafka's: a negative partition, offset, latency or leader epoch (or None) means
        "not set" and its getter returns None; a ``delivery_count`` <= 0 too; ``timestamp`` None is
        ``(TIMESTAMP_NOT_AVAILABLE, 0)``.
        """
        self._topic = topic
        self._partition = _int_or(partition, "partition", 32, None)
        self._offset = _int_or(offset, "offset", 64, None)
        self._key = key
        self._value = value
        self._ts_type, self._ts = timestamp if timestamp is not None else (TIMESTAMP_NOT_AVAILABLE, 0)
        self._headers = headers
        self._error = error
        self._latency = None if latency is None or latency < 0 else latency
        self._leader_epoch = _int_or(leader_epoch, "leader_epoch", 32, None)
        count = _int_or(delivery_count, "delivery_count", 16, None)
        self._delivery_count = count if count is not None and count > 0 else None

    def __reduce__(self):
        """Pickles with confluent-kafka's reduce arguments (unset numbers as -1, offset -1001, latency -1.0)."""
        def num(value, unset):
            return unset if value is None or value < 0 else value
        return (Message, (self._topic, num(self._partition, -1), num(self._offset, OFFSET_INVALID), self._key,
                          self._value, self._headers, self._error, (self._ts_type, self._ts),
                          num(self._latency, -1.0), num(self._leader_epoch, -1), num(self._delivery_count, -1)))

    def __eq__(self, other: object) -> bool:
        """Equal when every field is equal (confluent-kafka's ``Message`` compares by value; not hashable)."""
        if not isinstance(other, Message):
            return NotImplemented
        return self.__reduce__()[1] == other.__reduce__()[1]

    __hash__ = None  # type: ignore[assignment]

    def topic(self) -> str | None:
        """The topic name."""
        return self._topic

    def partition(self) -> int | None:
        """The partition (None in a delivery report of an undeliverable message)."""
        p = self._partition
        return p if p is not None and p >= 0 else None

    def offset(self) -> int | None:
        """The record's offset (None when unknown, e.g. a failed delivery); the next to consume is ``offset() + 1``."""
        o = self._offset
        return o if o is not None and o >= 0 else None

    def key(self) -> bytes | None:
        """The key bytes, or None."""
        return self._key

    def value(self) -> bytes | None:
        """The value bytes, or None (a tombstone on a compacted topic)."""
        return self._value

    def error(self) -> KafkaError | None:
        """None for a record; a ``KafkaError`` for an event or a failed delivery."""
        return self._error

    def timestamp(self) -> tuple[int, int]:
        """``(type, ms)``: type is TIMESTAMP_CREATE_TIME (1) or TIMESTAMP_LOG_APPEND_TIME (2)."""
        return (self._ts_type, self._ts)

    def headers(self) -> list[tuple[str, bytes | None]] | None:
        """The headers as a list of (str, bytes) pairs, or None."""
        return self._headers

    def latency(self) -> float | None:
        """Producer delivery latency in seconds (virtual time), or None."""
        return self._latency

    def leader_epoch(self) -> int | None:
        """The partition leader epoch of a consumed record (0: kafkalab's only broker leads from the start)."""
        e = self._leader_epoch
        return e if e is not None and e >= 0 else None

    def delivery_count(self) -> int | None:
        """How many times the share group has delivered this record (1 the first time; ``ShareConsumer`` records
        only). None for a record of a standard consumer and for a producer's message."""
        return self._delivery_count

    def deserialized_key(self) -> Any:
        """The same object as ``key()`` (kafkalab has no deserializers)."""
        return self._key

    def deserialized_value(self) -> Any:
        """The same object as ``value()`` (kafkalab has no deserializers)."""
        return self._value

    def __len__(self) -> int:
        """The length of the value in bytes (0 for None)."""
        return len(self._value) if self._value is not None else 0

    def set_topic(self, topic: Any) -> None:
        """Replace the topic."""
        self._topic = topic

    def set_error(self, error: Any) -> None:
        """Replace the error."""
        self._error = error

    def set_key(self, key: Any) -> None:
        """Replace the key."""
        self._key = key

    def set_value(self, value: Any) -> None:
        """Replace the value."""
        self._value = value

    def set_headers(self, headers: Any) -> None:
        """Replace the headers."""
        self._headers = headers

    def __repr__(self) -> str:
        if self._error is not None:
            return f"<Message error={self._error} topic={self._topic} partition={self._partition}>"
        return (f"<Message {self._topic}[{self._partition}]@{self._offset} key={self._key!r} "
                f"value={_short(self._value)}>")


class FetchedMessage(Message):
    """A record fetched by a consumer, built on the hot path with CreateTime and no error."""

    __slots__ = ()
    _ts_type = TIMESTAMP_CREATE_TIME
    _error = None
    _latency = None
    _leader_epoch = 0
    _delivery_count = None

    def __init__(self, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None,
                 ts: int, headers: list | None) -> None:
        self._topic = topic
        self._partition = partition
        self._offset = offset
        self._key = key
        self._value = value
        self._ts = ts
        self._headers = headers

    def set_error(self, error: Any) -> None:
        """Replace the error (the record becomes a plain ``Message``, whose fields are all settable)."""
        defaults = (self._ts_type, self._latency, self._leader_epoch, self._delivery_count)
        self.__class__ = Message
        self._ts_type, self._latency, self._leader_epoch, self._delivery_count = defaults
        self._error = error


def _int_or(value: Any, what: str, bits: int, default: Any) -> Any:
    """``value`` checked to fit a signed ``bits``-bit C integer (OverflowError otherwise), or ``default`` for None."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Message: {what} must be an int, got {type(value).__name__}")
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise OverflowError(f"Message: {what} {value} does not fit a signed {bits}-bit integer")
    return value


def _short(value: bytes | None) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
