"""kafkalab's public API has the shape of the installed confluent-kafka (issue 15, item 7).

Every public class and function kafkalab mirrors is compared with ``confluent_kafka`` 2.16.1
(librdkafka 2.16.0) by ``inspect``: names present, no extra public methods unless listed in
``EXTENSIONS`` with a reason, and parameter names. C methods have no ``inspect`` signature, so
their documented signature (the ``.. py:function::`` line of the C docstring, in
confluent-kafka-python ``src/confluent_kafka/src/Producer.c``/``Consumer.c``) is parsed instead.
Behaviour checks run the real client side by side where it needs no broker (a detached client:
``bootstrap.servers`` pointing nowhere).
"""

from __future__ import annotations

import inspect
import json
import pickle
import re
import types

import pytest

ck = pytest.importorskip("confluent_kafka")
import confluent_kafka.admin as ck_admin  # noqa: E402
import confluent_kafka.error as ck_error  # noqa: E402

import kafkalab  # noqa: E402
import kafkalab.admin as lab_admin  # noqa: E402
import kafkalab.error as lab_error  # noqa: E402

NOWHERE = "localhost:1"

# confluent-kafka names kafkalab does not model, each with the reason.
NOT_MODELLED = {
    "DeserializingShareConsumer": "serializers / Schema Registry are not modelled (ShareConsumer is)",
    "DeserializingConsumer": "serializers / Schema Registry are not modelled",
    "SerializingProducer": "serializers / Schema Registry are not modelled",
    "ScramCredentialInfo": "SASL/SCRAM is not modelled (the admin methods answer SECURITY_DISABLED)",
    "ScramMechanism": "SASL/SCRAM is not modelled",
    "UserScramCredentialAlteration": "SASL/SCRAM is not modelled",
    "UserScramCredentialDeletion": "SASL/SCRAM is not modelled",
    "UserScramCredentialUpsertion": "SASL/SCRAM is not modelled",
    "UserScramCredentialsDescription": "SASL/SCRAM is not modelled",
    "GroupMember": "list_groups() metadata of the old API: not modelled (describe_consumer_groups is)",
    "GroupMetadata": "list_groups() metadata of the old API: not modelled (describe_consumer_groups is)",
}

# kafkalab names confluent-kafka does not have: documented kafkalab extensions.
EXTENSIONS = {
    "Cluster": "the virtual-time cluster itself",
    "ConsumerGroupMetadata": "confluent-kafka returns this type from consumer_group_metadata() without exporting it",
    "describe_groups_text": "what kafka-consumer-groups.sh --describe prints",
    "describe_members_text": "what kafka-consumer-groups.sh --describe --members prints",
    "describe_state_text": "what kafka-consumer-groups.sh --describe --state prints",
    "describe_share_offsets_text": "what kafka-share-groups.sh --describe prints (no share admin API in 2.16.1)",
    "describe_share_members_text": "what kafka-share-groups.sh --describe --members prints",
    "describe_share_state_text": "what kafka-share-groups.sh --describe --state prints",
    # kafkalab.admin also exports these three (older kafkalab code imports them from there); confluent-kafka
    # exports them from confluent_kafka only, and so does kafkalab.
    "ConsumerGroupState": "also importable from kafkalab.admin",
    "ConsumerGroupTopicPartitions": "also importable from kafkalab.admin",
    "IsolationLevel": "also importable from kafkalab.admin",
}

# Public attributes of mirrored classes that kafkalab adds: (class, name) -> reason.
METHOD_EXTENSIONS: dict[tuple[str, str], str] = {}


def _public_names(module: types.ModuleType) -> set[str]:
    out = set()
    for name in dir(module):
        if name.startswith("_"):
            continue
        obj = getattr(module, name)
        if isinstance(obj, types.ModuleType) or getattr(obj, "__module__", "") == "typing":
            continue
        if name in ("string_type",):   # a py2/py3 compatibility alias in confluent_kafka.admin
            continue
        out.add(name)
    return out


