"""Fault injection for produce requests: lost responses, late responses, broker errors.

Owns ``ProduceFault``, ``ProduceFaults`` (the cluster's queue of armed faults, consulted by the
broker's Produce handler) and ``FaultVerbs``, the mixin that gives ``Cluster`` its verbs
``lose_produce_response``, ``delay_produce_response``, ``fail_produce`` and
``clear_produce_faults``. Standard library only; must not import the client package.
"""

from __future__ import annotations

from typing import Any

from ..errors import ERR, RETRIABLE_PRODUCE_ERRORS, KafkaError

LOSE_RESPONSE = "lose_response"
DELAY_RESPONSE = "delay_response"
FAIL = "fail"


class ProduceFault:
    """One armed fault: applies to the next ``remaining`` produce requests that match.

    ``topic``/``partition`` None match any. ``kind`` is ``lose_response`` (the batch is written,
    the response never arrives), ``delay_response`` (written; the response arrives ``delay_ms``
    late) or ``fail`` (nothing written; the broker answers ``error``).
    """

    __slots__ = ("kind", "topic", "partition", "remaining", "error", "delay_ms")

    def __init__(self, kind: str, topic: str | None, partition: int | None, count: int, *,
                 error: int = 0, delay_ms: int = 0) -> None:
        self.kind = kind
        self.topic = topic
        self.partition = partition
        self.remaining = count
        self.error = error
        self.delay_ms = delay_ms

    def matches(self, topic: str, partition: int) -> bool:
        """True if this fault applies to a produce request for ``topic``/``partition``."""
        return (self.topic is None or self.topic == topic) and (self.partition is None or self.partition == partition)

    def __repr__(self) -> str:
        extra = f", error={KafkaError(self.error).name()}" if self.kind == FAIL else \
            f", delay_ms={self.delay_ms}" if self.kind == DELAY_RESPONSE else ""
        return f"ProduceFault({self.kind}, topic={self.topic!r}, partition={self.partition}, " \
               f"remaining={self.remaining}{extra})"


class ProduceFaults:
    """The armed produce faults of one cluster, oldest first; each fires at most ``count`` times."""

    def __init__(self, trace: Any) -> None:
        self.trace = trace
        self.faults: list[ProduceFault] = []

    def add(self, fault: ProduceFault, reason: str) -> None:
        """Arm ``fault`` and trace it."""
        self.faults.append(fault)
        self.trace.record("fault_armed", reason, fault=fault.kind, topic=fault.topic, partition=fault.partition,
                          count=fault.remaining, error=KafkaError(fault.error).name() if fault.error else None,
                          delay_ms=fault.delay_ms)

    def take(self, topic: str, partition: int) -> ProduceFault | None:
        """The first armed fault matching this produce request (one use is consumed), or None."""
        for fault in self.faults:
            if fault.matches(topic, partition):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self.faults.remove(fault)
                return fault
        return None


def _check_target(cluster: Any, verb: str, topic: Any, partition: Any, count: Any) -> None:
    if topic is not None:
        if not isinstance(topic, str):
            raise TypeError(f"{verb}: topic must be a str or None, got {type(topic).__name__} {topic!r}")
        if topic not in cluster.topics:
            raise ValueError(f"{verb}: unknown topic {topic!r}; existing: {sorted(cluster.user_topics())}")
    if partition is not None:
        if isinstance(partition, bool) or not isinstance(partition, int):
            raise TypeError(f"{verb}: partition must be an int or None, got {type(partition).__name__} "
                            f"{partition!r}")
        if topic is None:
            raise ValueError(f"{verb}: partition={partition} needs a topic")
        count_p = len(cluster.topics[topic].partitions)
        if not 0 <= partition < count_p:
            raise ValueError(f"{verb}: topic {topic!r} has partitions 0..{count_p - 1}, got partition={partition}")
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"{verb}: count must be an int, got {type(count).__name__} {count!r}")
    if count < 1:
        raise ValueError(f"{verb}: count must be >= 1, got {count}")


def _where(topic: str | None, partition: int | None) -> str:
    if topic is None:
        return "any partition"
    return f"{topic}-{partition}" if partition is not None else f"any partition of {topic}"


