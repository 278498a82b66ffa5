"""kafka-share-groups.sh --describe tables from fake broker answers (the layout of ShareGroupCommand.java)."""

from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from kafkalab.client import share_group_command as cmd


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> dict:
    """A fake admin_request: answers from the dict this fixture returns (tests fill it)."""
    answers: dict = {"state": "Stable", "members": [], "offsets": {}}

    def admin_request(cluster, api, /, **fields):
        if api == "ShareGroupDescribe":
            gid = fields["group_ids"][0]
            if answers["state"] is None:
                return {gid: NS(value=None, error="GROUP_ID_NOT_FOUND")}
            group = NS(group_id=gid, state=answers["state"], group_epoch=4, assignment_epoch=4,
                       assignor_name="simple", members=answers["members"])
            return {gid: NS(value=group, error=None)}
        if api == "DescribeShareGroupOffsets":
            gid = fields["group_ids"][0]
            return {gid: NS(value=NS(group_id=gid, partitions=answers["offsets"]), error=None)}
        if api == "FindCoordinator":
            return NS(node=NS(host="localhost", port=9092, node_id=1))
        raise AssertionError(api)

    monkeypatch.setattr(cmd, "admin_request", admin_request)
    return answers


def _member(mid: str, client: str, tps: list) -> NS:
    return NS(member_id=mid, client_id=client, client_host="/127.0.0.1", member_epoch=3, assignment=tps)


def test_share_describe_offsets_start_offset_and_lag(broker: dict) -> None:
    """Default --offsets: GROUP TOPIC PARTITION START-OFFSET LAG, '-' where the broker has no value."""
    broker["offsets"] = {("tasks", 1): (-1, None), ("tasks", 0): (7, 2)}
    out, err = cmd.describe_share_offsets_text(None, "workers")
    assert [line.split() for line in out.splitlines()] == [
        ["GROUP", "TOPIC", "PARTITION", "START-OFFSET", "LAG"], ["workers", "tasks", "0", "7", "2"],
        ["workers", "tasks", "1", "-", "-"]]
    assert out.splitlines()[0] == f"{'GROUP':<15} {'TOPIC':<15} {'PARTITION':<10} {'START-OFFSET':<13} LAG"
    verbose, _ = cmd.describe_share_offsets_text(None, "workers", verbose=True)
    assert verbose.splitlines()[1].split() == ["workers", "tasks", "0", "0", "7", "2"] and err == ""
    broker["offsets"] = {}
    assert cmd.describe_share_offsets_text(None, "workers") == ("Share group 'workers' has no offset information.", "")


def test_share_describe_members_shared_partition(broker: dict) -> None:
    """--members: sorted by consumer id; two members listing tasks:0 share it; MEMBER-EPOCH only with --verbose."""
    broker["members"] = [_member("mB", "c2", [("tasks", 0)]), _member("mA", "c1", [("tasks", 0), ("tasks", 1)])]
    out, err = cmd.describe_share_members_text(None, "workers", verbose=True)
    assert [line.split() for line in out.splitlines()] == [
        ["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "MEMBER-EPOCH", "ASSIGNMENT"],
        ["workers", "mA", "/127.0.0.1", "c1", "2", "3", "tasks:0,1"], ["workers", "mB", "/127.0.0.1", "c2", "1", "3",
                                                                      "tasks:0"]]
    assert err == ""
    broker["state"], broker["members"] = "Empty", []
    assert cmd.describe_share_members_text(None, "workers") == ("", "Share group 'workers' has no active members.")
    broker["state"] = None
    assert cmd.describe_share_members_text(None, "gone") == ("Error: Share group 'gone' does not exist.", "")


def test_share_describe_state_columns(broker: dict) -> None:
    """--state: GROUP COORDINATOR (ID) STATE #MEMBERS; --verbose adds GROUP-EPOCH ASSIGNMENT-EPOCH."""
    broker["members"] = [_member("mA", "c1", [("tasks", 0)])]
    out, _ = cmd.describe_share_state_text(None, "workers")
    assert out.splitlines()[1].split() == ["workers", "localhost:9092", "(1)", "Stable", "1"]
    out, _ = cmd.describe_share_state_text(None, "workers", verbose=True)
    assert out.splitlines()[0].split()[-3:] == ["GROUP-EPOCH", "ASSIGNMENT-EPOCH", "#MEMBERS"]
