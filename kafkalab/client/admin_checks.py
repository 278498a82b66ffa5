"""The argument checks ``AdminClient`` makes before it sends anything, as confluent-kafka 2.16.1 makes them.

confluent-kafka checks arguments in its Python layer (``confluent_kafka/admin/__init__.py``) and in its C
layer (``src/confluent_kafka/src/Admin.c``) and raises ``TypeError``/``ValueError`` (some ``AttributeError``
where it reads an attribute of a wrong element) at the call; only what passes these checks becomes a
request whose future can fail. Each check here raises the exception type confluent-kafka raises for the
same input (checked side by side with the installed client, tests/test_admin_args.py). Where confluent-kafka's
type is an accident of its code (AttributeError for an element without ``.topic``, ValueError for a wrong element
type) the exception is also a TypeError (``WrongElementError``, ``WrongElementTypeError``), and the text names the
method and parameter before confluent-kafka's own words, so ``except`` clauses written for either client catch it.
Standard library only.
"""

from __future__ import annotations

from typing import Any

_MAX_TIMEOUT_MS = 3600000


class WrongElementError(TypeError, AttributeError):
    """An element lacks an attribute confluent-kafka reads (it raises AttributeError); also a TypeError."""


class WrongElementTypeError(TypeError, ValueError):
    """A list element of the wrong type (confluent-kafka's ``_make_futures`` raises ValueError); also a TypeError."""


def timeouts(request_timeout: Any = 0, operation_timeout: Any = None) -> None:
    """Timeouts are numbers of seconds: request 0..3600 s, operation -1 ms..3600 s (Admin.c options)."""
    for name, value, low in (("request_timeout", request_timeout, 0), ("operation_timeout", operation_timeout, -1)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"must be real number, not {type(value).__name__}")
        if not low <= int(value * 1000) <= _MAX_TIMEOUT_MS:
            raise ValueError(f'Invalid value type for "{name}": expecting integer in range {low}..{_MAX_TIMEOUT_MS}')


def flags(**named: Any) -> None:
    """Boolean options (validate_only, include_authorized_operations, require_stable) must be bools."""
    for name, value in named.items():
        if not isinstance(value, bool):
            raise TypeError(f"Expected {name} to be bool type, not {type(value).__name__}")


def _iterable(items: Any, api: str, param: str, what: str) -> None:
    if not hasattr(items, "__iter__"):
        raise TypeError(f"{api}: {param} must be a list of {what}: '{type(items).__name__}' object is not iterable")


def names_of(items: Any, what: str, api: str, param: str) -> list:
    """``[x.topic for x in items]`` (TypeError for a non-iterable, AttributeError for a wrong element), non-empty."""
    _iterable(items, api, param, what)
    for x in items:
        if not hasattr(x, "topic"):
            raise WrongElementError(f"{api}: {param} must be a list of {what}: '{type(x).__name__}' object has no "
                                    f"attribute 'topic'")
    names = [x.topic for x in items]
    if not names:
        raise ValueError(f"Expected non-empty list of {what} objects")
    return names


def list_of(items: Any, kind: type, what: str, api: str, param: str, *, error: type = WrongElementTypeError,
            non_empty: bool = True) -> None:
    """Every element is a ``kind`` (``error`` otherwise, confluent-kafka's ``_make_futures``), and there is one."""
    _iterable(items, api, param, what)
    for item in items:
        if not isinstance(item, kind):
            raise error(f"{api}: {param} must be a list of {what}: Expected list of {kind!r}")
    if non_empty and not items:
        raise ValueError(f"Expected non-empty list of {what} objects")


def no_duplicates(items: Any, what: str) -> None:
    if len(set(items)) != len(items):
        raise ValueError(f"duplicate {what} not allowed")


def topic_names(names: Any) -> None:
    """``delete_topics``: a non-empty list of strings."""
    if not isinstance(names, list):
        if not hasattr(names, "__iter__"):
            raise TypeError(f"'{type(names).__name__}' object is not iterable")
        raise TypeError(f"argument 1 must be list, not {type(names).__name__}")
    if not names:
        raise ValueError("Expected non-empty list of topic strings")
    for name in names:
        if not isinstance(name, str):
            raise ValueError(f"Expected list of topic strings, not {type(name).__name__}")


def new_topic_configs(new_topics: list) -> None:
    for nt in new_topics:
        if nt.config is not None and not isinstance(nt.config, dict):
            raise TypeError("config must be a dict of strings")


def incremental_configs(resources: list, entry_kind: type, op_kind: type) -> None:
    """Each resource names at least one ``ConfigEntry`` with a str name and an ``AlterConfigOpType``."""
    for res in resources:
        entries = res.incremental_configs
        for i, entry in enumerate(entries):
            if not isinstance(entry, entry_kind):
                raise TypeError(f"expected ConfigEntry type in incremental_configs field, index {i}")
        if not entries:
            raise ValueError("expected non-empty list of ConfigEntry to alter incrementally in incremental_configs "
                             "field")
        for entry in entries:
            if not isinstance(entry.name, str):
                raise TypeError(f"Expected .name to be str type, not {type(entry.name).__name__}")
            if not isinstance(entry.incremental_operation, op_kind):
                raise TypeError("Required attribute .value missing")


def enum_set(value: Any, name: str, kind: type, label: str) -> None:
    """``list_consumer_groups(states=..., types=...)``: None or a set of ``kind``."""
    if value is None:
        return
    if not isinstance(value, set):
        raise TypeError(f"'{name}' must be a set")
    if not all(isinstance(v, kind) for v in value):
        raise TypeError(f"All elements of {name} must be of type {label}")


