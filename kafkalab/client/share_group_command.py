"""``kafka-share-groups.sh --describe`` (default ``--offsets``, ``--members``, ``--state``), as Kafka 4.2 prints them.

Owns ``describe_share_offsets_text``, ``describe_share_members_text`` and ``describe_share_state_text``: each
returns (stdout, stderr) of the tool for one share group. A kafkalab text helper: confluent-kafka 2.16.1 has no
share-group admin API at all (no ``describe_share_groups`` or ``list_share_group_offsets`` in ``AdminClient``;
librdkafka lists this as a preview limitation), so these read the broker's answers to ShareGroupDescribe (API
key 77) and DescribeShareGroupOffsets (API key 90) by request (``base.admin_request``), as the Java tool does
through ``Admin.describeShareGroups`` and ``Admin.listShareGroupOffsets``. Standard library only.

Kafka: ``tools/.../consumer/group/ShareGroupCommand.java`` (trunk 2026): column minimum widths, ``-`` for a
missing value, members sorted by consumer id, assignments as ``topic:0,1;other:2``.
"""

from __future__ import annotations

from typing import Any

from .base import admin_request

_MISSING = "-"
#: Simplification: kafkalab's partitions have one leader that never changes, so the leader epoch is 0.
_LEADER_EPOCH = 0


def described_share_group(cluster: Any, group_id: str) -> Any:
    """The broker's ShareGroupDescribe answer for ``group_id``, or None when there is no such share group.

    Kafka: ShareGroupDescribe (API key 77, KIP-932): state, group epoch, assignment epoch, and per member its
    client-generated id, client id, member epoch and assigned partitions.
    """
    result = admin_request(cluster, "ShareGroupDescribe", group_ids=[group_id])[group_id]
    return result.value if result.error is None else None


def _pad(header: list[str], rows: list[list[str]], minimum: list[int]) -> str:
    """Kafka's ``%-Ns`` columns (the last one unpadded), one line each, trailing spaces kept as printed."""
    widths = [max([m, *(len(r[i]) for r in [header, *rows])]) for i, m in enumerate(minimum)]
    lines = []
    for r in [header, *rows]:
        cells = [c.ljust(w) for c, w in zip(r[:-1], widths)]
        lines.append(" ".join([*cells, r[-1]]))
    return "\n".join(lines)


def _assignment(tps: list) -> str:
    """``tasks:0,1;orders:2`` (topics sorted), "" when empty (``ShareGroupCommand.getAssignmentString``)."""
    by_topic: dict[str, list[int]] = {}
    for t, p in tps:
        by_topic.setdefault(t, []).append(int(p))
    return ";".join(sorted(f"{t}:{','.join(str(p) for p in sorted(ps))}" for t, ps in by_topic.items()))


def _state_message(group_id: str, state: str | None) -> tuple[str, str]:
    """(stdout, stderr) lines of ``maybePrintEmptyGroupState``: Dead or unknown -> an error, Empty -> a note."""
    if state is None or state == "Dead":
        return f"Error: Share group '{group_id}' does not exist.", ""
    if state == "Empty":
        return "", f"Share group '{group_id}' has no active members."
    return "", ""


