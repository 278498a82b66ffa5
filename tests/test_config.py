"""Tests for kafkalab.config: client, topic and broker configuration.

Every client error text below was captured from confluent-kafka 2.16.1 (librdkafka 2.16.0) by
constructing real clients without bootstrap.servers; the texts are hard-coded here on purpose.
"""

from __future__ import annotations

import pytest

from kafkalab.config import (
    ClientConfig,
    Prop,
    check_consumer,
    check_producer,
    resolve_broker,
    resolve_client,
    resolve_topic,
)
from kafkalab.errors import ERR, KafkaException

G = {"group.id": "g"}


def client_error(kind: str, conf: dict, **kwargs) -> tuple[int, str]:
    """Resolve and check a client config that must fail with KafkaException; return (code, text)."""
    with pytest.raises(KafkaException) as info:
        cfg = resolve_client(kind, conf, **kwargs)
        (check_consumer if kind == "consumer" else check_producer)(cfg)
    return info.value.args[0].code(), info.value.args[0].str()


def broker_error(func, conf: dict) -> tuple[int, str]:
    with pytest.raises(KafkaException) as info:
        func(conf)
    return info.value.args[0].code(), info.value.args[0].str()


def exact_error(exc_type: type[Exception], text: str, func, *args) -> None:
    """``func(*args)`` must raise exactly ``exc_type`` with message ``text``."""
    with pytest.raises(exc_type) as info:
        func(*args)
    assert type(info.value) is exc_type and str(info.value) == text


def checked(kind: str, conf: dict) -> ClientConfig:
    cfg = resolve_client(kind, conf)
    (check_consumer if kind == "consumer" else check_producer)(cfg)
    return cfg


# -- unknown properties ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["foo.bar", "key.serializer", "fetch.max.wait.ms", "kafkalab.foo", "5"])
def test_client_config_unknown_property_fails_like_librdkafka(name):
    assert client_error("consumer", {**G, name: 1}) == (
        ERR._INVALID_ARG, f'No such configuration property: "{name}"')


def test_client_config_non_string_key_is_converted_with_str():
    assert client_error("consumer", {**G, 5: 1})[1] == 'No such configuration property: "5"'


def test_client_config_callback_of_the_other_client_is_unknown():
    assert client_error("consumer", {**G, "on_delivery": print})[1] == \
        'No such configuration property: "on_delivery"'
    assert client_error("producer", {"on_commit": print})[1] == 'No such configuration property: "on_commit"'


def test_client_config_dedicated_api_property_fails():
    assert client_error("consumer", {**G, "rebalance_cb": print})[1] == \
        'Property "rebalance_cb" must be set through dedicated .._set_..() function'


def test_client_config_non_dict_is_type_error():
    for conf in ("x", None, [("group.id", "g")]):
        exact_error(TypeError, "expected configuration dict", resolve_client, "consumer", conf)


