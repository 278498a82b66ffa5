"""Key → partition selection of librdkafka (confluent-kafka) and of the Java client.

Owns the bit-exact hashes (Java ``Utils.murmur2``, librdkafka ``rd_fnv1a``, CRC-32), the deterministic
helpers ``murmur2_partition``/``consistent_partition``/``fnv1a_partition`` of confluent-kafka ≥ 2.13,
and ``make_partitioner``: the producer's per-message partitioner with librdkafka's NULL/empty-key rules
and time-based sticky partitioning in virtual time. Standard library only; randomness and time are injected.
"""

from __future__ import annotations

import functools
import operator
import random
import struct
import zlib
from collections.abc import Callable

__all__ = [
    "DEFAULT_PARTITIONER",
    "DEFAULT_STICKY_LINGER_MS",
    "PARTITIONERS",
    "Partitioner",
    "consistent_partition",
    "crc32",
    "fnv1a",
    "fnv1a_partition",
    "java_partition",
    "make_partitioner",
    "murmur2",
    "murmur2_partition",
    "to_positive",
]

Partitioner = Callable[[str, bytes | None, int], int]
"""``(topic, key, partition_count) -> partition``, as returned by :func:`make_partitioner`."""

PARTITIONERS: tuple[str, ...] = (
    "random",
    "consistent",
    "consistent_random",
    "murmur2",
    "murmur2_random",
    "fnv1a",
    "fnv1a_random",
)
"""The values librdkafka accepts for the ``partitioner`` property (``CONFIGURATION.md``)."""

DEFAULT_PARTITIONER = "consistent_random"
"""librdkafka's default ``partitioner`` (CRC-32; the Java client's murmur2 is ``murmur2_random``)."""

DEFAULT_STICKY_LINGER_MS = 10
"""librdkafka's default ``sticky.partitioning.linger.ms`` (since v1.6.0)."""

_M32 = 0xFFFFFFFF
_MURMUR_SEED = 0x9747B28C
_MURMUR_M = 0x5BD1E995
_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193
_INT32_MAX = 0x7FFFFFFF
_iter_words = struct.Struct("<I").iter_unpack

crc32 = zlib.crc32
"""Standard CRC-32 (IEEE, as librdkafka's ``rd_crc32``): ``zlib.crc32``, unsigned; ``crc32(b"") == 0``."""


# --------------------------------------------------------------------------------------------------
# Pure hash functions
# --------------------------------------------------------------------------------------------------

def murmur2(data: bytes) -> int:
    """32-bit MurmurHash2 of ``data`` as Java's ``Utils.murmur2``, a signed 32-bit int.

    Seed 0x9747b28c, little-endian 4-byte words, unsigned tail bytes; bit-exact with the Java
    client and with librdkafka's ``rd_murmur2`` (which returns the same bits unsigned).

    Args:
        data: the serialized key.

    Returns:
        The hash in ``[-2**31, 2**31)``.

    Kafka: ``clients/.../common/utils/Utils.java#murmur2``; librdkafka ``src/rdmurmur2.c``.

    Vectors from Kafka's ``UtilsTest``:

    >>> murmur2(b"21"), murmur2(b"foobar"), murmur2(b"abc")
    (-973932308, -790332482, 479470107)
    >>> murmur2(b"a-little-bit-long-string"), murmur2(b"a-little-bit-longer-string")
    (-985981536, -1486304829)
    >>> murmur2(b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")
    -58897971

    Vectors from librdkafka's ``rdmurmur2.c`` (unsigned hex):

    >>> hex(murmur2(b"kafka") & 0xffffffff), hex(murmur2(b"") & 0xffffffff)
    ('0xd067cf64', '0x106e08d9')
    """
    length = len(data)
    m = _MURMUR_M
    h = _MURMUR_SEED ^ length
    body = length & ~3
    if body:
        for (k,) in _iter_words(data[:body] if body != length else data):
            k = (k * m) & _M32
            k ^= k >> 24
            h = ((h * m) & _M32) ^ ((k * m) & _M32)
    tail = length & 3
    if tail:
        if tail == 3:
            h ^= data[body + 2] << 16
        if tail >= 2:
            h ^= data[body + 1] << 8
        h = ((h ^ data[body]) * m) & _M32
    h ^= h >> 13
    h = (h * m) & _M32
    h ^= h >> 15
    return h - 0x100000000 if h & 0x80000000 else h


