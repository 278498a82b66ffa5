"""PartitionLog: dense offsets, segments rolled on append, the four markers."""

from kafkalab.broker.log import ABORT, COMMIT, PartitionLog
from kafkalab.clock import VirtualClock
from kafkalab.config import resolve_topic
from kafkalab.trace import Trace


def make_log(**config):
    clock = VirtualClock()
    trace = Trace(clock)
    return PartitionLog("t", 0, resolve_topic(config), clock, trace), clock, trace


def test_log_offsets_are_dense_and_markers_ordered():
    """Appends get consecutive offsets; log start <= LSO <= HW <= LEO."""
    log, _, _ = make_log()
    b1 = log.append([(b"k", b"v", 0, None)] * 3)
    b2 = log.append([(None, b"w", 0, None)] * 2)
    assert (b1.base_offset, b1.last_offset, b2.base_offset, b2.last_offset) == (0, 2, 3, 4)
    assert (log.log_start_offset, log.last_stable_offset, log.high_watermark, log.log_end_offset) == (0, 5, 5, 5)


def test_log_rolls_segment_when_segment_bytes_would_be_exceeded():
    """A batch that would push the active segment past segment.bytes starts a new segment."""
    log, _, trace = make_log(**{"segment.bytes": 250})   # each batch is 61 + 8 + 1 + 40 = 110 bytes
    for _ in range(4):
        log.append([(b"k", b"x" * 40, 0, None)])
    rolls = trace.events("segment_rolled")
    assert [(e["base_offset"], e["end_offset"], e["cause"]) for e in rolls] == [(0, 2, "size")]
    assert [(s.base_offset, s.end_offset, s.is_active) for s in log.segments] == [(0, 2, False), (2, 4, True)]


def test_log_rolls_on_segment_ms_only_at_append_time():
    """segment.ms is checked against record timestamps when a batch arrives, not by the clock alone."""
    log, clock, trace = make_log(**{"segment.ms": 1000})
    log.append([(b"k", b"v", 0, None)])
    clock.advance(5000)
    assert trace.events("segment_rolled") == []
    log.append([(b"k", b"v", 5000, None)])
    assert [e["cause"] for e in trace.events("segment_rolled")] == ["time"]
    assert [s.base_offset for s in log.segments] == [0, 1]


def test_log_control_record_takes_one_offset_and_records_aborted_range():
    """A marker takes exactly one offset; an ABORT records the aborted range; LSO follows open txns."""
    log, _, _ = make_log()
    log.append([(b"a", b"1", 0, None)] * 2, producer_id=7, producer_epoch=0, is_transactional=True)
    assert log.last_stable_offset == 0 and log.high_watermark == 2
    log.append_control(COMMIT, 7, 0)
    log.append([(b"a", b"2", 0, None)] * 3, producer_id=7, producer_epoch=0, is_transactional=True)
    log.append_control(ABORT, 7, 0)
    assert log.log_end_offset == 7 and log.last_stable_offset == 7
    assert log.aborted == [(7, 3, 6)]
    assert log.is_aborted(7, 4) and not log.is_aborted(7, 1)


def test_log_delete_records_moves_log_start_and_drops_whole_segments():
    """delete_records moves the log start; segments wholly below it are deleted."""
    log, _, trace = make_log(**{"segment.bytes": 250})
    for _ in range(6):
        log.append([(b"k", b"x" * 40, 0, None)])
    log.delete_records_before(3)
    assert log.log_start_offset == 3
    assert [(s.base_offset, s.end_offset) for s in log.segments] == [(2, 4), (4, 6)]
    assert [e["base_offset"] for e in trace.events("segment_deleted")] == [0]
    assert trace.last("log_start_offset")["new"] == 3
    assert log.read(3, log.high_watermark, 10**6)[0].base_offset == 3


def test_log_offset_for_timestamp_finds_first_record_at_or_after():
    """offset_for_timestamp returns the earliest offset with timestamp >= t, else the LEO."""
    log, _, _ = make_log()
    log.append([(b"k", b"v", 100, None), (b"k", b"v", 200, None), (b"k", b"v", 300, None)])
    assert [log.offset_for_timestamp(t) for t in (0, 150, 300, 301)] == [0, 1, 2, 3]