# -- value errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("conf", "text"), [
    ({"auto.offset.reset": "none"}, 'Invalid value "none" for configuration property "auto.offset.reset"'),
    ({"auto.offset.reset": 5}, 'Invalid value "5" for configuration property "auto.offset.reset"'),
    ({"auto.offset.reset": ""}, 'Configuration property "auto.offset.reset" cannot be set to empty value'),
    ({"group.protocol": "bogus"}, 'Invalid value "bogus" for configuration property "group.protocol"'),
    ({"debug": "broker,bogus"}, 'Invalid value "bogus" for configuration property "debug"'),
    ({"compression.type": "brotli"}, 'Invalid value "brotli" for configuration property "compression.codec"'),
    ({"session.timeout.ms": "abc"}, 'Invalid value for configuration property "session.timeout.ms"'),
    ({"session.timeout.ms": True}, 'Invalid value for configuration property "session.timeout.ms"'),
    ({"session.timeout.ms": None},
     'Integer configuration property "session.timeout.ms" cannot be set to empty value'),
    ({"session.timeout.ms": 0},
     'Configuration property "session.timeout.ms" value 0 is outside allowed range 1..3600000\n'),
    ({"session.timeout.ms": -5},
     'Configuration property "session.timeout.ms" value -5 is outside allowed range 1..3600000\n'),
    ({"session.timeout.ms": 99999999999},
     'Configuration property "session.timeout.ms" value 1215752191 is outside allowed range 1..3600000\n'),
    ({"session.timeout.ms": "4294967296"},
     'Configuration property "session.timeout.ms" value 0 is outside allowed range 1..3600000\n'),
    ({"socket.timeout.ms": 5},
     'Configuration property "socket.timeout.ms" value 5 is outside allowed range 10..300000\n'),
    ({"enable.auto.commit": "yes"}, 'Expected bool value for "enable.auto.commit": true or false'),
    ({"enable.auto.commit": 2}, 'Expected bool value for "enable.auto.commit": true or false'),
    ({"enable.auto.commit": " true"}, 'Expected bool value for "enable.auto.commit": true or false'),
    ({"enable.auto.commit": None},
     'Bool configuration property "enable.auto.commit" cannot be set to empty value'),
])
def test_client_config_bad_value_fails_with_librdkafka_text(conf, text):
    assert client_error("consumer", {**G, **conf}) == (ERR._INVALID_ARG, text)


@pytest.mark.parametrize(("conf", "text"), [
    ({"partitioner": "bogus"}, 'Invalid value for configuration property "partitioner": bogus'),
    ({"partitioner": "MURMUR2"}, 'Invalid value for configuration property "partitioner": MURMUR2'),
    ({"partitioner": ""}, 'Invalid value for configuration property "partitioner": (null)'),
    ({"acks": "bogus"}, 'Invalid value for configuration property "request.required.acks"'),
    ({"acks": " all"}, 'Invalid value for configuration property "request.required.acks"'),
    ({"acks": -2},
     'Configuration property "request.required.acks" value -2 is outside allowed range -1..1000\n'),
    ({"linger.ms": "abc"}, 'Invalid value for configuration property "queue.buffering.max.ms"'),
    ({"linger.ms": -1.5},
     'Configuration property "queue.buffering.max.ms" value -1.5 is outside allowed range 0..900000\n'),
    ({"linger.ms": 1e7},
     'Configuration property "queue.buffering.max.ms" value 1e+07 is outside allowed range 0..900000\n'),
    ({"linger.ms": ""}, 'Float configuration property "queue.buffering.max.ms" cannot be set to empty value'),
    ({"transaction.timeout.ms": 999},
     'Configuration property "transaction.timeout.ms" value 999 is outside allowed range 1000..2147483647\n'),
    ({"on_delivery": 5}, "on_delivery requires a callable object"),
])
def test_producer_config_bad_value_fails_with_librdkafka_text(conf, text):
    assert client_error("producer", conf) == (ERR._INVALID_ARG, text)


def test_client_config_python_callbacks_must_be_callable():
    exact_error(TypeError, "expected error_cb property as a callable function",
                resolve_client, "producer", {"error_cb": None})
    exact_error(TypeError, "expected stats_cb property as a callable function",
                resolve_client, "consumer", {**G, "stats_cb": 5})
    exact_error(TypeError, "expected oauth_cb property as a callable function",
                resolve_client, "consumer", {**G, "oauth_cb": 5})
    # confluent-kafka really raises ValueError for throttle_cb (verified).
    exact_error(ValueError, "expected throttle_cb property as a callable function",
                resolve_client, "consumer", {**G, "throttle_cb": 5})
    assert client_error("consumer", {**G, "on_commit": 5}) == (
        ERR._INVALID_ARG, "on_commit requires a callable object")
    assert resolve_client("consumer", {**G, "logger": object(), "on_commit": print})["on_commit"] is print