class FaultVerbs:
    """Fault verbs on ``Cluster`` for produce requests (mixed into ``Cluster``).

    Kafka: the failures that make producer retries, idempotence and transactions necessary;
    librdkafka's mock cluster offers the same kind of verbs (``rd_kafka_mock_push_request_errors``).
    Simplification: faults apply to Produce requests only, not to other requests.
    """

    _produce_faults: ProduceFaults | None = None

    def _faults(self) -> ProduceFaults:
        if self._produce_faults is None:
            self._produce_faults = ProduceFaults(self.trace)  # type: ignore[attr-defined]
        return self._produce_faults

    def lose_produce_response(self, topic: str | None = None, partition: int | None = None, count: int = 1) -> None:
        """Lose the responses of the next ``count`` produce requests: the write happens, the ack is lost.

        The producer waits for its request timeout (``socket.timeout.ms``, at most what is left of
        ``message.timeout.ms``), then retries the same batch: without idempotence that writes a
        duplicate; with ``enable.idempotence`` the leader recognises the sequence and answers with
        the original offsets.

        Args:
            topic: only requests for this topic (None: any).
            partition: only this partition of ``topic`` (None: any).
            count: how many matching requests lose their response (>= 1).

        Raises:
            TypeError, ValueError: a wrongly typed or impossible argument (unknown topic, ...).

        Kafka: a broker that appended a batch but whose response was lost (connection reset, timeout).
        """
        _check_target(self, "lose_produce_response", topic, partition, count)
        self._faults().add(ProduceFault(LOSE_RESPONSE, topic, partition, count),
                           f"lose_produce_response: next {count} response(s) for {_where(topic, partition)}")

    def delay_produce_response(self, ms: int, topic: str | None = None, partition: int | None = None,
                               count: int = 1) -> None:
        """Delay the responses of the next ``count`` produce requests by ``ms`` (the write happens at once).

        A delay past the producer's request timeout makes it retry while the first write already
        landed; the late response is then ignored.

        Args:
            ms: extra virtual milliseconds before the response arrives (>= 0).
            topic: only requests for this topic (None: any).
            partition: only this partition of ``topic`` (None: any).
            count: how many matching requests are delayed (>= 1).

        Raises:
            TypeError, ValueError: a wrongly typed or impossible argument.

        Kafka: a slow broker or network; ``request.timeout.ms`` / ``delivery.timeout.ms`` (KIP-91).
        """
        if isinstance(ms, bool) or not isinstance(ms, int):
            raise TypeError(f"delay_produce_response: ms must be an int, got {type(ms).__name__} {ms!r}")
        if ms < 0:
            raise ValueError(f"delay_produce_response: ms must be >= 0, got {ms}")
        _check_target(self, "delay_produce_response", topic, partition, count)
        self._faults().add(ProduceFault(DELAY_RESPONSE, topic, partition, count, delay_ms=ms),
                           f"delay_produce_response: next {count} response(s) for {_where(topic, partition)} "
                           f"arrive {ms} ms late")

    def fail_produce(self, error_name: str, topic: str | None = None, partition: int | None = None,
                     count: int = 1) -> None:
        """Reject the next ``count`` produce requests with the broker error ``error_name``; nothing is written.

        Retriable errors (``NOT_ENOUGH_REPLICAS``, ``NOT_LEADER_FOR_PARTITION``,
        ``REQUEST_TIMED_OUT``, ...) are retried after ``retry.backoff.ms``; others (e.g.
        ``MSG_SIZE_TOO_LARGE``, ``INVALID_RECORD``) fail the messages in their delivery reports.

        Args:
            error_name: a broker error name as in ``KafkaError`` (no leading underscore).
            topic: only requests for this topic (None: any).
            partition: only this partition of ``topic`` (None: any).
            count: how many matching requests fail (>= 1).

        Raises:
            TypeError, ValueError: a wrongly typed argument, an unknown or local error name.

        Kafka: Produce response error codes (``ProduceResponse``); ``RetriableException``.
        """
        if not isinstance(error_name, str):
            raise TypeError(f"fail_produce: error_name must be a str such as 'NOT_ENOUGH_REPLICAS', "
                            f"got {type(error_name).__name__} {error_name!r}")
        code = getattr(ERR, error_name, None) if not error_name.startswith("_") else None
        if code is None or code <= 0:
            raise ValueError(f"fail_produce: {error_name!r} is not a broker error name (examples: "
                             f"'NOT_ENOUGH_REPLICAS', 'NOT_LEADER_FOR_PARTITION', 'MSG_SIZE_TOO_LARGE')")
        _check_target(self, "fail_produce", topic, partition, count)
        kind = "retriable" if code in RETRIABLE_PRODUCE_ERRORS else "not retriable"
        self._faults().add(ProduceFault(FAIL, topic, partition, count, error=code),
                           f"fail_produce: next {count} request(s) for {_where(topic, partition)} fail with "
                           f"{error_name} ({kind})")

    def clear_produce_faults(self) -> int:
        """Disarm every produce fault that has not fired yet; return how many were armed."""
        faults = self._produce_faults
        if faults is None or not faults.faults:
            return 0
        count = len(faults.faults)
        faults.faults.clear()
        self.trace.record("fault_cleared", "clear_produce_faults()", count=count)  # type: ignore[attr-defined]
        return count

    def produce_faults(self) -> list[ProduceFault]:
        """The produce faults still armed, oldest first."""
        return list(self._produce_faults.faults) if self._produce_faults is not None else []
