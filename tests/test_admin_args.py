"""AdminClient argument checks and broker-less futures as confluent-kafka 2.16.1's (issue 15).

confluent-kafka checks arguments in ``confluent_kafka/admin/__init__.py`` (``_check_*`` helpers, ``_make_futures``
raising ValueError, ``_make_futures_v2`` TypeError) and in ``src/confluent_kafka/src/Admin.c`` (options: timeouts
in 0..3600000 ms, bools; non-empty lists), and raises at the call. Each case runs on the installed confluent-kafka
and on kafkalab, both with ``bootstrap.servers`` pointing nowhere, and the exception type raised at the call (or
none: futures returned) must be the same. Requests that pass the checks return futures that fail with
``_TIMED_OUT`` when no broker answers (measured: ``request_timeout=0.3`` on the real client).
"""

from __future__ import annotations

import types
import warnings

import pytest

ck = pytest.importorskip("confluent_kafka")
import confluent_kafka.admin as ck_admin  # noqa: E402

import kafkalab  # noqa: E402
import kafkalab.admin as lab_admin  # noqa: E402

NOWHERE = "localhost:1"

CASES = [
 ("create_topics_none", lambda a, M: a.create_topics(None)),
 ("create_topics_str", lambda a, M: a.create_topics("t")),
 ("create_topics_empty", lambda a, M: a.create_topics([])),
 ("create_topics_strlist", lambda a, M: a.create_topics(["t"])),
 ("create_topics_none_elem", lambda a, M: a.create_topics([None, M.NewTopic("t", 1, 1)])),
 ("create_topics_validate_only_str", lambda a, M: a.create_topics([M.NewTopic("t", 3, 2)], validate_only="maybe")),
 ("create_topics_neg_req_timeout", lambda a, M: a.create_topics([M.NewTopic("t", 3, 2)], request_timeout=-5)),
 ("create_topics_neg_op_timeout", lambda a, M: a.create_topics([M.NewTopic("t", 3, 2)], operation_timeout=-4.1)),
 ("create_topics_unknown_kw", lambda a, M: a.create_topics([M.NewTopic("t", 3, 2)], unknown_operation="x")),
 ("create_topics_config_list", lambda a, M: a.create_topics([M.NewTopic("t", 3, 2, config=["a", "b"])])),
 ("create_topics_ok", lambda a, M: a.create_topics([M.NewTopic("t")])),
 ("delete_topics_none", lambda a, M: a.delete_topics(None)),
 ("delete_topics_str", lambda a, M: a.delete_topics("t")),
 ("delete_topics_empty", lambda a, M: a.delete_topics([])),
 ("delete_topics_none_elem", lambda a, M: a.delete_topics([None, "t"])),
 ("delete_topics_validate_only", lambda a, M: a.delete_topics(["t"], validate_only="maybe")),
 ("delete_topics_ok", lambda a, M: a.delete_topics(["t", "u"])),
 ("create_partitions_none", lambda a, M: a.create_partitions(None)),
 ("create_partitions_str", lambda a, M: a.create_partitions("t")),
 ("create_partitions_empty", lambda a, M: a.create_partitions([])),
 ("create_partitions_none_elem", lambda a, M: a.create_partitions([None, M.NewPartitions("t", 2)])),
 ("create_partitions_ok", lambda a, M: a.create_partitions([M.NewPartitions("t", 2)])),
 ("describe_configs_none", lambda a, M: a.describe_configs(None)),
 ("describe_configs_str", lambda a, M: a.describe_configs("x")),
 ("describe_configs_empty", lambda a, M: a.describe_configs([])),
 ("describe_configs_none_elem", lambda a, M: a.describe_configs([None, M.ConfigResource(M.ResourceType.TOPIC, "t")])),
 ("describe_configs_ok", lambda a, M: a.describe_configs([M.ConfigResource(M.ResourceType.TOPIC, "t"),
                                                          M.ConfigResource(M.ResourceType.GROUP, "g")])),
 ("alter_configs_none", lambda a, M: a.alter_configs(None)),
 ("alter_configs_str", lambda a, M: a.alter_configs("x")),
 ("alter_configs_empty", lambda a, M: a.alter_configs([])),
 ("incremental_alter_configs_none", lambda a, M: a.incremental_alter_configs(None)),
 ("incremental_alter_configs_str", lambda a, M: a.incremental_alter_configs("x")),
 ("incremental_alter_configs_empty", lambda a, M: a.incremental_alter_configs([])),
 ("incremental_alter_configs_bad_op", lambda a, M: a.incremental_alter_configs([M.ConfigResource(
     M.ResourceType.BROKER, "1", incremental_configs=[M.ConfigEntry("x", "h", incremental_operation="NEW")])])),
 ("incremental_alter_configs_none_name", lambda a, M: a.incremental_alter_configs([M.ConfigResource(
     M.ResourceType.BROKER, "1", incremental_configs=[M.ConfigEntry(None, "h",
                                                                   incremental_operation=M.AlterConfigOpType.APPEND)])])),
 ("incremental_alter_configs_int_name", lambda a, M: a.incremental_alter_configs([M.ConfigResource(
     M.ResourceType.BROKER, "1", incremental_configs=[M.ConfigEntry(5, "h",
                                                                   incremental_operation=M.AlterConfigOpType.APPEND)])])),
 ("incremental_alter_configs_no_entries", lambda a, M: a.incremental_alter_configs([M.ConfigResource(
     M.ResourceType.BROKER, "1", incremental_configs=[])])),
 ("incremental_alter_configs_str_entries", lambda a, M: a.incremental_alter_configs([M.ConfigResource(
     M.ResourceType.BROKER, "1", incremental_configs="something")])),
 ("create_acls_none", lambda a, M: a.create_acls(None)),
 ("create_acls_str", lambda a, M: a.create_acls("t")),
 ("create_acls_empty", lambda a, M: a.create_acls([])),
 ("create_acls_strlist", lambda a, M: a.create_acls(["t"])),
 ("create_acls_none_elem", lambda a, M: a.create_acls([None, M.acl()])),
 ("create_acls_dup", lambda a, M: a.create_acls([M.acl(), M.acl()])),
 ("create_acls_neg_timeout", lambda a, M: a.create_acls([M.acl()], request_timeout=-5)),
 ("create_acls_unknown_kw", lambda a, M: a.create_acls([M.acl()], unknown_operation="x")),
 ("delete_acls_none", lambda a, M: a.delete_acls(None)),
 ("delete_acls_empty", lambda a, M: a.delete_acls([])),
 ("delete_acls_none_elem", lambda a, M: a.delete_acls([None, M.aclf()])),
 ("delete_acls_dup", lambda a, M: a.delete_acls([M.aclf(), M.aclf()])),
 ("describe_acls_none", lambda a, M: a.describe_acls(None)),
 ("describe_acls_binding", lambda a, M: a.describe_acls(M.acl())),
 ("describe_acls_neg_timeout", lambda a, M: a.describe_acls(M.aclf(), request_timeout=-5)),
 ("list_consumer_groups_ok", lambda a, M: a.list_consumer_groups()),
 ("list_consumer_groups_states_ok", lambda a, M: a.list_consumer_groups(
     states={M.ConsumerGroupState.EMPTY, M.ConsumerGroupState.STABLE})),
 ("list_consumer_groups_states_str", lambda a, M: a.list_consumer_groups(states="EMPTY")),
 ("list_consumer_groups_states_strlist", lambda a, M: a.list_consumer_groups(states=["EMPTY"])),
 ("list_consumer_groups_states_list", lambda a, M: a.list_consumer_groups(states=[M.ConsumerGroupState.EMPTY])),
 ("list_consumer_groups_types_list", lambda a, M: a.list_consumer_groups(types=[M.ConsumerGroupType.CLASSIC])),
 ("list_consumer_groups_types_str_set", lambda a, M: a.list_consumer_groups(types={"CLASSIC"})),
 ("list_consumer_groups_neg_timeout", lambda a, M: a.list_consumer_groups(request_timeout=-1)),
 ("describe_consumer_groups_str", lambda a, M: a.describe_consumer_groups("g")),
 ("describe_consumer_groups_empty", lambda a, M: a.describe_consumer_groups([])),
 ("describe_consumer_groups_int_elem", lambda a, M: a.describe_consumer_groups([1])),
 ("describe_consumer_groups_ok", lambda a, M: a.describe_consumer_groups(["g1", "g2"])),
 ("delete_consumer_groups_str", lambda a, M: a.delete_consumer_groups("g")),
 ("delete_consumer_groups_empty", lambda a, M: a.delete_consumer_groups([])),
 ("delete_consumer_groups_ok", lambda a, M: a.delete_consumer_groups(["g1"])),
 ("describe_topics_auth_str", lambda a, M: a.describe_topics(M.TopicCollection([]),
                                                             include_authorized_operations="x")),
 ("describe_topics_timeout_str", lambda a, M: a.describe_topics(M.TopicCollection([]), request_timeout="x")),
 ("describe_topics_neg_timeout", lambda a, M: a.describe_topics(M.TopicCollection([]), request_timeout=-1)),
 ("describe_topics_empty", lambda a, M: a.describe_topics(M.TopicCollection([]))),
 ("describe_topics_list", lambda a, M: a.describe_topics(["t"])),
 ("describe_topics_int", lambda a, M: a.describe_topics(M.TopicCollection([3]))),
 ("describe_topics_none", lambda a, M: a.describe_topics(M.TopicCollection([None]))),
 ("describe_topics_empty_name", lambda a, M: a.describe_topics(M.TopicCollection(["ok", ""]))),
 ("describe_cluster_unknown_kw", lambda a, M: a.describe_cluster(unknown_operation="x")),
 ("describe_cluster_auth_str", lambda a, M: a.describe_cluster(include_authorized_operations="x")),
 ("lcgo_none", lambda a, M: a.list_consumer_group_offsets(None)),
 ("lcgo_int", lambda a, M: a.list_consumer_group_offsets(1)),
 ("lcgo_str", lambda a, M: a.list_consumer_group_offsets("")),
 ("lcgo_empty", lambda a, M: a.list_consumer_group_offsets([])),
 ("lcgo_two", lambda a, M: a.list_consumer_group_offsets([M.CGTP("g"), M.CGTP("h")])),
 ("lcgo_neg_timeout", lambda a, M: a.list_consumer_group_offsets([M.CGTP("g")], request_timeout=-5)),
 ("lcgo_group_int", lambda a, M: a.list_consumer_group_offsets([M.CGTP(1)])),
 ("lcgo_group_none", lambda a, M: a.list_consumer_group_offsets([M.CGTP(None)])),
 ("lcgo_group_empty", lambda a, M: a.list_consumer_group_offsets([M.CGTP("")])),
 ("lcgo_tps_str", lambda a, M: a.list_consumer_group_offsets([M.CGTP("g", "t")])),
 ("lcgo_tps_empty", lambda a, M: a.list_consumer_group_offsets([M.CGTP("g", [])])),
 ("lcgo_tps_none_elem", lambda a, M: a.list_consumer_group_offsets([M.CGTP("g", [None])])),
 ("lcgo_tps_str_elem", lambda a, M: a.list_consumer_group_offsets([M.CGTP("g", ["t"])])),
 ("lcgo_tp_topic_none", lambda a, M: a.list_consumer_group_offsets([M.CGTP("g", [M.TopicPartition(None)])])),
 ("lcgo_tp_topic_empty", lambda a, M: a.list_consumer_group_offsets([M.CGTP("g", [M.TopicPartition("")])])),
 ("lcgo_tp_neg_partition", lambda a, M: a.list_consumer_group_offsets([M.CGTP("g", [M.TopicPartition("t", -1)])])),
 ("lcgo_tp_offset", lambda a, M: a.list_consumer_group_offsets([M.CGTP("g", [M.TopicPartition("t", 1, 1)])])),
 ("lcgo_require_stable_str", lambda a, M: a.list_consumer_group_offsets([M.CGTP("g")], require_stable="x")),
 ("lcgo_ok", lambda a, M: a.list_consumer_group_offsets([M.CGTP("g", [M.TopicPartition("t", 1)])])),
 ("acgo_none", lambda a, M: a.alter_consumer_group_offsets(None)),
 ("acgo_empty", lambda a, M: a.alter_consumer_group_offsets([])),
 ("acgo_two", lambda a, M: a.alter_consumer_group_offsets([M.CGTP("g", [M.TopicPartition("t", 0, 1)]),
                                                           M.CGTP("h", [M.TopicPartition("t", 0, 1)])])),
 ("acgo_tps_none", lambda a, M: a.alter_consumer_group_offsets([M.CGTP("g")])),
 ("acgo_tps_empty", lambda a, M: a.alter_consumer_group_offsets([M.CGTP("g", [])])),
 ("acgo_neg_offset", lambda a, M: a.alter_consumer_group_offsets([M.CGTP("g", [M.TopicPartition("t", 0)])])),
 ("acgo_neg_partition", lambda a, M: a.alter_consumer_group_offsets([M.CGTP("g", [M.TopicPartition("t", -1, 1)])])),
 ("acgo_group_empty", lambda a, M: a.alter_consumer_group_offsets([M.CGTP("", [M.TopicPartition("t", 0, 1)])])),
 ("acgo_ok", lambda a, M: a.alter_consumer_group_offsets([M.CGTP("g", [M.TopicPartition("t", 0, 1)])])),
 ("list_offsets_none", lambda a, M: a.list_offsets(None)),
 ("list_offsets_list", lambda a, M: a.list_offsets([M.TopicPartition("t", 0)])),
 ("list_offsets_empty", lambda a, M: a.list_offsets({})),
 ("list_offsets_bad_spec", lambda a, M: a.list_offsets({M.TopicPartition("t", 0): 1})),
 ("list_offsets_empty_topic", lambda a, M: a.list_offsets({M.TopicPartition("", 0): M.OffsetSpec.latest()})),
 ("list_offsets_neg_partition", lambda a, M: a.list_offsets({M.TopicPartition("t", -1): M.OffsetSpec.latest()})),
 ("list_offsets_iso_str", lambda a, M: a.list_offsets({M.TopicPartition("t", 0): M.OffsetSpec.latest()},
                                                      isolation_level="read_committed")),
 ("list_offsets_iso_int", lambda a, M: a.list_offsets({M.TopicPartition("t", 0): M.OffsetSpec.latest()},
                                                      isolation_level=1)),
 ("list_offsets_neg_timeout", lambda a, M: a.list_offsets({M.TopicPartition("t", 0): M.OffsetSpec.latest()},
                                                          request_timeout=-1)),
 ("list_offsets_ok", lambda a, M: a.list_offsets({M.TopicPartition("t", 0): M.OffsetSpec.latest()},
                                                 isolation_level=M.IsolationLevel.READ_COMMITTED)),
 ("delete_records_none", lambda a, M: a.delete_records(None)),
 ("delete_records_int", lambda a, M: a.delete_records(1)),
 ("delete_records_str_elem", lambda a, M: a.delete_records(["t"])),
 ("delete_records_empty", lambda a, M: a.delete_records([])),
 ("delete_records_topic_none", lambda a, M: a.delete_records([M.TopicPartition(None)])),
 ("delete_records_topic_empty", lambda a, M: a.delete_records([M.TopicPartition("")])),
 ("delete_records_neg_partition", lambda a, M: a.delete_records([M.TopicPartition("t", -1)])),
 ("delete_records_default_offset", lambda a, M: a.delete_records([M.TopicPartition("t")])),
 ("delete_records_dup", lambda a, M: a.delete_records([M.TopicPartition("t", 0, 1), M.TopicPartition("t", 0, 1)])),
 ("elect_leaders_none", lambda a, M: a.elect_leaders(None, [M.TopicPartition("t", 0)])),
 ("elect_leaders_str", lambda a, M: a.elect_leaders("1", [M.TopicPartition("t", 0)])),
 ("elect_leaders_parts_str", lambda a, M: a.elect_leaders(M.ElectionType.PREFERRED, "1")),
 ("elect_leaders_parts_str_elem", lambda a, M: a.elect_leaders(M.ElectionType.PREFERRED, ["t"])),
 ("elect_leaders_parts_none_elem", lambda a, M: a.elect_leaders(M.ElectionType.PREFERRED, [None])),
 ("elect_leaders_topic_empty", lambda a, M: a.elect_leaders(M.ElectionType.PREFERRED, [M.TopicPartition("")])),
 ("elect_leaders_neg_partition", lambda a, M: a.elect_leaders(M.ElectionType.PREFERRED, [M.TopicPartition("t", -1)])),
 ("elect_leaders_empty", lambda a, M: a.elect_leaders(M.ElectionType.PREFERRED, [])),
 ("elect_leaders_dup", lambda a, M: a.elect_leaders(M.ElectionType.PREFERRED, [M.TopicPartition("t", 0)] * 2)),
]