# -- coercion and aliases ----------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "expected"), [
    (True, True), ("true", True), ("True", True), ("t", True), ("1", True), (1, True),
    (False, False), ("FALSE", False), ("f", False), ("0", False), (0, False),
])
def test_client_config_bool_coercion(value, expected):
    assert resolve_client("consumer", {**G, "enable.auto.commit": value})["enable.auto.commit"] is expected


@pytest.mark.parametrize(("value", "expected"), [
    (45000, 45000), ("45000", 45000), (" 45000", 45000), ("+45000", 45000), ("45000abc", 45000),
    (45000.5, 45000), ("0x10", 16), ("010", 8), (4294967297, 1),
])
def test_client_config_int_coercion_follows_strtol(value, expected):
    assert resolve_client("consumer", {**G, "session.timeout.ms": value})["session.timeout.ms"] == expected


def test_client_config_acks_all_means_minus_one():
    for value in ("all", "ALL", "-1", -1):
        assert resolve_client("producer", {"acks": value})["request.required.acks"] == -1
    assert resolve_client("producer", {"acks": "1"})["request.required.acks"] == 1
    assert resolve_client("producer", {"acks": 0})["request.required.acks"] == 0


def test_client_config_enum_is_case_insensitive_and_canonicalised():
    cfg = resolve_client("consumer", {**G, "auto.offset.reset": "EARLIEST",
                                      "isolation.level": "READ_COMMITTED"})
    assert (cfg["auto.offset.reset"], cfg["isolation.level"]) == ("earliest", "read_committed")


def test_client_config_linger_is_rounded_up_to_whole_ms():
    assert resolve_client("producer", {"linger.ms": 5.5})["queue.buffering.max.ms"] == 6
    assert resolve_client("producer", {"linger.ms": "1e3"})["queue.buffering.max.ms"] == 1000


@pytest.mark.parametrize(("kind", "alias", "canonical", "value", "typed"), [
    ("producer", "linger.ms", "queue.buffering.max.ms", "20", 20),
    ("producer", "acks", "request.required.acks", "all", -1),
    ("producer", "retries", "message.send.max.retries", 3, 3),
    ("producer", "delivery.timeout.ms", "message.timeout.ms", 1000, 1000),
    ("producer", "compression.type", "compression.codec", "gzip", "gzip"),
    ("producer", "max.in.flight", "max.in.flight.requests.per.connection", 5, 5),
    ("consumer", "max.partition.fetch.bytes", "fetch.message.max.bytes", 2048, 2048),
    ("consumer", "metadata.broker.list", "bootstrap.servers", "c1", "c1"),
])
def test_client_config_alias_maps_to_canonical_name(kind, alias, canonical, value, typed):
    cfg = resolve_client(kind, {**G, alias: value} if kind == "consumer" else {alias: value})
    assert cfg[canonical] == typed
    assert alias not in cfg
    assert canonical in cfg.given


def test_client_config_keywords_win_over_dict():
    cfg = resolve_client("consumer", {**G, "auto.offset.reset": "none"}, **{"auto.offset.reset": "earliest"})
    assert cfg["auto.offset.reset"] == "earliest"
    assert resolve_client("consumer", {}, **G)["group.id"] == "g"


def test_client_config_assignment_strategy_is_a_list():
    cfg = resolve_client("consumer", {**G, "partition.assignment.strategy": ",,roundrobin, range"})
    assert cfg["partition.assignment.strategy"] == ["roundrobin", "range"]
    assert resolve_client("consumer", {**G, "partition.assignment.strategy": ""})[
        "partition.assignment.strategy"] == ["range", "roundrobin"]


