"""The share consumer app's settings and acknowledgement rules (no broker needed), and its script actions."""

from __future__ import annotations

import pytest

from kafkalab.sim import Scenario, ShareConsumerApp


class _Msg:
    def __init__(self, key: bytes | None, dc: int) -> None:
        self._key, self._dc = key, dc

    def key(self):
        return self._key

    def delivery_count(self):
        return self._dc


def _app(**spec) -> ShareConsumerApp:
    sc = Scenario(seed=1, name="share-spec", topics={"tasks": {"partitions": 1}})
    return ShareConsumerApp(sc, "c1", ShareConsumerApp.make_spec("workers", "tasks", **spec))


def test_share_app_ack_rules_by_key_and_delivery_attempt() -> None:
    """A key's rule applies at each attempt, the list's last entry repeating; other keys get ``ack``."""
    app = _app(acks={"task-3": "reject", "task-4": ["release", "accept"]})
    assert [app.ack_type(_Msg(b"task-4", n)) for n in (1, 2, 3)] == ["release", "accept", "accept"]
    assert app.ack_type(_Msg(b"task-3", 1)) == "reject" and app.ack_type(_Msg(b"task-1", 1)) == "accept"
    assert app.client_config()["share.acknowledgement.mode"] == "explicit"


@pytest.mark.parametrize(("spec", "text"), [
    ({"ack": "commit"}, "ack must be one of ['accept', 'release', 'reject']"),
    ({"acks": {"k": ["release", "nack"]}}, "acks['k'] must be one of"),
    ({"mode": "manual"}, "mode must be one of ['explicit', 'implicit']"),
    ({"mode": "implicit", "acks": {"k": "reject"}}, "acks needs mode='explicit'"),
])
def test_share_app_refuses_bad_settings(spec: dict, text: str) -> None:
    """Each bad setting is refused with the parameter's name and what is allowed."""
    with pytest.raises(ValueError, match=text.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        _app(**spec)


def test_share_app_actions_enter_the_script() -> None:
    """add_share_consumer and hang are script actions: the saved script holds them, and from_json rebuilds it."""
    sc = Scenario(seed=1, name="share-script", topics={"tasks": {"partitions": 1}})
    sc.add_share_consumer("c1", group="workers", topics=["tasks"], acks={"task-3": "reject"})
    sc.hang("c1", ms=5_000, at_ms=2_000)
    assert sc.script == [{"at_ms": 2_000, "action": "hang", "app": "c1", "ms": 5_000}]
    again = Scenario.from_json(sc.to_json())
    assert again.apps["c1"].spec == sc.apps["c1"].spec and again.script == sc.script
    plain = Scenario(seed=1, name="share-script-producer", topics={"tasks": {"partitions": 1}})
    plain.add_producer("p", topic="tasks", count=1)
    with pytest.raises(ValueError, match="hang needs a share consumer app"):
        plain.hang("p")
