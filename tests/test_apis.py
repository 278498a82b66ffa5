"""broker/apis.py: one handler per Kafka API, with Kafka's api keys, and the answers of a few."""

import inspect

import pytest

from kafkalab import Cluster, Consumer, Producer
from kafkalab.broker import apis
from kafkalab.errors import ERR


def _ask(cluster, api, **fields):
    answers = []
    apis.handle(cluster, api, lambda resp, **extra: answers.append(resp), **fields)
    assert len(answers) == 1, f"{api} must respond exactly once, responded {len(answers)} times"
    return answers[0]


def test_every_api_has_a_handler_and_a_key():
    assert set(apis.HANDLERS) == set(apis.API_KEYS)
    assert len(set(apis.API_KEYS.values())) == len(apis.API_KEYS)
    for name, handler in apis.HANDLERS.items():
        params = list(inspect.signature(handler).parameters.values())
        assert [p.name for p in params[:2]] == ["cluster", "respond"], name
        assert all(p.kind is p.POSITIONAL_ONLY for p in params[:2]), name
        assert handler.__doc__ and f"({apis.API_KEYS[name]})" in handler.__doc__, name


@pytest.mark.parametrize("name,key", [("Produce", 0), ("Fetch", 1), ("ListOffsets", 2), ("Metadata", 3),
                                      ("OffsetCommit", 8), ("OffsetFetch", 9), ("FindCoordinator", 10),
                                      ("JoinGroup", 11), ("Heartbeat", 12), ("LeaveGroup", 13), ("SyncGroup", 14),
                                      ("CreateTopics", 19), ("InitProducerId", 22), ("AddPartitionsToTxn", 24),
                                      ("EndTxn", 26), ("TxnOffsetCommit", 28), ("DescribeConfigs", 32),
                                      ("DeleteGroups", 42), ("IncrementalAlterConfigs", 44),
                                      ("DescribeCluster", 60), ("DescribeTransactions", 65)])
def test_api_keys_are_kafkas(name, key):
    assert apis.API_KEYS[name] == key


def test_unknown_api_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown Kafka API 'Vote'"):
        apis.handle(Cluster(), "Vote", lambda resp: None)


def test_produce_then_list_offsets_and_fetch():
    cluster = Cluster()
    cluster.create_topic("orders", 2)
    res = _ask(cluster, "Produce", topic="orders", partition=1, records=[(b"k", b"v", 5, None), (b"k", b"w", 9, None)])
    assert (res.error, res.base_offset) == (0, 0)
    got = _ask(cluster, "ListOffsets", partitions=[("orders", 1, "earliest"), ("orders", 1, "latest"),
                                                    ("orders", 1, 6), ("orders", 1, "max_timestamp"),
                                                    ("orders", 7, "latest")])
    assert [r.value for r in got[:4]] == [(0, -1), (2, -1), (1, 6), (1, 9)]
    assert got[4].value is None and got[4].error.code() == ERR.UNKNOWN_TOPIC_OR_PART
    data = _ask(cluster, "Fetch", group_id=None, partitions=[("orders", 1, 0)], read_committed=False,
                reset="latest", max_partition_bytes=1 << 20, max_wait_ms=0)
    assert [len(b.records) for b in data[0].batches] == [2]


def test_metadata_and_auto_creation():
    cluster = Cluster(config={"num.partitions": 3})
    cluster.create_topic("a", 2)
    md = _ask(cluster, "Metadata", topics=["a", "missing"])
    assert md.topics["a"] == apis.TopicInfo(None, 2, False)
    assert md.topics["missing"].error.code() == ERR.UNKNOWN_TOPIC_OR_PART
    assert "missing" not in cluster.topics
    md = _ask(cluster, "Metadata", topics=["missing"], allow_auto_topic_creation=True)
    assert md.topics["missing"] == apis.TopicInfo(None, 3, False)
    assert list(_ask(cluster, "Metadata").topics) == ["a", "missing"]