# -- defaults ----------------------------------------------------------------------------------------
def test_consumer_config_librdkafka_defaults():
    cfg = checked("consumer", G)
    assert isinstance(cfg, dict)
    assert {k: cfg[k] for k in (
        "client.id", "session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms",
        "partition.assignment.strategy", "enable.auto.commit", "auto.commit.interval.ms",
        "enable.auto.offset.store", "auto.offset.reset", "isolation.level", "enable.partition.eof",
        "fetch.wait.max.ms", "fetch.min.bytes", "fetch.message.max.bytes", "fetch.max.bytes",
        "queued.min.messages", "check.crcs", "allow.auto.create.topics", "group.protocol",
        "group.instance.id", "bootstrap.servers", "kafkalab.client.semantics", "kafkalab.request.latency.ms",
        "on_commit", "error_cb")} == {
        "client.id": "rdkafka", "session.timeout.ms": 45000, "heartbeat.interval.ms": 3000,
        "max.poll.interval.ms": 300000, "partition.assignment.strategy": ["range", "roundrobin"],
        "enable.auto.commit": True, "auto.commit.interval.ms": 5000, "enable.auto.offset.store": True,
        "auto.offset.reset": "largest", "isolation.level": "read_committed", "enable.partition.eof": False,
        "fetch.wait.max.ms": 500, "fetch.min.bytes": 1, "fetch.message.max.bytes": 1048576,
        "fetch.max.bytes": 52428800, "queued.min.messages": 100000, "check.crcs": False,
        "allow.auto.create.topics": False, "group.protocol": "classic", "group.instance.id": None,
        "bootstrap.servers": None, "kafkalab.client.semantics": "librdkafka",
        "kafkalab.request.latency.ms": 2, "on_commit": None, "error_cb": None}
    assert cfg.given == {"group.id"} and cfg.warnings == []


def test_producer_config_librdkafka_defaults():
    cfg = checked("producer", {})
    assert {k: cfg[k] for k in (
        "request.required.acks", "enable.idempotence", "transactional.id", "transaction.timeout.ms",
        "message.timeout.ms", "message.send.max.retries", "retry.backoff.ms", "retry.backoff.max.ms",
        "queue.buffering.max.messages", "queue.buffering.max.kbytes", "queue.buffering.max.ms",
        "batch.num.messages", "batch.size", "partitioner", "sticky.partitioning.linger.ms",
        "max.in.flight.requests.per.connection", "request.timeout.ms", "socket.timeout.ms",
        "compression.codec", "statistics.interval.ms", "debug", "enable.gapless.guarantee",
        "message.max.bytes", "allow.auto.create.topics", "on_delivery")} == {
        "request.required.acks": -1, "enable.idempotence": False, "transactional.id": None,
        "transaction.timeout.ms": 60000, "message.timeout.ms": 300000, "message.send.max.retries": 2147483647,
        "retry.backoff.ms": 100, "retry.backoff.max.ms": 1000, "queue.buffering.max.messages": 100000,
        "queue.buffering.max.kbytes": 1048576, "queue.buffering.max.ms": 5, "batch.num.messages": 10000,
        "batch.size": 1000000, "partitioner": "consistent_random", "sticky.partitioning.linger.ms": 10,
        "max.in.flight.requests.per.connection": 1000000, "request.timeout.ms": 30000,
        "socket.timeout.ms": 60000, "compression.codec": "none", "statistics.interval.ms": 0, "debug": [],
        "enable.gapless.guarantee": False, "message.max.bytes": 1000000, "allow.auto.create.topics": True,
        "on_delivery": None}
    assert "session.timeout.ms" not in cfg and "group.id" not in cfg


def test_client_config_default_lists_are_not_shared():
    first = resolve_client("consumer", G)
    first["partition.assignment.strategy"].append("x")
    assert resolve_client("consumer", G)["partition.assignment.strategy"] == ["range", "roundrobin"]


