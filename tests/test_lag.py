"""The one lag definition (kafkalab.lag) and its two users: client statistics and the lab's lag_frame."""

from kafkalab.client.stats import _lag
from kafkalab.lag import consumer_lag


def test_consumer_lag_is_end_minus_offset_and_unknown_without_both():
    assert consumer_lag(10, 4) == 6
    assert consumer_lag(10, 10) == 0
    assert consumer_lag(3, 5) == -2            # not clamped: an offset past the end shows as negative
    assert consumer_lag(10, None) is None and consumer_lag(None, 4) is None
    assert consumer_lag(10, -1001) is None and consumer_lag(-1, 4) is None


def test_statistics_report_unknown_lag_as_minus_one():
    assert _lag(10, 4) == 6 and _lag(10, -1001) == -1 and _lag(-1, 0) == -1