def test_group_admin_apis():
    cluster = Cluster()
    cluster.create_topic("orders", 1)
    with Producer({"bootstrap.servers": cluster.bootstrap_servers}) as p:
        p.produce("orders", b"x")
        p.flush()
    c = Consumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": "g", "auto.offset.reset": "earliest"})
    c.subscribe(["orders"])
    c.poll(5)
    assert _ask(cluster, "DeleteGroups", group_ids=["g", "nope"]) == {"g": ERR.NON_EMPTY_GROUP,
                                                                      "nope": ERR.GROUP_ID_NOT_FOUND}
    described = _ask(cluster, "DescribeGroups", group_ids=["g", "nope"])
    assert described["nope"] is None
    assert described["g"].state == "Stable" and described["g"].members[0].assignment == [("orders", 0)]
    assert _ask(cluster, "ListGroups") == [apis.ListedGroup("g", "consumer", "Stable")]
    c.commit(asynchronous=False)
    c.close()
    fetched = _ask(cluster, "OffsetFetch", group_id="g", partitions=None)
    assert fetched.offsets[("orders", 0)].offset == 1 and fetched.unstable == []
    assert _ask(cluster, "DeleteGroups", group_ids=["g"]) == {"g": 0}
    assert _ask(cluster, "DescribeGroups", group_ids=["g"]) == {"g": None}
    assert _ask(cluster, "OffsetFetch", group_id="g", partitions=[("orders", 0)]).offsets == {("orders", 0): None}


def test_config_apis():
    cluster = Cluster()
    cluster.create_topic("t", 1)
    key = ("topic", "t")
    assert _ask(cluster, "AlterConfigs", resources=[("topic", "t", {"retention.ms": "1000"})]) == {key: apis.Result()}
    assert cluster.topic("t").config["retention.ms"] == 1000
    assert _ask(cluster, "DescribeConfigs", resources=[key])[key].value["retention.ms"] == (1000, False)
    got = _ask(cluster, "IncrementalAlterConfigs",
               resources=[("topic", "t", [("cleanup.policy", "APPEND", "compact"), ("retention.ms", "DELETE", None)])])
    assert got == {key: apis.Result()}
    assert cluster.topic("t").config["cleanup.policy"] == ["delete", "compact"]
    assert cluster.topic("t").config["retention.ms"] == 604800000
    bad = _ask(cluster, "AlterConfigs", resources=[("broker", "1", {})])[("broker", "1")]
    assert bad.error.code() == ERR.INVALID_REQUEST


def test_topic_admin_apis_answer_errors_per_topic():
    cluster = Cluster()
    got = _ask(cluster, "CreateTopics", topics=[("a", 2, None), ("a", 1, None), ("b", 0, None)])
    assert got["a"].error.code() == ERR.TOPIC_ALREADY_EXISTS
    assert got["b"].error.code() == ERR.INVALID_PARTITIONS
    assert _ask(cluster, "CreateTopics", topics=[("c", 1, None)], validate_only=True)["c"] == apis.Result()
    assert "c" not in cluster.topics
    assert _ask(cluster, "CreatePartitions", topics=[("a", 3)])["a"] == apis.Result()
    assert _ask(cluster, "DeleteRecords", partitions=[("a", 0, 5)])[("a", 0)].error.code() == ERR.OFFSET_OUT_OF_RANGE
    assert _ask(cluster, "DeleteTopics", topics=["a", "a"])["a"].error.code() == ERR.UNKNOWN_TOPIC_OR_PART


def test_idempotent_init_producer_id():
    cluster = Cluster()
    first = _ask(cluster, "InitProducerId", transactional_id=None, client_id="p")
    second = _ask(cluster, "InitProducerId", transactional_id=None, client_id="p")
    assert (first, second) == (apis.InitProducerIdResult(0, 0, 0), apis.InitProducerIdResult(0, 1, 0))
    assert _ask(cluster, "DescribeTransactions", transactional_ids=["tx"]) == {"tx": None}