# -- java semantics ----------------------------------------------------------------------------------
def test_client_config_java_semantics_switch_defaults():
    java = {"kafkalab.client.semantics": "java"}
    consumer = checked("consumer", {**G, **java})
    producer = checked("producer", java)
    assert (consumer["isolation.level"], consumer["auto.offset.reset"], consumer["session.timeout.ms"],
            consumer["partition.assignment.strategy"]) == (
        "read_uncommitted", "latest", 45000, ["range", "cooperative-sticky"])
    assert (producer["enable.idempotence"], producer["queue.buffering.max.ms"], producer["partitioner"],
            producer["request.required.acks"], producer["max.in.flight.requests.per.connection"]) == (
        True, 5, "murmur2_random", -1, 5)


def test_client_config_explicit_values_win_over_java_defaults():
    cfg = checked("consumer", {**G, "kafkalab.client.semantics": "java", "isolation.level": "read_committed",
                               "auto.offset.reset": "earliest",
                               "partition.assignment.strategy": "roundrobin"})
    assert (cfg["isolation.level"], cfg["auto.offset.reset"], cfg["partition.assignment.strategy"]) == (
        "read_committed", "earliest", ["roundrobin"])
    producer = checked("producer", {"kafkalab.client.semantics": "java", "partitioner": "consistent",
                                    "enable.idempotence": False, "acks": 1})
    assert (producer["partitioner"], producer["enable.idempotence"], producer["request.required.acks"]) == (
        "consistent", False, 1)


def test_client_config_java_idempotence_yields_to_explicit_conflicts():
    cfg = checked("producer", {"kafkalab.client.semantics": "java", "acks": 1})
    assert (cfg["enable.idempotence"], cfg["request.required.acks"]) == (False, 1)


def test_client_config_bad_semantics_value_fails():
    assert client_error("producer", {"kafkalab.client.semantics": "kotlin"})[1] == \
        'Invalid value "kotlin" for configuration property "kafkalab.client.semantics"'
    assert client_error("producer", {"kafkalab.request.latency.ms": 60001})[1] == (
        'Configuration property "kafkalab.request.latency.ms" value 60001 is outside allowed range '
        "0..60000\n")


# -- CONFWARN ----------------------------------------------------------------------------------------
def test_client_config_wrong_scope_property_is_a_warning():
    consumer = resolve_client("consumer", {**G, "linger.ms": 10, "acks": "all"})
    assert consumer.warnings == [
        "Configuration property queue.buffering.max.ms is a producer property and will be ignored by this "
        "consumer instance",
        "Configuration property request.required.acks is a producer property and will be ignored by this "
        "consumer instance"]
    producer = resolve_client("producer", {"auto.offset.reset": "earliest", "enable.auto.commit": False,
                                           "session.timeout.ms": 1000})
    assert producer.warnings == [
        f"Configuration property {name} is a consumer property and will be ignored by this producer instance"
        for name in ("session.timeout.ms", "enable.auto.commit", "auto.offset.reset")]
    assert producer["session.timeout.ms"] == 1000


# -- consumer construction checks --------------------------------------------------------------------
def test_consumer_check_requires_group_id():
    for conf in ({}, {"group.id": None}, {"partition.assignment.strategy": "foo"}):
        exact_error(ValueError, "Failed to create consumer: group.id must be set", checked, "consumer", conf)


@pytest.mark.parametrize(("strategy", "text"), [
    ("range,cooperative-sticky",
     "Failed to create consumer: All partition.assignment.strategy (range,cooperative-sticky) assignors must "
     "have the same protocol type, online migration between assignors with different protocol types is not "
     "supported"),
    ("range, cooperative-sticky",
     "Failed to create consumer: All partition.assignment.strategy (range, cooperative-sticky) assignors "
     "must have the same protocol type, online migration between assignors with different protocol types "
     "is not supported"),
    ("foo", "Failed to create consumer: Unsupported partition.assignment.strategy: foo"),
    ("range,foo,cooperative-sticky",
     "Failed to create consumer: Unsupported partition.assignment.strategy: foo"),
    (" range , roundrobin", "Failed to create consumer: Unsupported partition.assignment.strategy: range "),
    ("sticky", "Failed to create consumer: Unsupported partition.assignment.strategy: sticky"),
])
def test_consumer_check_assignor_errors(strategy, text):
    assert client_error("consumer", {**G, "partition.assignment.strategy": strategy}) == (
        ERR._INVALID_ARG, text)


