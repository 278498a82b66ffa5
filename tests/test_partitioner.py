"""Tests for kafkalab.client.partitioner: hashes, confluent-kafka helpers, librdkafka partitioners.

The fixture holds the partitions real librdkafka 2.16 producers chose for 2,012 keys.
"""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from pathlib import Path

import pytest

from kafkalab.client.partitioner import (
    DEFAULT_PARTITIONER,
    DEFAULT_STICKY_LINGER_MS,
    PARTITIONERS,
    consistent_partition,
    crc32,
    fnv1a,
    fnv1a_partition,
    java_partition,
    make_partitioner,
    murmur2,
    murmur2_partition,
    to_positive,
)

_FIXTURE_NAME = "partitions_librdkafka.json"
_REPO_ROOT = Path(__file__).resolve().parents[1]
_FIXTURE_CANDIDATES = (
    _REPO_ROOT / "tests" / "fixtures" / _FIXTURE_NAME,  # in-repo copy, preferred
    _REPO_ROOT.parent / "shared" / "fixtures" / _FIXTURE_NAME,
)
_EXPECTED_KEYS = 2012
_EMPTY_KEY_INDEX = 2000


class Clock:
    """A settable virtual clock: ``clock()`` returns ``clock.t`` (ms)."""

    def __init__(self, t: int = 0) -> None:
        self.t = t

    def __call__(self) -> int:
        return self.t


