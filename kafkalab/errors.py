"""Kafka error codes and the two exception types of confluent-kafka.

Owns ``KafkaError`` (codes, names and default texts exactly as confluent-kafka 2.16 /
librdkafka 2.16 report them) and ``KafkaException``. Imports only the standard library.
"""

from __future__ import annotations

from ._error_table import ERROR_TABLE

_BY_CODE: dict[int, tuple[str, str]] = {code: (name, text) for code, name, text in ERROR_TABLE}


class KafkaError:
    """An error code with its name and text, as ``confluent_kafka.KafkaError``.

    ``str()`` is ``KafkaError{[FATAL,]code=NAME,val=N,str="..."}``; two errors compare equal
    when their codes are equal, and an error compares equal to its integer code.

    Kafka: librdkafka ``rd_kafka_resp_err_t``; confluent-kafka ``KafkaError``.
    """

    __slots__ = ("_code", "_reason", "_fatal", "_retriable", "_txn_requires_abort")

    def __init__(
        self,
        error: int,
        reason: str | None = None,
        fatal: bool = False,
        retriable: bool = False,
        txn_requires_abort: bool = False,
    ) -> None:
        if isinstance(error, bool) or not isinstance(error, int):
            raise TypeError(f"KafkaError: error must be an int error code, got {error!r}")
        self._code = error
        self._reason = reason
        self._fatal = bool(fatal)
        self._retriable = bool(retriable)
        self._txn_requires_abort = bool(txn_requires_abort)

    def code(self) -> int:
        """The numeric error code (negative for local errors)."""
        return self._code

    def name(self) -> str:
        """The code's name, for example ``ILLEGAL_GENERATION`` or ``_PARTITION_EOF``."""
        entry = _BY_CODE.get(self._code)
        return entry[0] if entry else f"ERR_{self._code}?"

    def str(self) -> str:
        """The human-readable text: the reason if one was given, else the code's default text."""
        if self._reason is not None:
            return self._reason
        entry = _BY_CODE.get(self._code)
        return entry[1] if entry else f"Err-{self._code}?"

    def fatal(self) -> bool:
        """True if the client instance is unusable after this error."""
        return self._fatal

    def retriable(self) -> bool:
        """True if the operation may be retried."""
        return self._retriable

    def txn_requires_abort(self) -> bool:
        """True if the current transaction must be aborted before going on."""
        return self._txn_requires_abort

    def __str__(self) -> str:
        fatal = "FATAL," if self._fatal else ""
        return f'KafkaError{{{fatal}code={self.name()},val={self._code},str="{self.str()}"}}'

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, KafkaError):
            return self._code == other._code
        if isinstance(other, int) and not isinstance(other, bool):
            return self._code == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._code)


for _code, _name, _text in ERROR_TABLE:
    setattr(KafkaError, _name, _code)
del _code, _name, _text


class KafkaException(Exception):
    """An exception carrying a ``KafkaError`` as ``args[0]``, as ``confluent_kafka.KafkaException``.

    ``str()`` is Python's: the KafkaError's text for one argument, the args tuple for several
    (``str(KafkaException(KafkaError._FAIL, "boom"))`` is ``(-196, 'boom')``, as confluent-kafka prints it).
    """


def invalid_arg(text: str) -> KafkaException:
    """The exception librdkafka raises for bad configuration: code ``_INVALID_ARG`` with ``text``."""
    return KafkaException(KafkaError(ERR._INVALID_ARG, text))


class ERR:
    """Error codes as plain ints, for the engine (``ERR.ILLEGAL_GENERATION == 22``)."""


for _code, _name, _text in ERROR_TABLE:
    setattr(ERR, _name, _code)
del _code, _name, _text

#: Broker errors a producer retries (Kafka's ``RetriableException`` subclasses a Produce can get).
#: A client rule (the sender retries them; ``fail_produce`` names them in its trace reason).
RETRIABLE_PRODUCE_ERRORS = frozenset({
    ERR.INVALID_MSG, ERR.UNKNOWN_TOPIC_OR_PART, ERR.LEADER_NOT_AVAILABLE, ERR.NOT_LEADER_FOR_PARTITION,
    ERR.REQUEST_TIMED_OUT, ERR.NETWORK_EXCEPTION, ERR.NOT_ENOUGH_REPLICAS, ERR.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
    ERR.KAFKA_STORAGE_ERROR, ERR.FENCED_LEADER_EPOCH, ERR.UNKNOWN_LEADER_EPOCH, ERR.THROTTLING_QUOTA_EXCEEDED,
    ERR.CONCURRENT_TRANSACTIONS, ERR.COORDINATOR_LOAD_IN_PROGRESS, ERR.COORDINATOR_NOT_AVAILABLE,
    ERR.NOT_COORDINATOR,
})
