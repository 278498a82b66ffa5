"""KafkaError and KafkaException behave as confluent-kafka's."""

from kafkalab import KafkaError, KafkaException
from kafkalab.errors import ERR


def test_errors_str_matches_confluent_kafka_format():
    """str() is KafkaError{code=NAME,val=N,str="..."} with librdkafka's default text."""
    e = KafkaError(KafkaError.ILLEGAL_GENERATION)
    text = 'KafkaError{code=ILLEGAL_GENERATION,val=22,str="Broker: Specified group generation id is not valid"}'
    assert str(e) == text
    assert e.name() == "ILLEGAL_GENERATION" and e.code() == 22


def test_errors_fatal_flag_and_reason_appear_in_str():
    """A fatal error says FATAL first; a reason replaces the default text."""
    e = KafkaError(-186, "custom reason", fatal=True)
    assert str(e) == 'KafkaError{FATAL,code=_INVALID_ARG,val=-186,str="custom reason"}'
    assert e.fatal() and not e.retriable() and not e.txn_requires_abort()


def test_errors_compare_with_codes_and_each_other():
    """Errors compare equal by code, and to the bare int code."""
    assert KafkaError(25) == KafkaError.UNKNOWN_MEMBER_ID == 25
    assert KafkaError(25, "x") == KafkaError(25)
    assert hash(KafkaError(27)) == hash(KafkaError(27, "y"))


def test_errors_codes_have_confluent_values():
    """The codes named in KAFKA_REFERENCE §7.5 carry confluent-kafka's values."""
    expected = {"_PARTITION_EOF": -191, "OFFSET_OUT_OF_RANGE": 1, "_AUTO_OFFSET_RESET": -140,
                "_MAX_POLL_EXCEEDED": -147, "ILLEGAL_GENERATION": 22, "UNKNOWN_MEMBER_ID": 25,
                "REBALANCE_IN_PROGRESS": 27, "_NO_OFFSET": -168, "_INVALID_ARG": -186, "_MSG_TIMED_OUT": -192,
                "_TRANSPORT": -195, "_ALL_BROKERS_DOWN": -187, "_QUEUE_FULL": -184, "_UNKNOWN_TOPIC": -188,
                "UNKNOWN_TOPIC_OR_PART": 3, "TOPIC_ALREADY_EXISTS": 36, "_FENCED": -144, "PRODUCER_FENCED": 90,
                "INVALID_PRODUCER_EPOCH": 47, "_STATE": -172, "_ASSIGNMENT_LOST": -142, "_TIMED_OUT": -185,
                "NOT_ENOUGH_REPLICAS": 19, "STALE_MEMBER_EPOCH": 113, "FENCED_MEMBER_EPOCH": 110,
                "UNSTABLE_OFFSET_COMMIT": 88, "_WAIT_COORD": -180, "_NOT_CONFIGURED": -145}
    assert {name: getattr(KafkaError, name) for name in expected} == expected
    assert ERR._PARTITION_EOF == -191


def test_errors_exception_carries_error_in_args():
    """KafkaException(err).args[0] is the KafkaError; str() is the error's str."""
    err = KafkaError(KafkaError._NO_OFFSET, "Commit failed: Local: No offset stored")
    exc = KafkaException(err)
    assert exc.args[0] is err
    assert str(exc) == 'KafkaError{code=_NO_OFFSET,val=-168,str="Commit failed: Local: No offset stored"}'
