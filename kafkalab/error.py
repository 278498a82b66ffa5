"""``kafkalab.error``: the client error types of ``confluent_kafka.error``.

confluent-kafka's serializing clients raise these; kafkalab has no serializers, but code written for
confluent-kafka imports and catches them (``except ConsumeError``), so they exist with the same bases,
constructors and attributes (``code``, ``name``, ``exception``, ``kafka_message``). Standard library only.

Kafka: confluent-kafka ``confluent_kafka/error.py`` and ``confluent_kafka.serialization.SerializationError``.
"""

from .client.message import Message
from .errors import KafkaError, KafkaException

__all__ = ["ConsumeError", "KafkaError", "KafkaException", "KeyDeserializationError", "KeySerializationError",
           "Message", "ProduceError", "SerializationError", "ValueDeserializationError", "ValueSerializationError"]


class SerializationError(KafkaException):
    """A serializer or deserializer failed (``confluent_kafka.serialization.SerializationError``)."""


class _KafkaClientError(KafkaException):
    """A client error carrying a ``KafkaError`` (``args[0]``), the original exception and the message, if any."""

    def __init__(self, kafka_error: KafkaError, exception: BaseException | None = None,
                 kafka_message: Message | None = None) -> None:
        super().__init__(kafka_error)
        self.exception = exception
        self.kafka_message = kafka_message

    @property
    def code(self) -> int:
        """The error code (``args[0].code()``)."""
        return self.args[0].code()

    @property
    def name(self) -> str:
        """The error code's name (``args[0].name()``)."""
        return self.args[0].name()


class ConsumeError(_KafkaClientError):
    """An error while consuming a message; ``kafka_message`` holds the message as the broker returned it."""


class KeyDeserializationError(ConsumeError, SerializationError):
    """The key of a consumed message could not be deserialized (code ``_KEY_DESERIALIZATION``)."""

    def __init__(self, exception: BaseException | None = None, kafka_message: Message | None = None) -> None:
        super().__init__(KafkaError(KafkaError._KEY_DESERIALIZATION, str(exception)), exception=exception,
                         kafka_message=kafka_message)


class ValueDeserializationError(ConsumeError, SerializationError):
    """The value of a consumed message could not be deserialized (code ``_VALUE_DESERIALIZATION``)."""

    def __init__(self, exception: BaseException | None = None, kafka_message: Message | None = None) -> None:
        super().__init__(KafkaError(KafkaError._VALUE_DESERIALIZATION, str(exception)), exception=exception,
                         kafka_message=kafka_message)


class ProduceError(_KafkaClientError):
    """An error while producing a message."""

    def __init__(self, kafka_error: KafkaError, exception: BaseException | None = None) -> None:
        super().__init__(kafka_error, exception, None)


class KeySerializationError(ProduceError, SerializationError):
    """The key of a message to produce could not be serialized (code ``_KEY_SERIALIZATION``)."""

    def __init__(self, exception: BaseException | None = None) -> None:
        super().__init__(KafkaError(KafkaError._KEY_SERIALIZATION, str(exception)), exception=exception)


class ValueSerializationError(ProduceError, SerializationError):
    """The value of a message to produce could not be serialized (code ``_VALUE_SERIALIZATION``)."""

    def __init__(self, exception: BaseException | None = None) -> None:
        super().__init__(KafkaError(KafkaError._VALUE_SERIALIZATION, str(exception)), exception=exception)