def to_positive(x: int) -> int:
    """Clear the sign bit, as Java's ``Utils.toPositive`` (not ``abs``).

    Args:
        x: a signed 32-bit int.

    Returns:
        ``x & 0x7fffffff``.

    Kafka: ``clients/.../common/utils/Utils.java#toPositive``.

    >>> to_positive(-973932308), to_positive(479470107)
    (1173551340, 479470107)
    """
    return x & _INT32_MAX


def fnv1a(data: bytes) -> int:
    """32-bit FNV-1a of ``data`` as librdkafka's ``rd_fnv1a``: absolute value of the signed result.

    librdkafka takes the absolute value of the signed 32-bit hash to match Sarama's default
    ``NewHashPartitioner``; INT32_MIN stays 0x80000000.

    Args:
        data: the serialized key.

    Returns:
        An unsigned 32-bit int in ``[0, 2**31]``.

    Kafka: librdkafka ``src/rdfnv1a.c`` (vectors from its ``unittest_fnv1a``).

    >>> hex(fnv1a(b"kafka")), hex(fnv1a(b"giberish123456789")), hex(fnv1a(b""))
    ('0xd33c4e1', '0x77a58295', '0x7ee3623b')
    >>> hex(fnv1a(b"1234")), hex(fnv1a(b"PreAmbleWillBeRemoved,ThePrePartThatIs"))
    ('0x23bdd03', '0x65cbd69c')
    """
    h = _FNV_OFFSET
    prime = _FNV_PRIME
    for byte in data:
        h = ((h ^ byte) * prime) & _M32
    if h & 0x80000000:
        h = (0x100000000 - h) & _M32
    return h


@functools.lru_cache(maxsize=1 << 16)
def _murmur2_positive(key: bytes) -> int:
    """``to_positive(murmur2(key))``, memoised for the producer's hot path (keys repeat)."""
    return murmur2(key) & _INT32_MAX


_fnv1a_cached = functools.lru_cache(maxsize=1 << 16)(fnv1a)


# --------------------------------------------------------------------------------------------------
# Deterministic helpers (confluent-kafka >= 2.13: murmur2(), consistent(), fnv1a())
# --------------------------------------------------------------------------------------------------

def _check_args(key: object, partition_count: object) -> int:
    """Validate like confluent-kafka's C helpers; return ``partition_count`` as an int."""
    if not isinstance(key, bytes):
        raise TypeError(f"a bytes-like object is required, not '{type(key).__name__}'")
    n = operator.index(partition_count)  # TypeError for float/None, as in confluent-kafka
    if n > _INT32_MAX:
        raise OverflowError("signed integer is greater than maximum")
    if n <= 0:
        raise ValueError(f"partition_count must be > 0, got {n}")
    return n


def murmur2_partition(key: bytes, partition_count: int, /) -> int:
    """Partition of ``key`` with the Java-compatible murmur2 hash, no random fallback.

    Args:
        key: the serialized key (``bytes``; None is rejected, as in confluent-kafka).
        partition_count: number of partitions, 1 .. 2**31-1.

    Returns:
        ``to_positive(murmur2(key)) % partition_count``.

    Raises:
        TypeError: key is not bytes, or partition_count is not an integer.
        ValueError: partition_count <= 0 (``"partition_count must be > 0, got N"``).
        OverflowError: partition_count > 2**31-1.

    Kafka: ``confluent_kafka.murmur2(key, partition_count)``; librdkafka ``rd_kafka_msg_partitioner_murmur2``.

    >>> murmur2_partition(b"user-42", 6), murmur2_partition(b"key", 6), murmur2_partition(b"", 6)
    (4, 1, 3)
    """
    n = _check_args(key, partition_count)
    return (murmur2(key) & _INT32_MAX) % n