def test_consumer_check_java_allows_mixed_assignors():
    cfg = checked("consumer", {**G, "kafkalab.client.semantics": "java",
                               "partition.assignment.strategy": "range,cooperative-sticky"})
    assert cfg["partition.assignment.strategy"] == ["range", "cooperative-sticky"]
    assert checked("consumer", {**G, "partition.assignment.strategy": "cooperative-sticky"})


def test_consumer_check_other_construction_errors():
    assert client_error("consumer", {**G, "fetch.min.bytes": 0})[1] == (
        'Failed to create consumer: Configuration property "fetch.min.bytes" value is outside allowed range '
        "1..100000000")
    kip848 = {**G, "group.protocol": "consumer"}
    assert client_error("consumer", {**kip848, "session.timeout.ms": 10000})[1] == (
        "Failed to create consumer: `session.timeout.ms` is not supported for `group.protocol=consumer` or "
        "share consumer. It is defined broker side")
    assert client_error("consumer", {**kip848, "partition.assignment.strategy": "range",
                                     "heartbeat.interval.ms": 100})[1] == (
        "Failed to create consumer: `partition.assignment.strategy` is not supported for "
        "`group.protocol=consumer`. Use `group.remote.assignor` instead")
    assert checked("consumer", kip848)["group.protocol"] == "consumer"


def test_consumer_check_allows_heartbeat_above_session_timeout():
    assert checked("consumer", {**G, "heartbeat.interval.ms": 50000})["heartbeat.interval.ms"] == 50000


# -- producer construction checks --------------------------------------------------------------------
@pytest.mark.parametrize(("conf", "text"), [
    ({"enable.idempotence": True, "acks": 1},
     "Failed to create producer: `acks` must be set to `all` when `enable.idempotence` is true"),
    ({"transactional.id": "t", "acks": 0},
     "Failed to create producer: `acks` must be set to `all` when `enable.idempotence` is true"),
    ({"transactional.id": "t", "enable.idempotence": False},
     "Failed to create producer: `transactional.id` requires `enable.idempotence=true`"),
    ({"enable.idempotence": True, "max.in.flight": 6},
     "Failed to create producer: `max.in.flight` must be set <= 5 when `enable.idempotence` is true"),
    ({"enable.idempotence": True, "retries": 0},
     "Failed to create producer: `retries` must be set >= 1 when `enable.idempotence` is true"),
    ({"transactional.id": "t", "message.timeout.ms": 70000},
     "Failed to create producer: `message.timeout.ms` must be set <= `transaction.timeout.ms`"),
    ({"transactional.id": "t", "transaction.timeout.ms": 10000, "socket.timeout.ms": 10101},
     "Failed to create producer: `socket.timeout.ms` must be set <= `transaction.timeout.ms` + 100"),
    ({"enable.gapless.guarantee": True},
     "Failed to create producer: `enable.gapless.guarantee` requires `enable.idempotence` to be enabled"),
])
def test_producer_check_idempotence_errors(conf, text):
    assert client_error("producer", conf) == (ERR._INVALID_ARG, text)


def test_producer_check_transactional_id_enables_idempotence():
    cfg = checked("producer", {"transactional.id": "t", "transaction.timeout.ms": 10000})
    assert (cfg["enable.idempotence"], cfg["request.required.acks"],
            cfg["max.in.flight.requests.per.connection"], cfg["message.timeout.ms"],
            cfg["socket.timeout.ms"]) == (True, -1, 5, 10000, 9900)