@pytest.mark.parametrize("real, lab", [(ck, kafkalab), (ck_admin, lab_admin), (ck_error, lab_error)],
                         ids=["confluent_kafka", "admin", "error"])
def test_module_exports_the_same_names(real, lab):
    """Every public name of confluent_kafka / confluent_kafka.admin exists in kafkalab, and no undocumented extra."""
    real_names, lab_names = _public_names(real), _public_names(lab)
    missing = sorted(real_names - lab_names - set(NOT_MODELLED))
    extra = sorted(lab_names - real_names - set(EXTENSIONS) - {"broker", "client", "clock", "config", "errors",
                                                               "trace", "admin", "lab", "sim", "error"})
    assert not missing, f"{lab.__name__} lacks {missing}"
    assert not extra, f"{lab.__name__} has undocumented extras {extra}"


CLASSES = ["Producer", "Consumer", "ShareConsumer", "Messages", "AcknowledgeType", "Message", "TopicPartition",
           "KafkaError", "KafkaException",
           "admin.AdminClient", "admin.NewTopic", "admin.NewPartitions", "admin.ConfigResource",
           "admin.TopicMetadata", "admin.ClusterMetadata", "admin.PartitionMetadata", "admin.BrokerMetadata",
           "admin.ConfigEntry", "admin.OffsetSpec", "TopicCollection", "admin.TopicDescription",
           "admin.DescribeClusterResult", "admin.AclBinding", "admin.AclBindingFilter", "Node", "TopicPartitionInfo",
           "ThrottleEvent", "ElectionType", "admin.AclOperation", "admin.AclPermissionType",
           "admin.ResourcePatternType", "admin.AlterConfigOpType", "admin.ResourceType", "IsolationLevel",
           "ConsumerGroupState", "ConsumerGroupType", "error.ConsumeError", "error.KeyDeserializationError",
           "error.ValueDeserializationError", "error.ProduceError", "error.KeySerializationError",
           "error.ValueSerializationError", "error.SerializationError"]


def _get(root: types.ModuleType, dotted: str):
    obj = root
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _methods(cls: type) -> set[str]:
    return {n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n))
            and not isinstance(getattr(cls, n), type)}


@pytest.mark.parametrize("name", CLASSES)
def test_class_has_the_same_public_methods(name):
    """Methods present in the real class exist in kafkalab's; kafkalab has no extra public method."""
    real, lab = _get(ck, name), _get(kafkalab, name)
    assert lab is not None, f"kafkalab lacks {name}"
    short = name.rsplit(".", 1)[-1]
    if issubclass(real, __import__("enum").Enum):
        assert [(m.name, m.value) for m in lab] == [(m.name, m.value) for m in real]
        return
    missing = sorted(_methods(real) - _methods(lab))
    extra = sorted(m for m in _methods(lab) - _methods(real) if (short, m) not in METHOD_EXTENSIONS)
    assert not missing, f"{name} lacks {missing}"
    assert not extra, f"{name} has extra public methods {extra}"


_DOC_SIG = re.compile(r"\.\. py:function:: *\w+\(([^)]*)\)")


def _documented_params(func) -> list[str] | None:
    """Parameter names from an inspect signature, else from the C docstring's py:function line."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        m = _DOC_SIG.search(func.__doc__ or "")
        if m is None:
            return None
        return [p.strip(" []").split("=")[0] for p in m.group(1).split(",") if p.strip(" []")]
    return [p.name for p in sig.parameters.values() if p.name != "self"
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


@pytest.mark.parametrize("name", ["Producer", "Consumer", "ShareConsumer", "Messages", "admin.AdminClient",
                                  "admin.ConfigResource"])
def test_method_parameters_match(name):
    """Each method's positional parameters are named and ordered as confluent-kafka documents them."""
    real, lab = _get(ck, name), _get(kafkalab, name)
    wrong = {}
    for meth in sorted(_methods(real) & _methods(lab)):
        want = _documented_params(getattr(real, meth))
        if want is None:
            continue
        got = _documented_params(getattr(lab, meth))[:len(want)]
        if got != want:
            wrong[meth] = (want, got)
    assert not wrong, f"{name}: (confluent-kafka, kafkalab) parameters differ: {wrong}"