def consistent_partition(key: bytes, partition_count: int, /) -> int:
    """Partition of ``key`` with CRC-32, librdkafka's default hash, no random fallback.

    Args:
        key: the serialized key (``bytes``).
        partition_count: number of partitions, 1 .. 2**31-1.

    Returns:
        ``zlib.crc32(key) % partition_count`` (so ``b""`` → 0).

    Raises:
        TypeError: key is not bytes, or partition_count is not an integer.
        ValueError: partition_count <= 0.
        OverflowError: partition_count > 2**31-1.

    Kafka: ``confluent_kafka.consistent(key, partition_count)``; librdkafka
    ``rd_kafka_msg_partitioner_consistent``.

    >>> consistent_partition(b"user-42", 6), consistent_partition(b"key", 7), consistent_partition(b"", 7)
    (1, 5, 0)

    CRC-32 vectors from librdkafka's ``tests/0048-partitioner.c``:

    >>> hex(crc32(b"23456")), hex(crc32(b"hejsan")), crc32(b"")
    ('0xb1b451d7', '0xd077037e', 0)
    """
    n = _check_args(key, partition_count)
    return crc32(key) % n


def fnv1a_partition(key: bytes, partition_count: int, /) -> int:
    """Partition of ``key`` with librdkafka's FNV-1a hash (Sarama-compatible), no random fallback.

    Args:
        key: the serialized key (``bytes``).
        partition_count: number of partitions, 1 .. 2**31-1.

    Returns:
        ``fnv1a(key) % partition_count``.

    Raises:
        TypeError: key is not bytes, or partition_count is not an integer.
        ValueError: partition_count <= 0.
        OverflowError: partition_count > 2**31-1.

    Kafka: ``confluent_kafka.fnv1a(key, partition_count)``; librdkafka ``rd_kafka_msg_partitioner_fnv1a``.

    >>> fnv1a_partition(b"user-42", 6), fnv1a_partition(b"key", 6), fnv1a_partition(b"", 7)
    (3, 4, 2)
    """
    n = _check_args(key, partition_count)
    return fnv1a(key) % n


def java_partition(key: bytes, partition_count: int, /) -> int:
    """Partition the Java producer picks for a non-null key (same result as ``murmur2_partition``).

    Args:
        key: the serialized key; ``b""`` is not null in Java, so it is hashed.
        partition_count: number of partitions of the topic (all of them, available or not).

    Returns:
        ``Utils.toPositive(Utils.murmur2(key)) % partition_count``.

    Raises:
        TypeError: key is not bytes, or partition_count is not an integer.
        ValueError: partition_count <= 0.
        OverflowError: partition_count > 2**31-1.

    Kafka: ``clients/.../producer/internals/BuiltInPartitioner.java#partitionForKey``.

    The same key lands elsewhere with confluent-kafka's default (CRC-32):

    >>> java_partition(b"user-42", 6), consistent_partition(b"user-42", 6)
    (4, 1)
    """
    n = _check_args(key, partition_count)
    return (murmur2(key) & _INT32_MAX) % n


# --------------------------------------------------------------------------------------------------
# The producer's partitioner
# --------------------------------------------------------------------------------------------------

def _count_error(partition_count: int) -> ValueError:
    return ValueError(f"partition_count must be > 0, got {partition_count}")