# -- topic configs -----------------------------------------------------------------------------------
def test_topic_config_defaults():
    cfg = resolve_topic(None)
    assert {k: cfg[k] for k in (
        "cleanup.policy", "retention.ms", "retention.bytes", "segment.bytes", "segment.ms",
        "segment.jitter.ms", "delete.retention.ms", "min.cleanable.dirty.ratio", "min.compaction.lag.ms",
        "max.compaction.lag.ms",
        "message.timestamp.type", "min.insync.replicas", "file.delete.delay.ms", "max.message.bytes",
        "unclean.leader.election.enable")} == {
        "cleanup.policy": ["delete"], "retention.ms": 604800000, "retention.bytes": -1,
        "segment.bytes": 1073741824, "segment.ms": 604800000, "segment.jitter.ms": 0,
        "delete.retention.ms": 86400000, "min.cleanable.dirty.ratio": 0.5, "min.compaction.lag.ms": 0,
        "max.compaction.lag.ms": 9223372036854775807, "message.timestamp.type": "CreateTime",
        "min.insync.replicas": 1, "file.delete.delay.ms": 60000, "max.message.bytes": 1048588,
        "unclean.leader.election.enable": False}


def test_topic_config_values_are_typed():
    cfg = resolve_topic({"retention.ms": "-1", "segment.bytes": 14, "cleanup.policy": "compact, delete",
                         "min.cleanable.dirty.ratio": "0.1", "unclean.leader.election.enable": "TRUE"})
    assert (cfg["retention.ms"], cfg["segment.bytes"], cfg["cleanup.policy"],
            cfg["min.cleanable.dirty.ratio"], cfg["unclean.leader.election.enable"]) == (
        -1, 14, ["compact", "delete"], 0.1, True)


@pytest.mark.parametrize(("conf", "text"), [
    ({"foo.bar": 1}, "Unknown topic config name: foo.bar"),
    ({"log.retention.ms": 1}, "Unknown topic config name: log.retention.ms"),
    ({"segment.bytes": -5}, "Invalid value -5 for configuration segment.bytes: Value must be at least 14"),
    ({"cleanup.policy": "foo"},
     "Invalid value foo for configuration cleanup.policy: String must be one of: compact, delete"),
    ({"cleanup.policy": "delete,foo"},
     "Invalid value foo for configuration cleanup.policy: String must be one of: compact, delete"),
    ({"retention.ms": -2}, "Invalid value -2 for configuration retention.ms: Value must be at least -1"),
    ({"retention.ms": "abc"}, "Invalid value abc for configuration retention.ms: Not a number of type LONG"),
    ({"segment.bytes": 1.5}, "Invalid value 1.5 for configuration segment.bytes: Not a number of type INT"),
    ({"segment.bytes": 2**31},
     "Invalid value 2147483648 for configuration segment.bytes: Not a number of type INT"),
    ({"min.cleanable.dirty.ratio": 1.5},
     "Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1"),
    ({"message.timestamp.type": "createtime"},
     "Invalid value createtime for configuration message.timestamp.type: String must be one of: CreateTime, "
     "LogAppendTime"),
    ({"unclean.leader.election.enable": "yes"},
     "Invalid value yes for configuration unclean.leader.election.enable: Expected value to be either true "
     "or false"),
    ({"min.compaction.lag.ms": 10, "max.compaction.lag.ms": 5},
     "conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)"),
])
def test_topic_config_errors_use_kafka_texts(conf, text):
    assert broker_error(resolve_topic, conf) == (ERR.INVALID_CONFIG, text)


def test_topic_config_defaults_come_from_broker_settings():
    broker = resolve_broker({"log.retention.hours": 1, "log.segment.bytes": 1024,
                             "log.cleanup.policy": "compact"})
    cfg = resolve_topic({"segment.bytes": 2048}, broker=broker)
    assert (cfg["retention.ms"], cfg["segment.bytes"], cfg["cleanup.policy"]) == (3600000, 2048, ["compact"])