@pytest.mark.parametrize("meth", ["assign", "incremental_assign", "incremental_unassign"])
def test_assign_methods_take_no_keyword_arguments(meth):
    """confluent-kafka 2.16.1: ``Consumer.assign(partitions=[...])`` raises TypeError (no keyword arguments)."""
    for mod in (ck, kafkalab):
        c = mod.Consumer({"bootstrap.servers": NOWHERE, "group.id": "g"})
        with pytest.raises(TypeError):
            getattr(c, meth)(partitions=[mod.TopicPartition("t", 0)])
        c.close()


@pytest.mark.parametrize("make", [
    lambda m: m.Producer({"bootstrap.servers": NOWHERE}),
    lambda m: m.Consumer({"bootstrap.servers": NOWHERE, "group.id": "g"}),
    lambda m: (m.admin.AdminClient if m is kafkalab else ck_admin.AdminClient)({"bootstrap.servers": NOWHERE}),
], ids=["Producer", "Consumer", "AdminClient"])
def test_clients_are_context_managers_and_truthy(make):
    """``with Producer(conf) as p:`` works and closes; ``bool(client)`` is True (confluent-kafka 2.16.1; its
    AdminClient's truth is its request queue length, so kafkalab's, always True, is checked alone)."""
    for mod in (ck, kafkalab):
        client = make(mod)
        if mod is kafkalab or not isinstance(client, ck_admin.AdminClient):
            assert bool(client) is True
        with client as inside:
            assert inside is client
        with pytest.raises(RuntimeError, match="closed"):
            client.poll(0)


def test_closed_texts_and_second_close():
    """confluent-kafka 2.16.1: a closed Producer raises RuntimeError('Producer has been closed') and its close()
    returns True again; Consumer: 'Consumer closed', close() returns None both times; AdminClient after ``with``:
    'AdminClient has been closed'."""
    for mod in (ck, kafkalab):
        p = mod.Producer({"bootstrap.servers": NOWHERE})
        assert p.close() is True and p.close() is True
        with pytest.raises(RuntimeError, match=r"^Producer has been closed$"):
            p.poll(0)
        c = mod.Consumer({"bootstrap.servers": NOWHERE, "group.id": "g"})
        assert c.close() is None and c.close() is None
        with pytest.raises(RuntimeError, match=r"^Consumer closed$"):
            c.poll(0)
        admin_cls = ck_admin.AdminClient if mod is ck else lab_admin.AdminClient
        with admin_cls({"bootstrap.servers": NOWHERE}) as a:
            pass
        with pytest.raises(RuntimeError, match=r"^AdminClient has been closed$"):
            a.poll(0)


def test_constructors_without_config_raise_type_error():
    """``Producer()`` and ``Consumer()`` raise TypeError('expected configuration dict'); ``AdminClient()`` a
    TypeError for the missing ``conf`` (confluent-kafka 2.16.1)."""
    for mod, admin in ((ck, ck_admin), (kafkalab, lab_admin)):
        for cls in (mod.Producer, mod.Consumer):
            with pytest.raises(TypeError, match="expected configuration dict"):
                cls()
        with pytest.raises(TypeError):
            admin.AdminClient()


def test_subclass_that_skipped_init_raises_runtime_error():
    """A subclass whose __init__ does not call the base: methods raise RuntimeError as on a closed client."""
    for mod in (ck, kafkalab):
        class P(mod.Producer):
            def __init__(self):
                pass

        class C(mod.Consumer):
            def __init__(self):
                pass

        with pytest.raises(RuntimeError, match=r"^Producer has been closed$"):
            P().poll(0)
        with pytest.raises(RuntimeError, match=r"^Consumer closed$"):
            C().poll(0)


def _message_fields(m) -> tuple:
    return (m.topic(), m.partition(), m.offset(), m.key(), m.value(), m.headers(), m.error(), m.timestamp(),
            m.latency(), m.leader_epoch(), m.delivery_count(), len(m))