def _make_sticky(rng: random.Random, now_ms: Callable[[], int], linger_ms: int) -> Callable[[str, int], int]:
    """Return ``sticky(topic, partition_count)``: librdkafka's time-based sticky random partition.

    Per topic, the current sticky partition is kept until more than ``linger_ms`` virtual ms have
    passed since it was chosen (librdkafka ``rd_interval``: re-pick when ``now - chosen > linger``),
    or until it is no longer a valid partition (``rd_interval_expedite``). With ``linger_ms == 0``
    every call draws ``rng.randrange(n)`` afresh.
    """
    randrange = rng.randrange
    if linger_ms == 0:
        def fresh(topic: str, partition_count: int) -> int:
            if partition_count <= 0:
                raise _count_error(partition_count)
            return randrange(partition_count)
        return fresh

    state: dict[str, tuple[int, int]] = {}  # topic -> (sticky partition, keep it while now <= this)

    def sticky(topic: str, partition_count: int) -> int:
        st = state.get(topic)
        if st is not None:
            p, keep_until = st
            if p < partition_count and now_ms() <= keep_until:
                return p
        if partition_count <= 0:
            raise _count_error(partition_count)
        p = randrange(partition_count)
        state[topic] = (p, now_ms() + linger_ms)
        return p

    return sticky


def make_partitioner(
    name: str,
    *,
    rng: random.Random,
    now_ms: Callable[[], int],
    sticky_linger_ms: int,
) -> Partitioner:
    """Build the producer's partitioner ``(topic, key, partition_count) -> partition``.

    Rules per ``name`` (librdkafka ``rd_kafka_msg_partitioner``), "sticky" meaning the per-topic
    sticky random partition below and "random" a fresh ``rng.randrange(n)`` per message:

    ====================  ==================  ======================  ==========================
    name                  NULL key            empty key ``b""``       other keys
    ====================  ==================  ======================  ==========================
    ``random``            sticky              random                  random (key ignored)
    ``consistent``        crc32(b"") → 0      crc32(b"") → 0          ``crc32(key) % n``
    ``consistent_random`` sticky              sticky (like NULL)      ``crc32(key) % n``
    ``murmur2``           hash of ``b""``     hash of ``b""``         ``to_positive(murmur2) % n``
    ``murmur2_random``    sticky              hash of ``b""``         ``to_positive(murmur2) % n``
    ``fnv1a``             hash of ``b""``     hash of ``b""``         ``fnv1a(key) % n``
    ``fnv1a_random``      sticky              hash of ``b""``         ``fnv1a(key) % n``
    ====================  ==================  ======================  ==========================

    Sticky (librdkafka ≥ 1.6, ``rd_kafka_msg_sticky_partition``): per topic, a partition drawn with
    ``rng.randrange(n)`` is reused until more than ``sticky_linger_ms`` virtual ms have passed since it
    was drawn (``now - chosen > linger``, as ``rd_interval``), then a new one is drawn. With
    ``sticky_linger_ms == 0`` librdkafka skips stickiness: "sticky" becomes a fresh draw per message.
    The hashing partitioners without ``_random`` never use randomness.

    Args:
        name: the ``partitioner`` property, one of :data:`PARTITIONERS`.
        rng: the only source of randomness (the simulation's seeded ``random.Random``).
        now_ms: returns the current virtual time in ms.
        sticky_linger_ms: ``sticky.partitioning.linger.ms`` (librdkafka default 10; 0 = no stickiness).

    Returns:
        A function ``(topic, key, partition_count) -> partition``; ``key`` is ``bytes`` or None and
        ``partition_count`` must be > 0 (``ValueError`` otherwise).

    Raises:
        ValueError: unknown ``name`` (the message lists the allowed values), or negative
            ``sticky_linger_ms``.

    Kafka: librdkafka ``src/rdkafka_msg.c`` (``rd_kafka_msg_partitioner``, ``rd_kafka_msg_partitioner_*``,
    ``rd_kafka_msg_sticky_partition``) and ``src/rdkafka_topic.c`` (stickiness is disabled when the
    linger is 0 or the partitioner is ``consistent``/``murmur2``/``fnv1a``).

    Simplification: every partition is always available, so librdkafka's second draw when the random
    pick is unavailable, and its early re-pick when the sticky partition loses its leader, never happen
    (a sticky partition that no longer exists because ``partition_count`` shrank is re-drawn). Custom
    partitioner callbacks are not supported.

    >>> part = make_partitioner("consistent_random", rng=random.Random(1), now_ms=lambda: 0,
    ...                         sticky_linger_ms=10)
    >>> part("t", b"user-42", 6), part("t", b"key", 7)
    (1, 5)
    >>> part("t", None, 6) == part("t", b"", 6) == part("t", None, 6)
    True
    """
    builder = _BUILDERS.get(name) if isinstance(name, str) else None
    if builder is None:
        raise ValueError(f'Invalid value {name!r} for configuration property "partitioner": '
                         f"allowed values are {', '.join(PARTITIONERS)}")
    if isinstance(sticky_linger_ms, bool) or not isinstance(sticky_linger_ms, int):
        raise TypeError(f"sticky_linger_ms must be an int number of milliseconds, got {sticky_linger_ms!r}")
    if sticky_linger_ms < 0:
        raise ValueError(f"sticky_linger_ms must be >= 0, got {sticky_linger_ms}")
    return builder(rng, now_ms, sticky_linger_ms)