def describe_share_offsets_text(cluster: Any, group_id: str, *, verbose: bool = False) -> tuple[str, str]:
    """``kafka-share-groups.sh --describe --group G [--offsets] [--verbose]``: (stdout table, stderr).

    Columns: GROUP TOPIC PARTITION START-OFFSET LAG; ``verbose`` adds LEADER-EPOCH before START-OFFSET.
    START-OFFSET is the share-partition start offset (SPSO: every offset below it is Acknowledged or
    Archived), not a committed offset; LAG is the number of records from there to the end of the partition
    not yet delivery-complete (KIP-1226). ``-`` where the broker has no value (a partition the group never
    fetched). One row per share-partition the group has state for, sorted by topic and partition. LEADER-EPOCH
    is always 0 here (kafkalab does not move partition leaders).

    Kafka: ``ShareGroupCommand.printOffsets`` (``Admin.listShareGroupOffsets``). Simplification: the LAG column
    is in the 2026 tool; the release that added it is unverified (4.2?).
    """
    if described_share_group(cluster, group_id) is None:
        return _state_message(group_id, None)
    result = admin_request(cluster, "DescribeShareGroupOffsets", group_ids=[group_id])[group_id]
    offsets = result.value.partitions if result.error is None and result.value is not None else {}
    if not offsets:
        return f"Share group '{group_id}' has no offset information.", ""
    header = ["GROUP", "TOPIC", "PARTITION", *(["LEADER-EPOCH"] if verbose else []), "START-OFFSET", "LAG"]
    rows = []
    for (topic, partition), (start, lag) in sorted(offsets.items()):
        shown = [_MISSING if v is None or v == -1 else str(v) for v in (_LEADER_EPOCH, start, lag)]
        rows.append([group_id, topic, str(partition), *(shown if verbose else shown[1:])])
    minimum = [max(15, len(group_id)), 15, 10, *([13] if verbose else []), 13, 0]
    return _pad(header, rows, minimum), ""


def describe_share_members_text(cluster: Any, group_id: str, *, verbose: bool = False) -> tuple[str, str]:
    """``kafka-share-groups.sh --describe --group G --members [--verbose]``: (stdout table, stderr).

    Columns: GROUP CONSUMER-ID HOST CLIENT-ID #PARTITIONS ASSIGNMENT; ``verbose`` adds MEMBER-EPOCH before
    ASSIGNMENT. CONSUMER-ID is the member id the client generated; with more members than partitions several
    members list the same partition (a shared partition, Kafka 4.2's ``simple`` assignor). Members sorted by
    id; nothing but the state line for an empty or unknown group.

    Kafka: ``ShareGroupCommand.printMembers``.
    """
    group = described_share_group(cluster, group_id)
    state = None if group is None else group.state
    out, err = _state_message(group_id, state)
    if group is None or state == "Dead" or not group.members:
        return out, err
    header = ["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS", *(["MEMBER-EPOCH"] if verbose else []),
              "ASSIGNMENT"]
    rows = []
    for m in sorted(group.members, key=lambda m: m.member_id):
        row = [group_id, m.member_id, m.client_host, m.client_id, str(len(m.assignment))]
        rows.append([*row, *([str(m.member_epoch)] if verbose else []), _assignment(m.assignment)])
    minimum = [max(15, len(group_id)), 15, 15, 15, 12, *([13] if verbose else []), 0]
    return _pad(header, rows, minimum), err


def describe_share_state_text(cluster: Any, group_id: str, *, verbose: bool = False) -> tuple[str, str]:
    """``kafka-share-groups.sh --describe --group G --state [--verbose]``: (stdout table, stderr).

    Columns: GROUP COORDINATOR (ID) STATE #MEMBERS; ``verbose`` adds GROUP-EPOCH and ASSIGNMENT-EPOCH
    before #MEMBERS. STATE is Empty, Stable or Dead (a share group has no rebalance states).

    Kafka: ``ShareGroupCommand.printStates``.
    """
    group = described_share_group(cluster, group_id)
    if group is None:
        return _state_message(group_id, None)
    node = admin_request(cluster, "FindCoordinator", key=group_id).node
    coordinator = f"{node.host}:{node.port}  ({node.node_id})"
    header = ["GROUP", "COORDINATOR (ID)", "STATE", *(["GROUP-EPOCH", "ASSIGNMENT-EPOCH"] if verbose else []),
              "#MEMBERS"]
    row = [group_id, coordinator, group.state,
           *([str(group.group_epoch), str(group.assignment_epoch)] if verbose else []), str(len(group.members))]
    minimum = [max(15, len(group_id)), 25, 15, *([12, 17] if verbose else []), 0]
    _out, err = _state_message(group_id, group.state)
    return _pad(header, [row], minimum), err


__all__ = ["describe_share_members_text", "describe_share_offsets_text", "describe_share_state_text",
           "described_share_group"]
