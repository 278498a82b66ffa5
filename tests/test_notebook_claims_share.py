"""The claims of notebook 09 (share groups), checked on the library scenarios without running the notebook."""

from __future__ import annotations

import pytest

from kafkalab import lab
from kafkalab.admin import describe_share_members_text, describe_share_offsets_text
from kafkalab.lab import figcheck
from kafkalab.sim import library

G = "workers"


def _first(sc, kind, **match):
    return sc.trace.events(kind, group=G, **match)[0]


def test_share_claims_crash_releases_at_once_and_redelivers_with_count_2() -> None:
    """c3's record is released one request latency after the crash and taken by a survivor with delivery count 2."""
    sc = library.run("share-group-crash", seed=7, end_ms=15_000)
    crash = sc.trace.events("app_crash", app="c3")[0]
    held = crash["in_flight"][2]
    released, again = _first(sc, "share_released"), _first(sc, "share_acquired", delivery_count=2)
    assert released["cause"] == "disconnect" and released.time_ms - crash.time_ms <= 10
    assert again["first_offset"] == held and again["client_id"] in ("c1", "c2")
    assert again.time_ms - crash.time_ms <= 2_000
    d = lab.share_deliveries_frame(sc, group=G)
    assert (d["final_state"] == "Acknowledged").all() and d.set_index("offset").loc[held, "clients"] == ("c3", "c1")


@pytest.mark.parametrize("lock_ms", [15_000, 30_000])
def test_share_claims_hang_waits_for_the_lock(lock_ms: int) -> None:
    """A hung holder releases nothing; its record comes back exactly lock_ms after the acquisition, last of all."""
    sc = library.run("share-group-crash", seed=7, fate="hang", lock_ms=lock_ms)
    got = sc.trace.events("share_acquired", group=G, client_id="c3")[-1]
    expired = _first(sc, "share_lock_expired")
    assert not sc.trace.events("share_released", group=G) and expired.time_ms - got.time_ms == lock_ms
    order = [e["offset"] for e in sc.trace.events("app_processed")]
    assert order[-1] == got["first_offset"] and order[:-1] == sorted(order[:-1])


def test_share_claims_describe_while_hung_shows_the_start_offset_stuck() -> None:
    """At 20 s the SPSO sits at the hung record, LAG 1, and c3 is still listed as a member."""
    at20 = library.get("share-group-crash", seed=7, fate="hang").run(until_ms=20_000)
    row = describe_share_offsets_text(at20.cluster, G)[0].splitlines()[1].split()
    assert row == ["workers", "tasks", "0", "2", "1"]
    members = describe_share_members_text(at20.cluster, G)[0].splitlines()[1:]
    assert sorted(r.split()[3] for r in members) == ["c1", "c2", "c3"]


def test_share_claims_poison_release_archived_at_the_limit_and_reject_at_once() -> None:
    """Released every time: 5 deliveries then Archived; released once: back at once, then accepted; rejected: 1."""
    sc = library.run("share-group-crash", seed=7, fate="none", poison="release", release_once=True, end_ms=20_000)
    d = lab.share_deliveries_frame(sc, group=G).set_index("offset")
    assert (d.loc[3, "deliveries"], d.loc[3, "final_state"]) == (5, "Archived")
    assert (d.loc[4, "deliveries"], d.loc[4, "final_state"]) == (2, "Acknowledged")
    limited = library.run("share-group-crash", seed=7, fate="none", poison="release", delivery_limit=3)
    assert lab.share_deliveries_frame(limited, group=G).set_index("offset").loc[3, "deliveries"] == 3
    rejected = library.run("share-group-crash", seed=7, fate="none", poison="reject")
    r = lab.share_deliveries_frame(rejected, group=G).set_index("offset").loc[3]
    assert (r["deliveries"], r["final_state"], r["final_cause"]) == (1, "Archived", "REJECT")


def test_share_claims_more_consumers_than_partitions_all_work() -> None:
    """4 consumers on 2 partitions all process records; 2 on 4 have one member per partition."""
    for (m, p), per_partition in (((4, 2), 2), ((2, 4), 1)):
        sc = library.run("share-group-scaling", seed=7, consumers=m, partitions=p)
        assert sorted({e["app"] for e in sc.trace.events("app_processed")}) == [f"c{i + 1}" for i in range(m)]
        rows = [r.split() for r in describe_share_members_text(sc.cluster, G)[0].splitlines()[1:]]
        owners = [sum(str(q) in r[-1].split(":")[1].split(",") for r in rows) for q in range(p)]
        assert owners == [per_partition] * p


def test_share_claims_the_log_and_another_group_keep_everything() -> None:
    """A consumer group reading the same topic receives every record once; nothing is deleted."""
    sc = library.run("share-group-crash", seed=7, audit=True)
    seen = lab.deliveries_frame(sc, group="audit")
    assert list(seen["offset"]) == list(range(9)) and (seen["deliveries"] == 1).all()
    assert not sc.trace.events("segment_deleted")


@pytest.mark.parametrize("fate", ["crash", "hang", "close", "none"])
def test_share_claims_every_fate_draws_cleanly(fate: str) -> None:
    """Each fate the panel offers runs and both figures pass figcheck."""
    sc = library.run("share-group-crash", seed=7, fate=fate)
    for ax in (lab.plot_share_states(lab.share_states_frame(sc, group=G)),
               lab.plot_delivery_counts(lab.share_deliveries_frame(sc, group=G))):
        assert figcheck.problems(ax.figure, tight=True) == [], fate
    if fate == "close":     # close() releases the record c3 had not acknowledged: back at once, delivery count 2
        released = _first(sc, "share_released", cause="close")
        assert released["first_offset"] == 2 and _first(sc, "share_acquired", delivery_count=2)["first_offset"] == 2


def test_share_panel_reruns_on_every_change_and_reports_bad_settings() -> None:
    """SharePanel: set() and a control change rerun the scenario; its figure passes figcheck; a bad key is shown."""
    from kafkalab.lab.widgets_share import SharePanel

    panel = SharePanel(seed=7)
    assert panel.scenario.trace.events("share_released", group=G, cause="disconnect") and panel.png[:4] == b"\x89PNG"
    panel.controls["last consumer"].value = "hang"
    panel.controls["lock duration (s)"].value = 15
    got = panel.scenario.trace.events("share_acquired", group=G, client_id="c3")[-1]
    assert _first(panel.scenario, "share_lock_expired").time_ms - got.time_ms == 15_000
    assert set(panel.outputs) == {"figure", "table"} and "image/png" in panel.outputs["figure"][0]
    panel.set(colour="red")
    assert "unknown setting 'colour'" in panel.error
    panel.set(poison="reject")
    assert panel.error == "" and panel.table.set_index("offset").loc[3, "final_state"] == "Archived"