def test_message_positional_constructor_setters_and_pickling():
    """confluent-kafka's order: Message(topic, partition, offset, key, value, headers, error, timestamp, latency,
    leader_epoch, delivery_count); setters set_topic/set_error/...; a Message pickles."""
    results = []
    for mod in (ck, kafkalab):
        m = mod.Message("t", 1, 5, b"k", b"value", [("h", b"1")], None, (1, 123), 0.5, 3, 2)
        before = _message_fields(m)
        m2 = pickle.loads(pickle.dumps(m))
        err = mod.KafkaError(mod.KafkaError._FAIL)
        m2.set_topic("u")
        m2.set_error(err)
        m2.set_key(b"k2")
        m2.set_value(b"v2")
        m2.set_headers(None)
        after = (m2.topic(), m2.error().code(), m2.key(), m2.value(), m2.headers(), m2.deserialized_key(),
                 m2.deserialized_value())
        empty = _message_fields(mod.Message())
        results.append((before, after, empty))
    assert results[1] == results[0]


def test_consumed_message_has_an_int_leader_epoch():
    """A consumed record's ``leader_epoch()`` is the batch's partition leader epoch, an int (0 on a partition
    whose leader never changed), as librdkafka sets it from the RecordBatch (rdkafka_msgset_reader.c)."""
    cluster = kafkalab.Cluster(seed=1)
    cluster.create_topic("t", partitions=1)
    p = kafkalab.Producer({"bootstrap.servers": cluster.bootstrap_servers})
    p.produce("t", b"x")
    p.flush()
    c = kafkalab.Consumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": "g",
                           "auto.offset.reset": "earliest"})
    c.assign([kafkalab.TopicPartition("t", 0)])
    msg = c.poll(5)
    assert msg is not None and msg.error() is None
    assert msg.leader_epoch() == 0 and type(msg.leader_epoch()) is int
    c.close()


def test_kafka_exception_str_and_topic_partition_ordering():
    """``str(KafkaException(KafkaError._FAIL, "boom"))`` is "(-196, 'boom')"; TopicPartition has <, <=, >, >=."""
    for mod in (ck, kafkalab):
        assert str(mod.KafkaException(mod.KafkaError._FAIL, "boom")) == "(-196, 'boom')"
        assert str(mod.KafkaException(mod.KafkaError(mod.KafkaError._FAIL, "boom"))) == \
            'KafkaError{code=_FAIL,val=-196,str="boom"}'
        a, b = mod.TopicPartition("a", 1), mod.TopicPartition("a", 2)
        assert (a < b, a <= b, b > a, b >= a, a <= mod.TopicPartition("a", 1, 7)) == (True,) * 5


def test_metadata_str():
    """str(TopicMetadata) is the topic name, str(PartitionMetadata) the id, str(BrokerMetadata) host:port/id."""
    cluster = kafkalab.Cluster(seed=1)
    cluster.create_topic("orders", partitions=2)
    md = kafkalab.Producer({"bootstrap.servers": cluster.bootstrap_servers}).list_topics()
    assert str(md.topics["orders"]) == "orders"
    assert str(md.topics["orders"].partitions[1]) == "1"
    assert str(ck_admin.TopicMetadata()) == "None" and str(ck_admin.PartitionMetadata()) == "-1"


def test_version_and_partitioner_functions():
    """version(), libversion() and murmur2/consistent/fnv1a give what confluent-kafka 2.16.1 gives."""
    assert kafkalab.version() == ck.version() and kafkalab.libversion() == ck.libversion()
    for i in range(200):
        key = f"key-{i}".encode()
        for n in (1, 3, 7, 12):
            for fn in ("murmur2", "consistent", "fnv1a"):
                assert getattr(kafkalab, fn)(key, n) == getattr(ck, fn)(key, n), (fn, key, n)
    for mod in (ck, kafkalab):
        with pytest.raises(ValueError):
            mod.murmur2(b"k", 0)
        with pytest.raises(TypeError):
            mod.murmur2("k", 3)


