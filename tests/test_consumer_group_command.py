"""kafka-consumer-groups.sh --describe --members/--state as Kafka 4 prints them: the KIP-848 epoch columns, the
consumer-protocol state names and their stderr lines, and the --offsets view of a consumer-protocol group."""

from kafkalab.admin import describe_groups_text
from kafkalab.client.consumer_group_command import describe_members_text, describe_state_text, group_state_message
from kafkalab.sim import library


def _rows(table):
    return [line.split() for line in table.splitlines()]


def test_describe_state_verbose_shows_kip848_epochs_and_states():
    """Assigning right after the fencing (group epoch 4 > target epoch 3), Stable once the assignor ran."""
    at_fence = library.get("crash-before-commit-kip848").run(until_ms=50_060)
    table, err = describe_state_text(at_fence.cluster, "billing", verbose=True)
    header, row = table.splitlines()
    assert header.split() == ["GROUP", "COORDINATOR", "(ID)", "ASSIGNMENT-STRATEGY", "STATE", "GROUP-EPOCH",
                              "TARGET-ASSIGNMENT-EPOCH", "#MEMBERS"]
    assert row.split()[-5:] == ["uniform", "Assigning", "4", "3", "2"]
    assert err == "Warning: Consumer group 'billing' is rebalancing."
    stable = library.get("crash-before-commit-kip848").run(until_ms=60_000)
    table, err = describe_state_text(stable.cluster, "billing", verbose=True)
    assert table.splitlines()[1].split()[-5:] == ["uniform", "Stable", "4", "4", "2"] and err == ""
    assert "GROUP-EPOCH" not in describe_state_text(stable.cluster, "billing")[0]


def test_describe_members_verbose_shows_member_and_target_epochs():
    """Per member: its epoch and partitions, the target epoch and partitions; c3 is gone after the fencing."""
    sc = library.get("crash-before-commit-kip848").run(until_ms=60_000)
    table, err = describe_members_text(sc.cluster, "billing", verbose=True)
    rows = _rows(table)
    assert rows[0] == ["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "CURRENT-EPOCH",
                       "CURRENT-ASSIGNMENT", "TARGET-EPOCH", "TARGET-ASSIGNMENT"]
    assert [(r[3], r[4], r[5], r[6], r[7], r[8]) for r in rows[1:]] == [
        ("c1", "2", "4", "orders(0,1)", "4", "orders(0,1)"), ("c2", "1", "4", "orders(2)", "4", "orders(2)")]
    assert all(len(r[1]) == 22 for r in rows[1:]) and err == ""


def test_describe_members_classic_and_static_columns():
    """Classic: ASSIGNMENT with --verbose; GROUP-INSTANCE-ID appears only when a member is static."""
    classic = library.get("crash-before-commit").run(until_ms=5_000)
    rows = _rows(describe_members_text(classic.cluster, "billing", verbose=True)[0])
    assert rows[0] == ["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "ASSIGNMENT"]
    assert [r[-1] for r in rows[1:]] == ["orders(0)", "orders(1)", "orders(2)"]
    static = library.get("static-member-restart").run(until_ms=2_000)
    rows = _rows(describe_members_text(static.cluster, "billing")[0])
    assert rows[0][2] == "GROUP-INSTANCE-ID" and [r[2] for r in rows[1:]] == ["c1", "c2"]
    assert describe_members_text(static.cluster, "nope") == ("", "Error: Consumer group 'nope' does not exist.")


def test_describe_offsets_of_a_consumer_protocol_group_names_the_owners():
    """The default view finds a KIP-848 group's owners by ConsumerGroupDescribe; '-' for a fenced member's."""
    sc = library.get("crash-before-commit-kip848").run(until_ms=50_060)
    table, err = describe_groups_text(sc.cluster, "billing")
    owners = {r[2]: r[-1] for r in _rows(table)[1:]}
    assert owners == {"0": "c1", "1": "-", "2": "c2"} and err == "Warning: Consumer group 'billing' is rebalancing."
    assert group_state_message("g", "Reconciling") == "Warning: Consumer group 'g' is rebalancing."
    assert group_state_message("g", "Empty") == "Consumer group 'g' has no active members."