class CountingRandom(random.Random):
    """A seeded ``random.Random`` that counts ``randrange`` draws."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.draws = 0

    def randrange(self, *args, **kwargs):  # type: ignore[override]
        self.draws += 1
        return super().randrange(*args, **kwargs)


def _make(name: str, *, seed: int = 7, clock: Clock | None = None, linger: int = DEFAULT_STICKY_LINGER_MS,
          rng: random.Random | None = None):
    return make_partitioner(name, rng=rng if rng is not None else random.Random(seed),
                            now_ms=clock if clock is not None else Clock(), sticky_linger_ms=linger)


@pytest.fixture(scope="module")
def fixture_data() -> dict:
    for path in _FIXTURE_CANDIDATES:
        if path.is_file():
            with path.open(encoding="utf-8") as fh:
                return json.load(fh)
    pytest.fail(f"fixture {_FIXTURE_NAME} not found in {[str(p) for p in _FIXTURE_CANDIDATES]}")


@pytest.fixture(scope="module")
def fixture_keys(fixture_data: dict) -> list[bytes]:
    keys = [bytes.fromhex(entry["hex"]) for entry in fixture_data["keys"]]
    assert [entry["i"] for entry in fixture_data["keys"]] == list(range(len(keys)))
    return keys


# --------------------------------------------------------------------------------------------------
# Agreement with real librdkafka (fixture)
# --------------------------------------------------------------------------------------------------

def test_fixture_in_repo_copy_is_present_and_preferred() -> None:
    assert _FIXTURE_CANDIDATES[0].is_file()


def test_fixture_keys_shape(fixture_data: dict, fixture_keys: list[bytes]) -> None:
    assert len(fixture_keys) == _EXPECTED_KEYS
    assert fixture_keys[:3] == [b"key-0", b"key-1", b"key-2"]
    assert fixture_keys[_EMPTY_KEY_INDEX] == b""
    assert len(fixture_keys[2009]) == 1000
    assert set(fixture_data["partitions"]) == {
        "murmur2_random", "consistent_random", "murmur2", "consistent", "fnv1a_random"}
    for name, by_count in fixture_data["partitions"].items():
        assert set(by_count) == {"6", "7"}, name
        for observed in by_count.values():
            assert len(observed) == _EXPECTED_KEYS
    for check in fixture_data["python_formula_check"].values():
        assert check["mismatches"] == 0


def test_fixture_partitioner_agrees_on_every_key(fixture_data: dict, fixture_keys: list[bytes]) -> None:
    total = 0
    for name, by_count in fixture_data["partitions"].items():
        for count_str, observed in by_count.items():
            n = int(count_str)
            rng = CountingRandom(11)
            part = _make(name, rng=rng)
            checked = 0
            for i, key in enumerate(fixture_keys):
                got = part("t", key, n)
                if name == "consistent_random" and key == b"":
                    # librdkafka treats the empty key like NULL here: sticky random, not hashed.
                    assert i == _EMPTY_KEY_INDEX
                    assert rng.draws == 1, "empty key must draw a sticky random partition"
                    assert 0 <= got < n
                else:
                    assert got == observed[i], (name, n, i, key[:20])
                checked += 1
            assert checked == _EXPECTED_KEYS, (name, n)
            if name != "consistent_random":
                assert rng.draws == 0, f"{name} must not draw randomness for non-null keys"
            total += checked
    assert total == _EXPECTED_KEYS * 10


def test_fixture_helpers_agree_on_every_key(fixture_data: dict, fixture_keys: list[bytes]) -> None:
    helpers = {
        "murmur2": murmur2_partition,
        "murmur2_random": murmur2_partition,
        "consistent": consistent_partition,
        "consistent_random": consistent_partition,
        "fnv1a_random": fnv1a_partition,
    }
    checked = 0
    for name, by_count in fixture_data["partitions"].items():
        helper = helpers[name]
        for count_str, observed in by_count.items():
            n = int(count_str)
            for i, key in enumerate(fixture_keys):
                if name == "consistent_random" and i == _EMPTY_KEY_INDEX:
                    continue  # observed value is random in librdkafka
                assert helper(key, n) == observed[i], (name, n, i)
                assert java_partition(key, n) == murmur2_partition(key, n)
                checked += 1
    assert checked == _EXPECTED_KEYS * 10 - 2


_FIXTURE_PARTITIONERS = ["murmur2_random", "consistent_random", "murmur2", "consistent", "fnv1a_random"]


@pytest.mark.parametrize("name", _FIXTURE_PARTITIONERS)
@pytest.mark.parametrize("n", [6, 7])
def test_fixture_empty_key_30_trials_shape(fixture_data: dict, name: str, n: int) -> None:
    # The fixture produced b"" 30 times with flush + 20 ms sleep between: past the 10 ms linger.
    clock = Clock()
    part = _make(name, clock=clock)
    seen: Counter[int] = Counter()
    for _ in range(30):
        seen[part("t", b"", n)] += 1
        clock.t += 20
    observed = dict(map(tuple, fixture_data["empty_key_30_trials"][name][str(n)]))
    assert sum(observed.values()) == sum(seen.values()) == 30
    if name == "consistent_random":
        assert len(observed) > 1 and len(seen) > 1
    else:
        assert seen == observed


@pytest.mark.parametrize("name", ["murmur2_random", "consistent_random"])
@pytest.mark.parametrize("n", [6, 7])
def test_fixture_null_key_sequences_shape(fixture_data: dict, name: str, n: int) -> None:
    runs = fixture_data["null_key"][f"{name}/{n}"]
    burst = next(v for k, v in runs.items() if k.startswith("burst of 60 produce()"))
    spaced = next(v for k, v in runs.items() if "sleep 20ms" in k)
    pure = next(v for k, v in runs.items() if "linger.ms=0" in k)

    clock = Clock(1000)
    part = _make(name, clock=clock)
    assert len({part("t", None, n) for _ in range(60)}) == burst["distinct_partitions"] == 1

    spaced_seq = []
    for _ in range(60):
        spaced_seq.append(part("t", None, n))
        clock.t += 20
    assert len(set(spaced_seq)) == spaced["distinct_partitions"] == n

    part0 = _make(name, clock=Clock(1000), linger=0)
    assert len({part0("t", None, n) for _ in range(60)}) == pure["distinct_partitions"] == n


# --------------------------------------------------------------------------------------------------
# Hash functions
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "expected"), [
    (b"21", -973932308),
    (b"foobar", -790332482),
    (b"a-little-bit-long-string", -985981536),
    (b"a-little-bit-longer-string", -1486304829),
    (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
    (b"abc", 479470107),
])
def test_murmur2_kafka_utils_vectors(data: bytes, expected: int) -> None:
    assert murmur2(data) == expected


@pytest.mark.parametrize(("data", "expected_hex"), [
    (b"kafka", 0xD067CF64),
    (b"giberish123456789", 0x8F552B0C),
    (b"1234", 0x9FC97B14),
    (b"234", 0xE7C009CA),
    (b"34", 0x873930DA),
    (b"4", 0x5A4B5CA1),
    (b"PreAmbleWillBeRemoved,ThePrePartThatIs", 0x78424F1C),
    (b"reAmbleWillBeRemoved,ThePrePartThatIs", 0x4A62B377),
    (b"eAmbleWillBeRemoved,ThePrePartThatIs", 0xE0E4E09E),
    (b"AmbleWillBeRemoved,ThePrePartThatIs", 0x62B8B43F),
    (b"", 0x106E08D9),
])
def test_murmur2_librdkafka_vectors(data: bytes, expected_hex: int) -> None:
    h = murmur2(data)
    assert -(2**31) <= h < 2**31
    assert h & 0xFFFFFFFF == expected_hex


@pytest.mark.parametrize(("data", "expected"), [
    (b"kafka", 0xD33C4E1),
    (b"giberish123456789", 0x77A58295),
    (b"1234", 0x23BDD03),
    (b"234", 0x2DEA3CD2),
    (b"34", 0x740FA83E),
    (b"4", 0x310CA263),
    (b"PreAmbleWillBeRemoved,ThePrePartThatIs", 0x65CBD69C),
    (b"reAmbleWillBeRemoved,ThePrePartThatIs", 0x6E49C79A),
    (b"eAmbleWillBeRemoved,ThePrePartThatIs", 0x69EED356),
    (b"AmbleWillBeRemoved,ThePrePartThatIs", 0x6ABCC023),
    (b"", 0x7EE3623B),
])
def test_fnv1a_librdkafka_vectors(data: bytes, expected: int) -> None:
    assert fnv1a(data) == expected


def test_fnv1a_result_is_absolute_value_of_signed_hash() -> None:
    rng = random.Random(3)
    for _ in range(2000):
        data = rng.randbytes(rng.randrange(0, 24))
        h = 0x811C9DC5
        for b in data:
            h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
        signed = h - 2**32 if h >= 2**31 else h
        assert fnv1a(data) == abs(signed)


def test_to_positive_clears_sign_bit_not_abs() -> None:
    assert to_positive(-1) == 0x7FFFFFFF
    assert to_positive(-(2**31)) == 0
    assert to_positive(5) == 5
    assert to_positive(murmur2(b"21")) == -973932308 & 0x7FFFFFFF != abs(-973932308)


def test_crc32_is_zlib_crc32() -> None:
    assert crc32(b"") == 0
    assert crc32(b"23456") == 0xB1B451D7
    assert crc32(b"this is another string with more length to it perhaps") == 0xB0150DF7
    assert crc32(b"hejsan") == 0xD077037E


# --------------------------------------------------------------------------------------------------
# Deterministic helpers
# --------------------------------------------------------------------------------------------------

def test_partition_user42_java_vs_python_default() -> None:
    assert java_partition(b"user-42", 6) == 4
    assert murmur2_partition(b"user-42", 6) == 4
    assert consistent_partition(b"user-42", 6) == 1
    assert _make(DEFAULT_PARTITIONER)("orders", b"user-42", 6) == 1
    assert _make("murmur2_random")("orders", b"user-42", 6) == 4


def test_partition_helpers_match_confluent_kafka_values() -> None:
    # Values read from confluent_kafka 2.16.1 murmur2()/consistent()/fnv1a() interactively.
    assert [murmur2_partition(k, 6) for k in (b"key", b"", b"a", b"kafka")] == [1, 3, 4, 4]
    assert [murmur2_partition(k, 7) for k in (b"key", b"", b"a", b"kafka")] == [4, 2, 5, 3]
    assert [consistent_partition(k, 6) for k in (b"key", b"", b"a", b"kafka")] == [1, 0, 3, 5]
    assert [consistent_partition(k, 7) for k in (b"key", b"", b"a", b"kafka")] == [5, 0, 4, 6]
    assert [fnv1a_partition(k, 6) for k in (b"key", b"", b"a", b"kafka")] == [4, 3, 0, 5]
    assert [fnv1a_partition(k, 7) for k in (b"key", b"", b"a", b"kafka")] == [4, 2, 6, 4]
    assert murmur2_partition(b"key", 2**31 - 1) == 1067546281
    assert consistent_partition(b"key", 2**31 - 1) == 177253290
    assert fnv1a_partition(b"key", 2**31 - 1) == 1746258028
    assert murmur2_partition(b"key", True) == 0


@pytest.mark.parametrize("helper", [murmur2_partition, consistent_partition, fnv1a_partition, java_partition])
def test_partition_helpers_reject_bad_arguments(helper) -> None:
    for n in (0, -1, -5):
        with pytest.raises(ValueError, match=rf"^partition_count must be > 0, got {n}$"):
            helper(b"key", n)
    for key in (None, "user-42", bytearray(b"k")):
        with pytest.raises(TypeError, match="bytes-like object is required"):
            helper(key, 6)
    with pytest.raises(TypeError):
        helper(b"key", 1.5)
    with pytest.raises(OverflowError):
        helper(b"key", 2**31)
    with pytest.raises(TypeError):
        helper(key=b"key", partition_count=6)  # positional-only, as confluent-kafka


# --------------------------------------------------------------------------------------------------
# make_partitioner: librdkafka rules
# --------------------------------------------------------------------------------------------------

def test_make_partitioner_names_and_defaults() -> None:
    assert PARTITIONERS == ("random", "consistent", "consistent_random", "murmur2", "murmur2_random",
                            "fnv1a", "fnv1a_random")
    assert DEFAULT_PARTITIONER == "consistent_random"
    assert DEFAULT_STICKY_LINGER_MS == 10


@pytest.mark.parametrize("name", ["Murmur2", "", "murmur3", "sticky", None, "default"])
def test_make_partitioner_unknown_name_lists_allowed_values(name) -> None:
    with pytest.raises(ValueError, match='"partitioner"') as info:
        _make(name)
    for allowed in PARTITIONERS:
        assert allowed in str(info.value)


def test_make_partitioner_rejects_negative_linger() -> None:
    with pytest.raises(ValueError, match="sticky_linger_ms"):
        _make("murmur2_random", linger=-1)


@pytest.mark.parametrize("name", PARTITIONERS)
@pytest.mark.parametrize("key", [None, b"", b"key"])
@pytest.mark.parametrize("n", [0, -1])
def test_partitioner_non_positive_partition_count_raises(name: str, key: bytes | None, n: int) -> None:
    part = _make(name)
    with pytest.raises(ValueError, match=rf"^partition_count must be > 0, got {n}$"):
        part("t", key, n)
    part("t", key, 3)  # a valid call afterwards still works (state not corrupted)
    with pytest.raises(ValueError, match="partition_count must be > 0"):
        part("t", key, n)


@pytest.mark.parametrize("n", [7, 17])
def test_partitioner_librdkafka_0048_expectations(n: int) -> None:
    # librdkafka tests/0048-partitioner.c: keys NULL, "", "23456", a long string, "hejsan"; -1 = random.
    keys = [None, b"", b"23456", b"this is another string with more length to it perhaps", b"hejsan"]
    expected = {
        "consistent": [0, 0, 0xB1B451D7 % n, 0xB0150DF7 % n, 0xD077037E % n],
        "consistent_random": [-1, -1, 0xB1B451D7 % n, 0xB0150DF7 % n, 0xD077037E % n],
        "murmur2": [0x106E08D9 % n, 0x106E08D9 % n, 0x058D780F % n, 0x4F7703DA % n, 0x5EC19395 % n],
        "murmur2_random": [-1, 0x106E08D9 % n, 0x058D780F % n, 0x4F7703DA % n, 0x5EC19395 % n],
    }
    for name, parts in expected.items():
        part = _make(name)
        for key, want in zip(keys, parts, strict=True):
            got = part("t", key, n)
            assert 0 <= got < n
            if want != -1:
                assert got == want, (name, key)


# (name, NULL-key rule, empty-key rule): "sticky", "random" (fresh draw per message) or a fixed partition
# as a function of n.
_EMPTY_AND_NULL_RULES = [
    ("random", "sticky", "random"),
    ("consistent", lambda n: 0, lambda n: 0),
    ("consistent_random", "sticky", "sticky"),
    ("murmur2", lambda n: 0x106E08D9 % n, lambda n: 0x106E08D9 % n),
    ("murmur2_random", "sticky", lambda n: 0x106E08D9 % n),
    ("fnv1a", lambda n: 0x7EE3623B % n, lambda n: 0x7EE3623B % n),
    ("fnv1a_random", "sticky", lambda n: 0x7EE3623B % n),
]


def _classify(name: str, key: bytes | None, n: int, linger: int = 10):
    """Produce 40 messages at one virtual instant, then 40 spaced beyond the linger; report the outcome."""
    rng = CountingRandom(5)
    clock = Clock(100)
    part = _make(name, rng=rng, clock=clock, linger=linger)
    same_instant = [part("t", key, n) for _ in range(40)]
    draws_same_instant = rng.draws
    spaced = []
    for _ in range(40):
        clock.t += linger + 1
        spaced.append(part("t", key, n))
    return same_instant, draws_same_instant, spaced, rng.draws


@pytest.mark.parametrize(("name", "null_rule", "empty_rule"), _EMPTY_AND_NULL_RULES)
@pytest.mark.parametrize("n", [6, 7])
def test_partitioner_null_and_empty_key_rules(name: str, null_rule, empty_rule, n: int) -> None:
    for key, rule in ((None, null_rule), (b"", empty_rule)):
        same_instant, draws_same_instant, spaced, draws = _classify(name, key, n)
        if rule == "sticky":
            assert draws_same_instant == 1 and len(set(same_instant)) == 1, (name, key)
            assert draws == 41 and len(set(spaced)) > 1, (name, key)
        elif rule == "random":
            assert draws_same_instant == 40 and len(set(same_instant)) > 1, (name, key)
        else:
            assert draws == 0, (name, key)
            assert set(same_instant) == set(spaced) == {rule(n)}, (name, key)


def test_partitioner_random_ignores_keys() -> None:
    rng = CountingRandom(2)
    part = _make("random", rng=rng)
    got = [part("t", b"same-key", 7) for _ in range(50)]
    assert rng.draws == 50
    assert len(set(got)) > 1


@pytest.mark.parametrize("name", ["murmur2", "consistent", "fnv1a", "murmur2_random", "consistent_random",
                                  "fnv1a_random"])
def test_partitioner_keyed_messages_are_hashed_without_randomness(name: str) -> None:
    helper = {"murmur2": murmur2_partition, "consistent": consistent_partition, "fnv1a": fnv1a_partition}[
        name.removesuffix("_random")]
    rng = CountingRandom(9)
    part = _make(name, rng=rng)
    keys = random.Random(4)
    for _ in range(3000):
        key = keys.randbytes(keys.randrange(1, 40))
        n = keys.randrange(1, 200)
        assert part("t", key, n) == helper(key, n)
    assert rng.draws == 0


# --------------------------------------------------------------------------------------------------
# Sticky partitioning in virtual time
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["consistent_random", "murmur2_random", "fnv1a_random", "random"])
def test_sticky_null_key_keeps_partition_within_linger(name: str) -> None:
    rng = CountingRandom(21)
    clock = Clock(5000)
    part = _make(name, rng=rng, clock=clock, linger=10)
    first = part("t", None, 12)
    for _ in range(10):  # 5001 .. 5010: now - chosen <= linger
        clock.t += 1
        assert part("t", None, 12) == first
    assert rng.draws == 1
    clock.t += 1  # now - chosen = 11 > 10: librdkafka re-picks
    part("t", None, 12)
    assert rng.draws == 2


def test_sticky_repick_is_measured_from_the_pick_time() -> None:
    rng = CountingRandom(1)
    clock = Clock(0)
    part = _make("murmur2_random", rng=rng, clock=clock, linger=10)
    part("t", None, 6)
    clock.t = 10
    part("t", None, 6)
    assert rng.draws == 1  # exactly linger ms later: kept
    clock.t = 11
    part("t", None, 6)
    assert rng.draws == 2  # re-picked at 11
    clock.t = 21
    part("t", None, 6)
    assert rng.draws == 2  # 21 - 11 = 10: kept
    clock.t = 22
    part("t", None, 6)
    assert rng.draws == 3


def test_sticky_partition_changes_are_possible_after_linger() -> None:
    clock = Clock()
    part = _make("consistent_random", clock=clock)
    seen = []
    for _ in range(100):
        seen.extend(part("t", None, 6) for _ in range(5))
        clock.t += 11
    assert len(set(seen)) == 6
    windows = [seen[i:i + 5] for i in range(0, len(seen), 5)]
    assert all(len(set(w)) == 1 for w in windows)
    assert any(a[0] != b[0] for a, b in itertools.pairwise(windows))


@pytest.mark.parametrize("name", ["consistent_random", "murmur2_random", "fnv1a_random", "random"])
def test_sticky_linger_zero_draws_every_message(name: str) -> None:
    rng = CountingRandom(8)
    part = _make(name, rng=rng, clock=Clock(50), linger=0)
    got = [part("t", None, 6) for _ in range(60)]
    assert rng.draws == 60
    assert len(set(got)) == 6


def test_sticky_deterministic_for_seed() -> None:
    def run(seed: int) -> list[int]:
        clock = Clock()
        part = _make("consistent_random", seed=seed, clock=clock)
        out = []
        for i in range(300):
            out.append(part("t" if i % 3 else "u", None if i % 2 else b"", 9))
            clock.t += 3
        return out

    assert run(42) == run(42)
    assert run(42) != run(43)


def test_sticky_state_is_per_topic() -> None:
    rng = CountingRandom(6)
    clock = Clock()
    part = _make("murmur2_random", rng=rng, clock=clock)
    a = part("a", None, 50)
    b = part("b", None, 50)
    assert rng.draws == 2
    clock.t += 5
    assert part("a", None, 50) == a and part("b", None, 50) == b
    assert rng.draws == 2


def test_sticky_redraws_when_partition_no_longer_exists() -> None:
    rng = CountingRandom(0)
    clock = Clock()
    part = _make("consistent_random", rng=rng, clock=clock)
    for _ in range(100):
        p = part("t", None, 10)
        if p >= 3:
            break
        clock.t += 11
    draws = rng.draws
    assert p >= 3
    assert part("t", None, 3) < 3  # same instant, but the sticky partition is out of range
    assert rng.draws == draws + 1


def test_sticky_uses_only_given_rng_and_clock() -> None:
    random.seed(0)
    state_before = random.getstate()
    clock = Clock()
    part = _make("consistent_random", clock=clock)
    for _ in range(100):
        part("t", None, 6)
        clock.t += 7
    assert random.getstate() == state_before