def test_produce_batch():
    """Producer.produce_batch(topic, messages, [partition], [on_delivery]) enqueues each dict and returns how many
    were enqueued (confluent-kafka 2.16.1 Producer.c ``produce_batch``)."""
    cluster = kafkalab.Cluster(seed=1)
    cluster.create_topic("t", partitions=1)
    p = kafkalab.Producer({"bootstrap.servers": cluster.bootstrap_servers})
    seen = []
    n = p.produce_batch("t", [{"value": b"a"}, {"value": b"b", "key": b"k"}], on_delivery=lambda e, m: seen.append(m))
    assert n == 2
    p.flush()
    assert [(m.value(), m.offset()) for m in seen] == [(b"a", 0), (b"b", 1)]


def test_admin_new_methods_answer():
    """describe_topics, incremental_alter_configs, describe_cluster(include_authorized_operations=...), poll,
    set_sasl_credentials and the ACL / election methods exist and answer with futures."""
    cluster = kafkalab.Cluster(seed=1)
    cluster.create_topic("orders", partitions=2)
    a = lab_admin.AdminClient({"bootstrap.servers": cluster.bootstrap_servers})
    assert a.poll(0) == 0
    a.set_sasl_credentials("u", "p")
    desc = a.describe_topics(kafkalab.TopicCollection(["orders"]))["orders"].result()
    assert desc.name == "orders" and [p.id for p in desc.partitions] == [0, 1]
    res = a.describe_cluster(include_authorized_operations=True).result()
    assert res.controller.id == 1 and [n.id for n in res.nodes] == [1]
    cr = lab_admin.ConfigResource(lab_admin.ResourceType.TOPIC, "orders")
    cr.add_incremental_config(lab_admin.ConfigEntry("retention.ms", "1000",
                                                    incremental_operation=lab_admin.AlterConfigOpType.SET))
    assert a.incremental_alter_configs([cr])[cr].result() is None
    assert cluster.topic("orders").config["retention.ms"] == 1000
    acl = lab_admin.AclBinding(lab_admin.ResourceType.TOPIC, "orders", lab_admin.ResourcePatternType.LITERAL,
                               "User:a", "*", lab_admin.AclOperation.READ, lab_admin.AclPermissionType.ALLOW)
    with pytest.raises(kafkalab.KafkaException) as exc:
        a.create_acls([acl])[acl].result()
    assert exc.value.args[0].code() == kafkalab.KafkaError.SECURITY_DISABLED
    tp = kafkalab.TopicPartition("orders", 0)
    elected = a.elect_leaders(kafkalab.ElectionType.PREFERRED, [tp]).result()
    assert elected[tp].args[0].code() == kafkalab.KafkaError.ELECTION_NOT_NEEDED   # the only broker already leads


def test_default_topic_config_is_accepted():
    """The legacy ``default.topic.config`` dict is accepted by confluent-kafka 2.16.1; its topic properties apply."""
    for mod in (ck, kafkalab):
        mod.Producer({"bootstrap.servers": NOWHERE, "default.topic.config": {"acks": 1}}).close()
        mod.Consumer({"bootstrap.servers": NOWHERE, "group.id": "g",
                      "default.topic.config": {"auto.offset.reset": "earliest"}}).close()
    cluster = kafkalab.Cluster(seed=1)
    cluster.create_topic("t", partitions=1)
    kafkalab.Producer({"bootstrap.servers": cluster.bootstrap_servers}).produce("t", b"x")
    c = kafkalab.Consumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": "g",
                           "default.topic.config": {"auto.offset.reset": "earliest"}})
    c.subscribe(["t"])
    msg = c.consume(1, 10)[0]
    assert msg.error() is None and msg.offset() == 0
    c.close()


