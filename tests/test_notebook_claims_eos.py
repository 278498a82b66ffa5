"""The experiments behind notebooks 05 and 08 (``kafkalab.sim.library_eos``): outcomes per policy and crash step."""

from __future__ import annotations

import pytest

from kafkalab.errors import ERR, KafkaError, KafkaException
from kafkalab.sim.library_eos import (
    PIPELINE_APP,
    PIPELINE_MODES,
    PIPELINE_STEPS,
    POLICIES,
    _BatchPipeline,
    run_delivery_policy,
    run_pipeline,
)


def test_library_eos_delivery_policies_lose_or_redeliver_the_record_in_progress():
    """Commit-before and librdkafka auto-commit lose record 13; the others redeliver it (Java also 12)."""
    runs = {policy: run_delivery_policy(policy) for policy in POLICIES}
    outcome = {p: (r.lost, sorted(o for o, n in r.delivered.items() if n > 1)) for p, r in runs.items()}
    assert outcome == {
        "before_processing": ([13], []),
        "after_each": ([], [13]),
        "auto": ([13], []),
        "auto_java": ([], [12, 13]),
        "auto_store_after_processing": ([], [13]),
    }
    assert all(sorted(set(r.processed)) == [o for o in range(20) if o not in r.lost] for r in runs.values())


def test_library_eos_librdkafka_auto_commit_commits_the_record_being_processed():
    """The timer commit that loses record 13 falls between its hand-out and the crash."""
    run = run_delivery_policy("auto")
    handed = run.trace.last("deliver", first_offset=13).time_ms
    ticks = [ev for ev in run.trace.events("auto_commit") if handed < ev.time_ms < run.crash_ms]
    assert [ev["offsets"] for ev in ticks] == [[["payments", 0, 14]]]


def test_library_eos_pipeline_outcomes_per_mode_and_step():
    """Exactly-once output is clean at every step; side effects repeat inside the transaction window. The seed's
    sample duplicates (crash between commit_transaction and commit(msg)) and never loses; with auto-commit on it
    loses the batch whose transaction the crash aborted."""
    table = {(m, s): run_pipeline(m, s).summary() for m in PIPELINE_MODES for s in PIPELINE_STEPS}
    cells = {k: (v["missing"], v["duplicated"], v["side_effects_repeated"]) for k, v in table.items()}
    window = ("after_produce", "before_commit")
    for step in PIPELINE_STEPS:
        inside = step in window
        assert cells["exactly_once", step] == (0, 0, 5 if inside else 0)
        assert cells["at_least_once", step] == ((0, 5, 5) if inside else (0, 0, 0))
        assert cells["seed_sample", step] == ((0, 0, 5) if inside else (0, 5, 5) if step == "after_commit"
                                              else (0, 0, 0))
        assert cells["seed_sample_auto_commit", step] == ((5, 0, 0) if inside else (0, 0, 0))
    assert run_pipeline("seed_sample_auto_commit", "after_commit", crash_batch=2).summary()["duplicated"] == 5


def test_library_eos_exactly_once_aborts_and_rewinds_on_an_abortable_error():
    """slow_batch=2: the delivery times out, commit_transaction raises _MSG_TIMED_OUT (txn_requires_abort), the loop
    aborts and seeks back to the committed offset 5: output once for read_committed, the e-mails of batch 2 twice."""
    run = run_pipeline("exactly_once", None, slow_batch=2)
    assert [(a["error"], a["rewound_to"]) for a in run.aborts] == [("_MSG_TIMED_OUT", [["orders", 0, 5]])]
    assert run.summary() == {"mode": "exactly_once", "crash_step": "none", "missing": 0, "duplicated": 0,
                             "side_effects_repeated": 5}
    assert sum(run.output("read_uncommitted").values()) == 25
    first = run_pipeline("exactly_once", None, slow_batch=1)        # nothing committed yet: rewind to the beginning
    assert first.aborts[0]["rewound_to"] == [["orders", 0, -2]] and first.summary()["duplicated"] == 0


def test_library_eos_pipeline_without_crash_outputs_each_input_once():
    """No crash: every mode writes each receipt once and sends each side effect once."""
    for mode in PIPELINE_MODES:
        run = run_pipeline(mode, None)
        assert run.output() == {f"R{i:02d}": 1 for i in range(20)}
        assert set(run.side_effects.values()) == {1} and run.crashes == 0


def test_library_eos_bad_input_names_the_parameter():
    """Unknown names and impossible numbers are refused with the parameter and the allowed values."""
    with pytest.raises(ValueError, match="policy must be one of before_processing"):
        run_delivery_policy("sometimes")
    with pytest.raises(ValueError, match=r"crash_offset must be < records \(20\), got 20"):
        run_delivery_policy("auto", crash_offset=20)
    with pytest.raises(TypeError, match="processing_ms must be an int"):
        run_delivery_policy("auto", processing_ms=1.5)
    with pytest.raises(ValueError, match="crash_step must be one of after_consume"):
        run_pipeline("exactly_once", "during_lunch")
    with pytest.raises(ValueError, match="mode must be one of at_least_once, seed_sample, seed_sample_auto_commit"):
        run_pipeline("twice", None)
    with pytest.raises(ValueError, match="isolation must be one of"):
        run_pipeline("exactly_once", None).output("read_everything")


def test_library_eos_speaks_the_scenario_apps_vocabulary():
    """Delivery policies are ConsumerApp commit policies (auto_java: auto with Java's semantics); pipeline modes
    include PipelineApp's; outcomes have Scenario.outcomes' keys."""
    from kafkalab.sim import COMMIT_POLICIES
    from kafkalab.sim.apps_pipeline import MODES
    assert set(POLICIES) - set(COMMIT_POLICIES) == {"auto_java"} and set(MODES) <= set(PIPELINE_MODES)
    assert {p: run_delivery_policy(p, records=2, crash_offset=1).commit for p in ("auto_java", "after_each")} == {
        "auto_java": "auto", "after_each": "after_each"}
    run = run_pipeline("seed_sample", None, inputs=5)
    assert run.outcomes == []            # the sample's asynchronous commit raises nothing in this run
    app = _BatchPipeline(run, {}, 5, 0, None)
    text = "Broker: Specified group generation id is not valid"
    where = "commit (asynchronous, outside the transaction)"
    app.outcome(KafkaException(KafkaError(ERR.ILLEGAL_GENERATION, text)), where)
    assert run.outcomes == [{"time_ms": run.cluster.now_ms, "app": PIPELINE_APP, "instance": 1,
                             "error": "ILLEGAL_GENERATION", "where": where,
                             "text": text}]
    last = run.trace.events()[-1]
    assert (last.kind, last.fields["error"], last.fields["instance"]) == ("app_outcome", "ILLEGAL_GENERATION", 1)
