"""``kafka-consumer-groups.sh --describe`` with ``--members`` or ``--state``, as Kafka 4 prints them.

Owns ``describe_members_text`` and ``describe_state_text`` (classic and consumer-protocol groups; with
``verbose`` the KIP-848 epoch columns), ``described_consumer_group`` (the ConsumerGroupDescribe answer)
and ``group_state_message`` (the tool's stderr line for a group state). The default ``--offsets`` view is
``group_admin.describe_groups_text``. Every answer comes by request (``base.admin_request``). Standard
library only.

Kafka: ``tools/.../consumer/group/ConsumerGroupCommand.java``; headers of the 4.x verbose views from
``ConsumerGroupCommandTest`` (KAFKA_REFERENCE_MODERN A.9). Simplification: columns are padded to their
widest value plus one space (Kafka pads to at least 15-25 characters).
"""

from __future__ import annotations

from typing import Any

from .base import admin_request

_HOST = "/127.0.0.1"
_REBALANCING = ("PreparingRebalance", "CompletingRebalance", "Assigning", "Reconciling")


def described_consumer_group(cluster: Any, group_id: str) -> Any:
    """The broker's ConsumerGroupDescribe answer for ``group_id``, or None when it is not a consumer-protocol group.

    Kafka: ConsumerGroupDescribe (API key 69, KIP-848): group epoch, target assignment epoch, assignor, and per
    member its epoch, assignment and target assignment.
    """
    result = admin_request(cluster, "ConsumerGroupDescribe", group_ids=[group_id])[group_id]
    return result.value if result.error is None else None


def group_state_message(group_id: str, state: str | None) -> str:
    """What the tool prints on stderr for a group in ``state`` ("" for Stable; None: the group does not exist).

    Kafka: ``ConsumerGroupCommand.shouldPrintMemberState``: Assigning and Reconciling (KIP-848) count as
    rebalancing, like PreparingRebalance and CompletingRebalance.
    """
    if state is None or state == "Dead":
        return f"Error: Consumer group '{group_id}' does not exist."
    if state == "Empty":
        return f"Consumer group '{group_id}' has no active members."
    if state in _REBALANCING:
        return f"Warning: Consumer group '{group_id}' is rebalancing."
    return ""


def _assignment(tps: list) -> str:
    """``orders(0,1), payments(2)``, or ``-`` when empty (docs/ops.html, ``--members --verbose``)."""
    by_topic: dict[str, list[int]] = {}
    for t, p in tps:
        by_topic.setdefault(t, []).append(p)
    if not by_topic:
        return "-"
    return ", ".join(sorted(f"{t}({','.join(str(p) for p in sorted(ps))})" for t, ps in by_topic.items()))


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(" ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header, *rows])


def describe_members_text(cluster: Any, group_id: str, *, verbose: bool = False) -> tuple[str, str]:
    """``kafka-consumer-groups.sh --describe --group G --members [--verbose]``: (stdout table, stderr message).

    Columns: GROUP CONSUMER-ID [GROUP-INSTANCE-ID] HOST CLIENT-ID #PARTITIONS; GROUP-INSTANCE-ID only when
    a member is static. ``verbose`` adds, for a consumer-protocol group (KIP-848), CURRENT-EPOCH
    CURRENT-ASSIGNMENT TARGET-EPOCH TARGET-ASSIGNMENT (the member's epoch and partitions, the group's
    target assignment epoch and the partitions the assignor wants it to have: a member whose
    CURRENT-EPOCH is below TARGET-EPOCH is still reconciling), and for a classic group ASSIGNMENT.
    An assignment reads ``orders(0,1)``; CONSUMER-ID of a consumer-protocol member is its
    client-generated id (KIP-1082).

    Kafka: ``ConsumerGroupCommand.printMembers``.
    """
    modern = described_consumer_group(cluster, group_id)
    if modern is not None:
        members = [(m.member_id, m.instance_id, m.client_id, list(m.assignment), m.member_epoch,
                    list(m.target_assignment)) for m in modern.members]
        state, target_epoch = modern.state, modern.assignment_epoch
    else:
        grp = admin_request(cluster, "DescribeGroups", group_ids=[group_id])[group_id]
        if grp is None:
            return "", group_state_message(group_id, None)
        members = [(m.member_id, m.group_instance_id, m.client_id, list(m.assignment), None, None)
                   for m in grp.members]
        state, target_epoch = grp.state, None
    static = any(instance for _m, instance, *_ in members)
    header = ["GROUP", "CONSUMER-ID", *(["GROUP-INSTANCE-ID"] if static else []), "HOST", "CLIENT-ID", "#PARTITIONS"]
    if verbose:
        header += (["CURRENT-EPOCH", "CURRENT-ASSIGNMENT", "TARGET-EPOCH", "TARGET-ASSIGNMENT"] if modern is not None
                   else ["ASSIGNMENT"])
    rows = []
    for member_id, instance, client_id, owned, epoch, target in members:
        row = [group_id, member_id, *([instance or "-"] if static else []), _HOST, client_id, str(len(owned))]
        if verbose and modern is not None:
            row += [str(epoch), _assignment(owned), str(target_epoch), _assignment(target or [])]
        elif verbose:
            row.append(_assignment(owned))
        rows.append(row)
    return _table(header, rows), group_state_message(group_id, state)


def describe_state_text(cluster: Any, group_id: str, *, verbose: bool = False) -> tuple[str, str]:
    """``kafka-consumer-groups.sh --describe --group G --state [--verbose]``: (stdout table, stderr message).

    Columns: GROUP COORDINATOR (ID) ASSIGNMENT-STRATEGY STATE #MEMBERS. For a consumer-protocol group
    ASSIGNMENT-STRATEGY is the broker-side assignor (``uniform``) and STATE a KIP-848 state (Empty,
    Assigning, Reconciling, Stable); ``verbose`` adds GROUP-EPOCH and TARGET-ASSIGNMENT-EPOCH before
    #MEMBERS (the group epoch moves on each membership change, the target assignment epoch when the
    assignor has run for it). For a classic group ``verbose`` changes nothing here.

    Kafka: ``ConsumerGroupCommand.printStates``.
    """
    node = admin_request(cluster, "FindCoordinator", key=group_id).node
    coordinator = f"{node.host}:{node.port}  ({node.node_id})"
    modern = described_consumer_group(cluster, group_id)
    if modern is not None:
        state, assignor, count = modern.state, modern.assignor_name, len(modern.members)
        epochs = [str(modern.group_epoch), str(modern.assignment_epoch)]
    else:
        grp = admin_request(cluster, "DescribeGroups", group_ids=[group_id])[group_id]
        if grp is None:
            return "", group_state_message(group_id, None)
        state, assignor, count, epochs = grp.state, grp.protocol_name or "", len(grp.members), []
    header = ["GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE"]
    row = [group_id, coordinator, assignor or "-", state]
    if verbose and modern is not None:
        header += ["GROUP-EPOCH", "TARGET-ASSIGNMENT-EPOCH"]
        row += epochs
    return _table([*header, "#MEMBERS"], [[*row, str(count)]]), group_state_message(group_id, state)


__all__ = ["describe_members_text", "describe_state_text", "described_consumer_group", "group_state_message"]