def test_stats_cb_every_statistics_interval_with_librdkafka_shape():
    """``stats_cb(json)`` runs every ``statistics.interval.ms`` of virtual time while the client waits in poll.

    The fields are librdkafka's (STATISTICS.md; checked on its mock cluster: a consumer that consumed 5 records
    of partition 0 and committed after the 3rd reports committed_offset 3, app_offset 5, hi_offset 5,
    consumer_lag 2, consumer_lag_stored 0, fetch_state "active", cgrp state "up", join_state "steady").
    """
    cluster = kafkalab.Cluster(seed=1, config={"group.initial.rebalance.delay.ms": 0})
    cluster.create_topic("t", partitions=1)
    p = kafkalab.Producer({"bootstrap.servers": cluster.bootstrap_servers})
    for i in range(5):
        p.produce("t", b"x%d" % i, partition=0)
    p.flush()
    stats: list[str] = []
    c = kafkalab.Consumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": "g",
                           "auto.offset.reset": "earliest", "enable.auto.commit": False,
                           "statistics.interval.ms": 500, "stats_cb": stats.append})
    c.subscribe(["t"])
    msgs = c.consume(5, 10)
    c.commit(msgs[2], asynchronous=False)
    start, count = cluster.now_ms, len(stats)
    assert c.poll(3) is None
    assert len(stats) - count == 6, (cluster.now_ms - start, len(stats) - count)   # 3 s / 500 ms
    s = json.loads(stats[-1])
    assert {"name", "client_id", "type", "ts", "time", "age", "replyq", "msg_cnt", "brokers", "topics",
            "cgrp"} <= set(s)
    part = s["topics"]["t"]["partitions"]["0"]
    assert {k: part[k] for k in ("committed_offset", "stored_offset", "app_offset", "next_offset", "lo_offset",
                                 "hi_offset", "ls_offset", "consumer_lag", "consumer_lag_stored", "fetch_state")} == \
        {"committed_offset": 3, "stored_offset": 5, "app_offset": 5, "next_offset": 5, "lo_offset": 0,
         "hi_offset": 5, "ls_offset": 5, "consumer_lag": 2, "consumer_lag_stored": 0, "fetch_state": "active"}
    assert (s["type"], s["cgrp"]["state"], s["cgrp"]["join_state"]) == ("consumer", "up", "steady")
    cluster.advance(10**9)          # no timer runs between polls: an idle client costs nothing
    c.poll(0)                       # _MAX_POLL_EXCEEDED comes first, the one stats event of the idle time next
    c.poll(0)
    assert len(stats) - count == 7
    c.close()


def test_producer_stats_cb_wakes_poll():
    """A producer's ``poll(2)`` with ``statistics.interval.ms=500`` returns after 500 ms having served one stats
    event (librdkafka: poll returns once it served an event)."""
    cluster = kafkalab.Cluster(seed=1)
    stats: list[str] = []
    p = kafkalab.Producer({"bootstrap.servers": cluster.bootstrap_servers, "statistics.interval.ms": 500,
                           "stats_cb": stats.append})
    assert p.poll(2) == 1 and cluster.now_ms == 500
    assert json.loads(stats[0])["type"] == "producer" and json.loads(stats[0])["msg_cnt"] == 0


def test_message_unset_numbers_read_none_and_messages_compare_by_value():
    """confluent-kafka normalises unset numbers: ``Message(None, -2, -2, None, None, None, None, None, -2.0, -2)``
    reads None for partition, offset, latency and leader epoch and pickles as (-1, -1001, -1.0, -1); a failed
    delivery's ``offset()`` is therefore None. Two Messages with the same fields are equal; neither is hashable."""
    for mod in (ck, kafkalab):
        m = mod.Message(None, -2, -2, None, None, None, None, None, -2.0, -2)
        assert (m.partition(), m.offset(), m.latency(), m.leader_epoch(), m.delivery_count()) == (None,) * 5
        assert m.__reduce__()[1] == (None, -1, -1001, None, None, None, None, (0, 0), -1.0, -1, -1)
        assert mod.Message("t", 1, 2, b"k", b"v") == mod.Message("t", 1, 2, b"k", b"v")
        with pytest.raises(TypeError):
            hash(mod.Message())
        with pytest.raises(OverflowError):
            mod.Message("t", 0, 0, None, None, None, None, (0, 0), -1.0, -1, 32768)