def _namespace(mod, adm):
    m = types.SimpleNamespace(**{**vars(mod), **vars(adm)})
    m.CGTP = mod.ConsumerGroupTopicPartitions
    m.acl = lambda: adm.AclBinding(adm.ResourceType.TOPIC, "t", adm.ResourcePatternType.LITERAL, "User:u", "*",
                                   adm.AclOperation.WRITE, adm.AclPermissionType.ALLOW)
    m.aclf = lambda: adm.AclBindingFilter(adm.ResourceType.TOPIC, "t", adm.ResourcePatternType.LITERAL, "User:u",
                                          "*", adm.AclOperation.WRITE, adm.AclPermissionType.ALLOW)
    return m


def _outcome(a, m, fn) -> Exception | None:
    """The exception raised at the call, or None when futures came back."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)     # alter_configs is deprecated in confluent-kafka
            fn(a, m)
    except Exception as exc:    # the type is what is compared
        return exc
    return None


@pytest.fixture(scope="module")
def clients():
    real = ck_admin.AdminClient({"bootstrap.servers": NOWHERE, "socket.timeout.ms": 10, "log_level": 0})
    lab = lab_admin.AdminClient({"bootstrap.servers": NOWHERE})
    return (real, _namespace(ck, ck_admin)), (lab, _namespace(kafkalab, lab_admin))


@pytest.mark.parametrize("name, fn", CASES, ids=[c[0] for c in CASES])
def test_argument_check_raises_what_confluent_kafka_raises(clients, name, fn):
    """The same input raises the same exception type at the call (or returns futures on both).

    kafkalab's exception is an instance of confluent-kafka's type (where that type is an accident of confluent-kafka's
    code, AttributeError or ValueError for a wrong element, kafkalab's is also a TypeError that names the parameter).
    """
    (real, rm), (lab, lm) = clients
    want, got = _outcome(real, rm, fn), _outcome(lab, lm, fn)
    if want is None:
        assert got is None, f"confluent-kafka returned futures, kafkalab raised {got!r}"
    else:
        assert isinstance(got, type(want)), f"confluent-kafka raised {want!r}, kafkalab {got!r}"


def test_group_methods_without_a_broker_return_failing_futures():
    """With no broker, confluent-kafka 2.16.1 returns futures: describe/delete_consumer_groups fail with
    ``_TIMED_OUT`` "Local: Timed out", list/alter_consumer_group_offsets with "Failed while waiting for response
    from broker: Local: Timed out"; list_consumer_groups succeeds with no group and one ``_TIMED_OUT`` in
    ``errors`` (measured with request_timeout=0.3). kafkalab raised ``_TRANSPORT`` at the call."""
    a = lab_admin.AdminClient({"bootstrap.servers": NOWHERE})
    tp = kafkalab.TopicPartition("t", 0, 1)
    futures = {
        "Local: Timed out": [a.describe_consumer_groups(["g"])["g"], a.delete_consumer_groups(["g"])["g"]],
        "Failed while waiting for response from broker: Local: Timed out": [
            a.list_consumer_group_offsets([kafkalab.ConsumerGroupTopicPartitions("g")])["g"],
            a.alter_consumer_group_offsets([kafkalab.ConsumerGroupTopicPartitions("g", [tp])])["g"]],
    }
    for text, fs in futures.items():
        for f in fs:
            err = f.exception().args[0]
            assert (err.code(), err.str()) == (kafkalab.KafkaError._TIMED_OUT, text)
    res = a.list_consumer_groups().result()
    assert res.valid == [] and [e.code() for e in res.errors] == [kafkalab.KafkaError._TIMED_OUT]
    acl = lab_admin.AclBinding(lab_admin.ResourceType.TOPIC, "t", lab_admin.ResourcePatternType.LITERAL, "User:u",
                               "*", lab_admin.AclOperation.WRITE, lab_admin.AclPermissionType.ALLOW)
    assert a.create_acls([acl])[acl].exception().args[0].code() == kafkalab.KafkaError._TIMED_OUT
    f = a.delete_topics(["t"])["t"]                   # a future, not a raise
    assert f.exception().args[0].code() == kafkalab.KafkaError._TIMED_OUT


def test_list_consumer_groups_filters_by_states_and_types():
    """``states``/``types`` are sets; every kafkalab group is CLASSIC, so ``types={CONSUMER}`` lists none."""
    cluster = kafkalab.Cluster(seed=1)
    cluster.create_topic("t", partitions=1)
    c = kafkalab.Consumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": "g"})
    c.subscribe(["t"])
    c.poll(5)
    a = lab_admin.AdminClient({"bootstrap.servers": cluster.bootstrap_servers})
    ids = lambda **kw: [g.group_id for g in a.list_consumer_groups(**kw).result().valid]   # noqa: E731
    assert ids() == ["g"]
    assert ids(types={kafkalab.ConsumerGroupType.CLASSIC}) == ["g"]
    assert ids(types={kafkalab.ConsumerGroupType.CONSUMER}) == []
    assert ids(states={kafkalab.ConsumerGroupState.EMPTY}) == []
    c.close()


def test_scram_methods_check_users_and_time_out_without_a_broker():
    """confluent-kafka 2.16.1 (tests/test_Admin.py at v2.15.0): ``describe_user_scram_credentials`` takes None or a list
    of non-empty strings (TypeError / ValueError at the call), ``alter_user_scram_credentials`` a non-empty list; with
    no broker the futures fail with ``_TIMED_OUT`` (kafkalab answered _NOT_IMPLEMENTED)."""
    ck = pytest.importorskip("confluent_kafka")
    for adm in (ck_admin, lab_admin):
        a = adm.AdminClient({"bootstrap.servers": NOWHERE, "socket.timeout.ms": 10} if adm is ck_admin
                            else {"bootstrap.servers": NOWHERE})
        for users, exc in (("sam", TypeError), ([None], TypeError), ([1], TypeError), ([""], ValueError)):
            with pytest.raises(exc):
                a.describe_user_scram_credentials(users)
        with pytest.raises(TypeError):
            a.alter_user_scram_credentials("x")
        with pytest.raises(ValueError):
            a.alter_user_scram_credentials([])
    assert ck is not None
    a = lab_admin.AdminClient({"bootstrap.servers": NOWHERE})
    err = a.describe_user_scram_credentials(["sam"])["sam"].exception().args[0]
    assert err.code() == kafkalab.KafkaError._TIMED_OUT
    assert len(a) == 0