def _build_random(rng: random.Random, now_ms: Callable[[], int], linger_ms: int) -> Partitioner:
    sticky = _make_sticky(rng, now_ms, linger_ms)
    randrange = rng.randrange

    def partition_random(topic: str, key: bytes | None, partition_count: int) -> int:
        if key is None:
            return sticky(topic, partition_count)
        if partition_count <= 0:
            raise _count_error(partition_count)
        return randrange(partition_count)

    return partition_random


def _build_consistent(rng: random.Random, now_ms: Callable[[], int], linger_ms: int) -> Partitioner:
    _crc32 = crc32

    def partition_consistent(topic: str, key: bytes | None, partition_count: int) -> int:
        if partition_count <= 0:
            raise _count_error(partition_count)
        return _crc32(key) % partition_count if key else 0  # crc32(b"") == 0

    return partition_consistent


def _build_consistent_random(rng: random.Random, now_ms: Callable[[], int], linger_ms: int) -> Partitioner:
    sticky = _make_sticky(rng, now_ms, linger_ms)
    _crc32 = crc32

    def partition_consistent_random(topic: str, key: bytes | None, partition_count: int) -> int:
        if key and partition_count > 0:
            return _crc32(key) % partition_count
        if key:
            raise _count_error(partition_count)
        return sticky(topic, partition_count)  # NULL or empty key; validates partition_count

    return partition_consistent_random


def _build_hash(positive_hash: Callable[[bytes], int], with_random: bool) -> Callable[..., Partitioner]:
    empty_hash = positive_hash(b"")

    def build(rng: random.Random, now_ms: Callable[[], int], linger_ms: int) -> Partitioner:
        if not with_random:
            def partition_hash(topic: str, key: bytes | None, partition_count: int) -> int:
                if partition_count <= 0:
                    raise _count_error(partition_count)
                return (positive_hash(key) if key is not None else empty_hash) % partition_count

            return partition_hash

        sticky = _make_sticky(rng, now_ms, linger_ms)

        def partition_hash_random(topic: str, key: bytes | None, partition_count: int) -> int:
            if key is not None and partition_count > 0:
                return positive_hash(key) % partition_count
            if key is not None:
                raise _count_error(partition_count)
            return sticky(topic, partition_count)

        return partition_hash_random

    return build


_BUILDERS: dict[str, Callable[[random.Random, Callable[[], int], int], Partitioner]] = {
    "random": _build_random,
    "consistent": _build_consistent,
    "consistent_random": _build_consistent_random,
    "murmur2": _build_hash(_murmur2_positive, with_random=False),
    "murmur2_random": _build_hash(_murmur2_positive, with_random=True),
    "fnv1a": _build_hash(_fnv1a_cached, with_random=False),
    "fnv1a_random": _build_hash(_fnv1a_cached, with_random=True),
}