# -- broker configs ----------------------------------------------------------------------------------
def test_broker_config_defaults():
    cfg = resolve_broker({})
    assert {k: cfg[k] for k in (
        "auto.create.topics.enable", "num.partitions", "log.retention.check.interval.ms",
        "log.initial.task.delay.ms", "group.initial.rebalance.delay.ms", "group.min.session.timeout.ms",
        "group.max.session.timeout.ms", "offsets.topic.num.partitions", "offsets.retention.minutes",
        "offsets.retention.check.interval.ms", "transaction.max.timeout.ms", "transactional.id.expiration.ms",
        "producer.id.expiration.ms", "transaction.abort.timed.out.transaction.cleanup.interval.ms",
        "log.retention.ms", "log.retention.bytes", "log.segment.bytes", "log.roll.ms", "log.cleanup.policy",
        "log.message.timestamp.type", "transaction.state.log.num.partitions",
        "offsets.topic.segment.bytes")} == {
        "auto.create.topics.enable": True, "num.partitions": 1, "log.retention.check.interval.ms": 300000,
        "log.initial.task.delay.ms": 30000, "group.initial.rebalance.delay.ms": 3000,
        "group.min.session.timeout.ms": 6000, "group.max.session.timeout.ms": 1800000,
        "offsets.topic.num.partitions": 50, "offsets.retention.minutes": 10080,
        "offsets.retention.check.interval.ms": 600000, "transaction.max.timeout.ms": 900000,
        "transactional.id.expiration.ms": 604800000, "producer.id.expiration.ms": 86400000,
        "transaction.abort.timed.out.transaction.cleanup.interval.ms": 10000, "log.retention.ms": 604800000,
        "log.retention.bytes": -1, "log.segment.bytes": 1073741824, "log.roll.ms": 604800000,
        "log.cleanup.policy": ["delete"], "log.message.timestamp.type": "CreateTime",
        "transaction.state.log.num.partitions": 50, "offsets.topic.segment.bytes": 104857600}


def test_broker_config_retention_precedence_ms_minutes_hours():
    assert resolve_broker({"log.retention.minutes": 2})["log.retention.ms"] == 120000
    assert resolve_broker({"log.retention.minutes": 2, "log.retention.ms": 5})["log.retention.ms"] == 5
    assert resolve_broker({"log.retention.ms": -7})["log.retention.ms"] == -1


@pytest.mark.parametrize(("conf", "text"), [
    ({"num.partitions": 0}, "Invalid value 0 for configuration num.partitions: Value must be at least 1"),
    ({"auto.create.topics.enable": "maybe"},
     "Invalid value maybe for configuration auto.create.topics.enable: Expected value to be either true or "
     "false"),
    ({"log.segment.bytes": 13},
     "Invalid value 13 for configuration log.segment.bytes: Value must be at least 14"),
    ({"log.cleanup.policy": "drop"},
     "Invalid value drop for configuration log.cleanup.policy: String must be one of: compact, delete"),
    ({"offsets.retention.minutes": "x"},
     "Invalid value x for configuration offsets.retention.minutes: Not a number of type INT"),
    ({"retention.ms": 1}, "Unknown broker config name: retention.ms"),
])
def test_broker_config_errors_use_kafka_texts(conf, text):
    assert broker_error(resolve_broker, conf) == (ERR.INVALID_CONFIG, text)


def test_prop_record_describes_a_property():
    from kafkalab.config import CLIENT_TABLE

    prop = CLIENT_TABLE["session.timeout.ms"]
    assert isinstance(prop, Prop)
    assert (prop.type, prop.default, prop.scope, prop.range) == ("int", 45000, "consumer", (1, 3600000))
    assert CLIENT_TABLE["auto.offset.reset"].allowed == (
        "smallest", "earliest", "beginning", "largest", "latest", "end", "error")