def test_admin_without_a_cluster_fails_futures_not_calls():
    """With no broker behind ``bootstrap.servers`` confluent-kafka checks arguments at once (TypeError) but returns
    futures that fail with ``_TIMED_OUT`` (confluent-kafka-python tests/test_Admin.py, "no broker configured")."""
    a = lab_admin.AdminClient({"bootstrap.servers": NOWHERE})
    with pytest.raises(TypeError):
        a.create_topics(None)
    with pytest.raises(AttributeError):      # confluent-kafka reads .topic of each element: 'str' object has no ...
        a.create_topics("t")
    futures = [a.create_topics([lab_admin.NewTopic("t", 1)])["t"], a.describe_cluster(),
               a.describe_topics(kafkalab.TopicCollection(["t"]))["t"],
               a.describe_configs([lab_admin.ConfigResource("broker", "1")])[lab_admin.ConfigResource("broker", "1")],
               a.elect_leaders(kafkalab.ElectionType.PREFERRED, None)]
    for f in futures:
        with pytest.raises(kafkalab.KafkaException) as exc:
            f.result()
        assert exc.value.args[0].code() == kafkalab.KafkaError._TIMED_OUT


def test_error_module_types_behave_as_confluent_kafkas():
    """``confluent_kafka.error``: the same bases (ConsumeError/ProduceError are KafkaExceptions; the (de)serialization
    errors are also SerializationErrors), codes, str() and attributes (code, name, exception, kafka_message)."""
    results = []
    for err in (ck_error, lab_error):
        cause = ValueError("bad bytes")
        made = [err.KeyDeserializationError(cause, None), err.ValueDeserializationError(cause),
                err.KeySerializationError(cause), err.ValueSerializationError(cause),
                err.ConsumeError(err.KafkaError(err.KafkaError._PARTITION_EOF)),
                err.ProduceError(err.KafkaError(err.KafkaError.MSG_SIZE_TOO_LARGE), cause)]
        results.append([(type(e).__name__, str(e), e.code, e.name, e.exception is cause, e.kafka_message,
                         isinstance(e, err.KafkaException), isinstance(e, err.SerializationError),
                         isinstance(e, err.ConsumeError), isinstance(e, err.ProduceError)) for e in made])
    assert results[1] == results[0]
    assert issubclass(lab_error.ConsumeError, kafkalab.KafkaException)


def test_share_consumer_types_match_confluent_kafkas():
    """KIP-932 names as confluent-kafka 2.16.1 exports them: ``AcknowledgeType`` an IntEnum 1..3 (no RENEW),
    ``IllegalStateException`` / ``ConcurrentModificationException`` RuntimeErrors, ``poll`` returning ``Messages``,
    ``Message.delivery_count()`` None outside share groups, a closed share consumer's texts."""
    import enum
    for mod in (ck, kafkalab):
        assert issubclass(mod.AcknowledgeType, enum.IntEnum)
        assert [(t.name, int(t)) for t in mod.AcknowledgeType] == [("ACCEPT", 1), ("RELEASE", 2), ("REJECT", 3)]
        assert issubclass(mod.IllegalStateException, RuntimeError)
        assert issubclass(mod.ConcurrentModificationException, RuntimeError)
        assert mod.Message("t", 0, 1).delivery_count() is None
    results = []
    for mod in (ck, kafkalab):
        c = mod.ShareConsumer({"bootstrap.servers": NOWHERE, "group.id": "g"})
        out = [bool(c), c.subscription()]
        try:
            c.poll(0)
        except mod.IllegalStateException as e:
            out.append(str(e))
        c.subscribe(["t"])
        batch = c.poll(0)
        out += [type(batch).__name__, len(batch), batch.is_empty(), batch.records(), c.commit_sync(0),
                c.commit_async(), c.close(), c.close()]
        try:
            c.poll(0)
        except mod.IllegalStateException as e:
            out.append(str(e))
        results.append(out)
    assert results[1] == results[0]