def group_ids(ids: Any, verb: str, *, strings: bool) -> None:
    """A non-empty list of group ids (``delete_consumer_groups`` also requires each to be a str)."""
    if not isinstance(ids, list):
        raise TypeError(f"Expected input to be list of group ids to be {verb}")
    if not ids:
        raise ValueError(f"Expected at least one group to be {verb}")
    if strings and not all(isinstance(g, str) for g in ids):
        raise WrongElementTypeError("delete_consumer_groups: group_ids must be a list of str: Expected list of "
                                    "<class 'str'>")


def scram_users(users: Any) -> None:
    """``describe_user_scram_credentials``: None or a list of non-empty str user names."""
    if users is None:
        return
    if not isinstance(users, list):
        raise TypeError("Expected input to be list of String")
    for user in users:
        if user is None:
            raise TypeError("'user' cannot be None")
        if not isinstance(user, str):
            raise TypeError("Each value should be a string")
        if not user:
            raise ValueError("'user' cannot be empty")


def describe_topic_names(names: Any) -> None:
    if not isinstance(names, list):
        raise TypeError("Expected list of topic names to be described")
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise TypeError(f"Expected list of topics strings, not {type(name).__name__}")
        if not name:
            raise ValueError(f"Empty topic name at index {i} isn't allowed")


def group_offsets_request(request: Any, request_kind: type, tp_kind: type, *, alter: bool) -> None:
    """``list_consumer_group_offsets`` / ``alter_consumer_group_offsets``: one well-formed group request."""
    verb = "altering" if alter else "listing"
    if request is None:
        raise TypeError("request cannot be None")
    if not isinstance(request, list):
        raise TypeError("request must be a list")
    if len(request) != 1:
        raise ValueError(f"Currently we support {verb} offsets for a single consumer group only")
    req = request[0]
    if not isinstance(req, request_kind):
        raise TypeError("Expected list of 'ConsumerGroupTopicPartitions'")
    if req.group_id is None:
        raise TypeError("'group_id' cannot be None")
    if not isinstance(req.group_id, str):
        raise TypeError("'group_id' must be a string")
    if not req.group_id:
        raise ValueError("'group_id' cannot be empty")
    tps = req.topic_partitions
    if tps is None:
        if alter:
            raise ValueError("'topic_partitions' cannot be null")
        return
    if not isinstance(tps, list):
        raise TypeError("'topic_partitions' must be a list" + ("" if alter else " or None"))
    if not tps:
        raise ValueError("'topic_partitions' cannot be empty")
    for tp in tps:
        if tp is None:
            raise ValueError("Element of 'topic_partitions' cannot be None")
        if not isinstance(tp, tp_kind):
            raise TypeError("Element of 'topic_partitions' must be of type TopicPartition")
        if tp.topic is None:
            raise TypeError("Element of 'topic_partitions' must not have 'topic' attribute as None")
        if not tp.topic:
            raise ValueError("Element of 'topic_partitions' must not have 'topic' attribute as Empty")
        if tp.partition < 0:
            raise ValueError("Element of 'topic_partitions' must not have negative "
                             + ("value for 'partition' field" if alter else "'partition' value"))
        if alter and tp.offset < 0:
            raise ValueError("Element of 'topic_partitions' must not have negative value for 'offset' field")
        if not alter and tp.offset != -1001:
            raise ValueError("Element of 'topic_partitions' must not have 'offset' value")


def list_offsets_request(request: Any, tp_kind: type, spec_kind: type, isolation_level: Any, iso_kind: type) -> None:
    if not isinstance(request, dict):
        raise TypeError("list_offsets: topic_partition_offsets: Expected topic_partition_offsets to be dict of "
                        "[TopicPartitions,OffsetSpec] for list offsets request")
    for tp, spec in request.items():
        if not isinstance(tp, tp_kind):
            raise TypeError("list_offsets: topic_partition_offsets: partition must be a TopicPartition")
        if not isinstance(tp.topic, str):
            raise TypeError("list_offsets: topic_partition_offsets: partition topic name must be string")
        if not tp.topic:
            raise ValueError("list_offsets: topic_partition_offsets: partition topic name cannot be empty")
        if tp.partition < 0:
            raise ValueError("list_offsets: topic_partition_offsets: partition index must be non-negative")
        if not isinstance(spec, spec_kind):
            raise TypeError("list_offsets: topic_partition_offsets: Value must be a OffsetSpec")
    if not isinstance(isolation_level, iso_kind):
        raise TypeError("list_offsets: isolation_level argument should be an IsolationLevel")


def partitions_list(partitions: Any, tp_kind: type, *, what: str) -> None:
    """``delete_records`` (what='request') / ``elect_leaders`` (what='partitions'): TopicPartitions, partition >= 0."""
    request = what == "request"
    pre = ("delete_records: topic_partition_offsets" if request else "elect_leaders: partitions") + \
        " must be a list of TopicPartition: "
    if not isinstance(partitions, list):
        kind = type(partitions).__name__
        raise TypeError(pre + (f"Expected Request to be a list, got '{kind}' " if request
                               else f"Expected 'partitions' to be a list, got '{kind}'"))
    for tp in partitions:
        if not isinstance(tp, tp_kind):
            listed = "the request list" if request else "the 'partitions' list"
            raise TypeError(f"{pre}Element of {listed} must be of type 'TopicPartition' got '{type(tp).__name__}' ")
        if tp.partition < 0:
            raise ValueError(pre + ("'partition' cannot be negative" if request else
                                    "Elements of the 'partitions' list must not have negative value for 'partition' "
                                    "field"))
