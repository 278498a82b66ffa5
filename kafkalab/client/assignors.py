"""Partition assignors of the classic consumer-group protocol: they run on the client.

Owns range, roundrobin, sticky and cooperative-sticky as pure functions of the members'
subscriptions and the partition counts; the group leader's ``ConsumerCoordinator`` runs the
selected one (Kafka assigns on the client). The broker's vote for the group's assignor is
``broker/protocol_selection.py``. A partition is a ``(topic, partition)`` tuple. Standard library
only; imports nothing from kafkalab.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "ASSIGNORS", "PROTOCOL_TYPE", "Assignment", "CooperativeResult", "MemberSubscription",
    "cooperative_sticky_assign", "is_cooperative", "librdkafka_sticky_assign", "partitions_to_revoke",
    "range_assign", "roundrobin_assign", "sort_members", "sticky_assign",
]

Partition = tuple[str, int]
Assignment = dict[str, list[Partition]]
Members = Sequence["MemberSubscription"]

DEFAULT_GENERATION = -1
"""``AbstractStickyAssignor.DEFAULT_GENERATION``: the generation of a member that reports none."""


def _java_order(text: str) -> bytes:
    # Java's String.compareTo compares UTF-16 code units; UTF-16-BE bytes sort the same way.
    return text.encode("utf-16-be", "surrogatepass")


@dataclass(frozen=True)
class MemberSubscription:
    """One member's JoinGroup metadata, as the leader's assignor sees it.

    ``owned_partitions`` are the partitions the member held in ``generation_id`` (KIP-429); an
    eager member reports none. Lists are accepted and stored as tuples.

    Kafka: ``ConsumerPartitionAssignor.Subscription`` (topics, ownedPartitions, generationId,
    groupInstanceId).
    """

    member_id: str
    topics: tuple[str, ...]
    group_instance_id: str | None = None
    owned_partitions: tuple[Partition, ...] = ()
    generation_id: int = DEFAULT_GENERATION

    def __post_init__(self) -> None:
        if not isinstance(self.member_id, str):
            raise TypeError(f"MemberSubscription: member_id must be a str, got {self.member_id!r}")
        if not self.member_id:
            raise ValueError("MemberSubscription: member_id must be non-empty, got ''")
        if (isinstance(self.topics, str) or not isinstance(self.topics, Iterable)
                or not all(isinstance(t, str) for t in self.topics)):
            raise TypeError(f"MemberSubscription: topics must be a sequence of str, got {self.topics!r}")
        if isinstance(self.owned_partitions, str) or not isinstance(self.owned_partitions, Iterable):
            raise TypeError("MemberSubscription: owned_partitions must be a sequence of (topic, partition), "
                            f"got {self.owned_partitions!r}")
        if self.group_instance_id is not None and not isinstance(self.group_instance_id, str):
            raise TypeError(f"MemberSubscription: group_instance_id must be None or a str, "
                            f"got {self.group_instance_id!r}")
        if self.group_instance_id == "":
            raise ValueError("MemberSubscription: group_instance_id must be None or non-empty, got ''")
        if type(self.generation_id) is not int:
            raise TypeError(f"MemberSubscription: generation_id must be an int, got {self.generation_id!r}")
        if self.generation_id < DEFAULT_GENERATION:
            raise ValueError("MemberSubscription: generation_id must be an int >= -1, "
                             f"got {self.generation_id!r}")
        object.__setattr__(self, "topics", tuple(self.topics))
        object.__setattr__(self, "owned_partitions", tuple(_partition(tp) for tp in self.owned_partitions))


def _partition(tp: object) -> Partition:
    if (not isinstance(tp, tuple | list) or len(tp) != 2 or not isinstance(tp[0], str)
            or type(tp[1]) is not int or tp[1] < 0):
        raise ValueError("MemberSubscription: owned_partitions entries must be (topic, partition >= 0), "
                         f"got {tp!r}")
    return (tp[0], tp[1])


def sort_members(members: Iterable[MemberSubscription]) -> list[MemberSubscription]:
    """Members in the order range and roundrobin hand out partitions.

    Members with a ``group_instance_id`` come first, ordered by instance id; the rest follow,
    ordered by member id. Strings compare as Java's ``String.compareTo`` (UTF-16 code units).

    Kafka: ``AbstractPartitionAssignor.MemberInfo.compareTo``.
    Simplification: two members with the same instance id (Kafka fences one of them) are ordered
    by member id, where Java's stable sort keeps their input order.

    >>> ms = [MemberSubscription("b", ()), MemberSubscription("z", (), group_instance_id="i2"),
    ...       MemberSubscription("a", ()), MemberSubscription("y", (), group_instance_id="i1")]
    >>> [m.member_id for m in sort_members(ms)]
    ['y', 'z', 'a', 'b']
    """
    def key(m: MemberSubscription) -> tuple[int, bytes, bytes]:
        if m.group_instance_id is not None:
            return (0, _java_order(m.group_instance_id), _java_order(m.member_id))
        return (1, b"", _java_order(m.member_id))
    return sorted(members, key=key)


def _validated(fn: str, members: object, partitions_per_topic: object) -> tuple[list[MemberSubscription],
                                                                                 dict[str, int]]:
    """Check the inputs and keep only topics with partitions that some member subscribes to."""
    if isinstance(members, str | bytes) or not isinstance(members, Iterable):
        raise TypeError(f"{fn}: members must be a sequence of MemberSubscription, got {members!r}")
    members = list(members)
    seen: set[str] = set()
    for i, m in enumerate(members):
        if not isinstance(m, MemberSubscription):
            raise TypeError(f"{fn}: members[{i}] must be a MemberSubscription, got {type(m).__name__}")
        if m.member_id in seen:
            raise ValueError(f"{fn}: duplicate member_id {m.member_id!r}")
        seen.add(m.member_id)
    if not isinstance(partitions_per_topic, Mapping):
        raise TypeError(f"{fn}: partitions_per_topic must be a dict of topic -> int, "
                        f"got {partitions_per_topic!r}")
    for topic, count in partitions_per_topic.items():
        if not isinstance(topic, str):
            raise TypeError(f"{fn}: partitions_per_topic keys must be str, got {topic!r}")
        if type(count) is not int:
            raise TypeError(f"{fn}: partitions_per_topic[{topic!r}] must be an int, got {count!r}")
        if count < 0:
            raise ValueError(f"{fn}: partitions_per_topic[{topic!r}] must be >= 0, got {count!r}")
    subscribed = {t for m in members for t in m.topics}
    # AbstractPartitionAssignor.assign skips topics without metadata or with 0 partitions.
    return members, {t: n for t, n in sorted(partitions_per_topic.items()) if n > 0 and t in subscribed}


def range_assign(members: Members, partitions_per_topic: Mapping[str, int]) -> Assignment:
    """Assign each topic separately in contiguous runs: ``n // k`` each, one extra for the first ``n % k``.

    For a topic with ``n`` partitions and ``k`` subscribers (in ``sort_members`` order), subscriber
    ``i`` gets ``n // k + (1 if i < n % k else 0)`` partitions, starting where the previous one stopped.
    Extras pile up on the same early members across topics; that co-partitioning is intended.

    Kafka: ``RangeAssignor`` (librdkafka ``rdkafka_range_assignor.c``),
    ``partition.assignment.strategy=range``.
    Simplification: no rack-aware variant (KIP-881).

    >>> ms = [MemberSubscription(m, ("t",)) for m in "abc"]
    >>> range_assign(ms, {"t": 7})
    {'a': [('t', 0), ('t', 1), ('t', 2)], 'b': [('t', 3), ('t', 4)], 'c': [('t', 5), ('t', 6)]}
    >>> cs = [MemberSubscription(c, ("t0", "t1")) for c in ("C0", "C1")]
    >>> range_assign(cs, {"t0": 3, "t1": 3})
    {'C0': [('t0', 0), ('t0', 1), ('t1', 0), ('t1', 1)], 'C1': [('t0', 2), ('t1', 2)]}
    """
    members, ppt = _validated("range_assign", members, partitions_per_topic)
    ordered = sort_members(members)
    subscriptions = {m.member_id: set(m.topics) for m in ordered}
    assignment: Assignment = {m.member_id: [] for m in ordered}
    for topic, count in ppt.items():
        subscribers = [mid for mid, topics in subscriptions.items() if topic in topics]
        quota, extra = divmod(count, len(subscribers))
        start = 0
        for i, mid in enumerate(subscribers):
            length = quota + (1 if i < extra else 0)
            assignment[mid].extend((topic, p) for p in range(start, start + length))
            start += length
    return assignment


def roundrobin_assign(members: Members,
                      partitions_per_topic: Mapping[str, int]) -> Assignment:
    """Deal all partitions one by one around a circle of members, skipping non-subscribers.

    Partitions are listed topic by topic (topics sorted by name, partitions in order); each goes to
    the next member in ``sort_members`` order that subscribes to its topic.

    Kafka: ``RoundRobinAssignor`` (librdkafka ``rdkafka_roundrobin_assignor.c``),
    ``partition.assignment.strategy=roundrobin``.

    >>> cs = [MemberSubscription(c, ("t0", "t1")) for c in ("C0", "C1")]
    >>> roundrobin_assign(cs, {"t0": 3, "t1": 3})
    {'C0': [('t0', 0), ('t0', 2), ('t1', 1)], 'C1': [('t0', 1), ('t1', 0), ('t1', 2)]}
    """
    members, ppt = _validated("roundrobin_assign", members, partitions_per_topic)
    ordered = sort_members(members)
    ids = [m.member_id for m in ordered]
    subscriptions = [set(m.topics) for m in ordered]
    assignment: Assignment = {mid: [] for mid in ids}
    pos = 0
    for topic, count in ppt.items():
        for p in range(count):
            while topic not in subscriptions[pos]:
                pos = (pos + 1) % len(ids)
            assignment[ids[pos]].append((topic, p))
            pos = (pos + 1) % len(ids)
    return assignment


# ----------------------------------------------------------------------------------------- sticky


def _resolve_owned(members: list[MemberSubscription], ppt: dict[str, int]) -> tuple[dict[Partition, str],
                                                                                  set[Partition]]:
    """Who validly owns what: the claim of the highest generation wins; a tie at that generation voids it.

    Returns (partition -> owner, contested partitions). Claims on partitions that do not exist are
    ignored; claims on topics the claimant no longer subscribes to still count here, because the
    claimant must revoke such a partition before anyone else may take it.
    """
    best: dict[Partition, tuple[int, list[str]]] = {}
    for m in members:
        for tp in dict.fromkeys(m.owned_partitions):
            if tp[1] >= ppt.get(tp[0], 0):
                continue
            generation, claimants = best.get(tp, (DEFAULT_GENERATION - 1, []))
            if m.generation_id > generation:
                best[tp] = (m.generation_id, [m.member_id])
            elif m.generation_id == generation:
                claimants.append(m.member_id)
    owner = {tp: claimants[0] for tp, (_, claimants) in best.items() if len(claimants) == 1}
    contested = {tp for tp, (_, claimants) in best.items() if len(claimants) > 1}
    return owner, contested


def _owned_lists(members: list[MemberSubscription], owner: dict[Partition, str]) -> Assignment:
    """Each member's valid, still-subscribed owned partitions, in the order the member reported them."""
    return {m.member_id: [tp for tp in dict.fromkeys(m.owned_partitions)
                          if owner.get(tp) == m.member_id and tp[0] in m.topics]
            for m in members}


def _all_partitions(ppt: dict[str, int]) -> list[Partition]:
    return [(t, p) for t in sorted(ppt) for p in range(ppt[t])]


def _constrained_assign(ids: list[str], owned: dict[str, list[Partition]], ppt: dict[str, int]) -> Assignment:
    """Kafka's ``ConstrainedAssignmentBuilder``: keep owned partitions up to quota, then fill round robin."""
    partitions = _all_partitions(ppt)
    min_quota, expected_over = divmod(len(partitions), len(ids))
    max_quota = min_quota + (1 if expected_over else 0)
    assignment: Assignment = {mid: [] for mid in ids}
    under_min: list[str] = []       # fewer than min_quota: must be filled
    exactly_min: list[str] = []     # at min_quota and may still take one extra
    over = 0                        # members already holding max_quota > min_quota
    for mid in ids:
        own = owned[mid]
        if len(own) < min_quota:
            assignment[mid] = list(own)
            under_min.append(mid)
        elif len(own) >= max_quota and over < expected_over:
            over += 1
            if over == expected_over:
                exactly_min.clear()
            assignment[mid] = own[:max_quota]
        else:
            assignment[mid] = own[:min_quota]
            if over < expected_over:
                exactly_min.append(mid)
    taken = {tp for tps in assignment.values() for tp in tps}
    unassigned = [tp for tp in partitions if tp not in taken]
    _fill_round_robin(unassigned, under_min, deque(exactly_min), assignment, min_quota)
    return assignment


def _fill_round_robin(unassigned: list[Partition], under_min: list[str], exactly_min: deque[str],
                      assignment: Assignment, min_quota: int) -> None:
    """``ConstrainedAssignmentBuilder.assignRoundRobin``: cycle the under-filled members (sorted by
    member id) until they reach min_quota, then give one extra each to members at min_quota."""
    i = 0
    for tp in unassigned:
        if i >= len(under_min):
            i = 0
        if under_min:
            mid = under_min[i]
        elif exactly_min:
            mid = exactly_min.popleft()
        else:  # Kafka: IllegalStateException("No more unfilled consumers to be assigned.")
            raise RuntimeError(f"sticky_assign: no member can take {tp}; this is a bug in the assignor")
        assignment[mid].append(tp)
        if not under_min:
            continue
        if len(assignment[mid]) == min_quota:
            del under_min[i]            # the iterator's remove(): i now points at the next member
            exactly_min.append(mid)
        else:
            i += 1


def _general_assign(members: list[MemberSubscription], owned: dict[str, list[Partition]],
                    ppt: dict[str, int]) -> Assignment:
    """Differing subscriptions: keep every valid owned partition, place the rest on the least
    loaded eligible member, then move partitions until no move can narrow a gap of 2 or more."""
    consumers = {t: [m.member_id for m in members if t in m.topics] for t in ppt}
    state = _Loads({m.member_id: list(owned[m.member_id]) for m in members}, owned)
    taken = {tp for tps in owned.values() for tp in tps}
    # Kafka's TopicComparator: topics with fewer potential consumers first, then by name.
    topics = sorted(ppt, key=lambda t: (len(consumers[t]), t))
    for topic in topics:
        for p in range(ppt[topic]):
            if (topic, p) not in taken:
                state.add((topic, p), state.least_loaded(consumers[topic]))
    moved = True
    while moved:  # each move lowers the sum of squared counts, so this ends
        moved = False
        for topic in topics:
            while len(consumers[topic]) > 1 and state.move_one(topic, consumers[topic]):
                moved = True
    return state.assignment


class _Loads:
    """Assignment plus per-member and per-(member, topic) counts for the general sticky algorithm."""

    def __init__(self, assignment: Assignment, owned: dict[str, list[Partition]]) -> None:
        self.assignment = assignment
        self.owned = {mid: set(tps) for mid, tps in owned.items()}
        self.rank = {mid: i for i, mid in enumerate(assignment)}
        self.count = {mid: len(tps) for mid, tps in assignment.items()}
        self.held: dict[str, dict[str, int]] = {mid: {} for mid in assignment}
        for mid, tps in assignment.items():
            for topic, _ in tps:
                self.held[mid][topic] = self.held[mid].get(topic, 0) + 1

    def least_loaded(self, candidates: list[str]) -> str:
        return min(candidates, key=lambda c: (self.count[c], self.rank[c]))

    def add(self, tp: Partition, mid: str) -> None:
        self.assignment[mid].append(tp)
        self.count[mid] += 1
        self.held[mid][tp[0]] = self.held[mid].get(tp[0], 0) + 1

    def move_one(self, topic: str, consumers: list[str]) -> bool:
        """Move one ``topic`` partition from its fullest holder to the emptiest eligible member if
        they differ by 2 or more. Prefers a partition the holder did not own before this round
        (moving it costs no stickiness), then the highest-numbered one."""
        low = self.least_loaded(consumers)
        holders = [c for c in consumers if self.held[c].get(topic)]
        high = max(holders, key=lambda c: (self.count[c], -self.rank[c]))
        if self.count[high] - self.count[low] < 2:
            return False
        tp = max((t for t in self.assignment[high] if t[0] == topic),
                 key=lambda t: (t not in self.owned[high], t))
        self.assignment[high].remove(tp)
        self.count[high] -= 1
        self.held[high][topic] -= 1
        self.add(tp, low)
        return True


def _sticky(fn: str, members: object, partitions_per_topic: object) -> tuple[
        Assignment, list[MemberSubscription], dict[Partition, str], set[Partition]]:
    """Validate, resolve ownership, then run the constrained or the general algorithm."""
    members, ppt = _validated(fn, members, partitions_per_topic)
    if not members:
        return {}, [], {}, set()
    by_id = sorted(members, key=lambda m: _java_order(m.member_id))
    owner, contested = _resolve_owned(by_id, ppt)
    owned = _owned_lists(by_id, owner)
    if all(set(m.topics) == set(by_id[0].topics) for m in by_id):
        raw = _constrained_assign([m.member_id for m in by_id], owned, ppt)
    else:
        raw = _general_assign(by_id, owned, ppt)
    return {m.member_id: raw[m.member_id] for m in sort_members(members)}, members, owner, contested


def sticky_assign(members: Members, partitions_per_topic: Mapping[str, int]) -> Assignment:
    """Balance first, stickiness second: keep owned partitions where the quota allows, hand out the rest.

    Owned partitions count only from the claim with the highest ``generation_id``; a partition
    claimed by two members of that same generation is valid for neither and is reassigned.
    With identical subscriptions, counts differ by at most 1: with ``n`` partitions and ``k``
    members, ``min_quota = n // k`` and exactly ``n % k`` members get ``min_quota + 1``. Each member
    first keeps its owned partitions (in the order it reported them) up to ``min_quota``, or
    ``min_quota + 1`` while extras remain; the unassigned partitions then go out in sorted order,
    round robin over the under-filled members sorted by member id, and finally one extra each to
    members at ``min_quota``. A member keeps at least ``min(min_quota, owned)`` of its partitions.

    Kafka: ``AbstractStickyAssignor`` (KIP-54, KIP-341), ``ConstrainedAssignmentBuilder`` for
    identical subscriptions; ``StickyAssignor`` (Java name ``sticky``, EAGER protocol).
    Simplification: differing subscriptions use a simpler general algorithm (keep valid owned
    partitions, least-loaded placement, then single moves until no eligible pair differs by 2 or
    more) instead of Kafka's ``GeneralAssignmentBuilder``; it does not consult owners from older
    generations (Kafka's ``prevAssignment``) when choosing what to move. Java walks members in
    HashMap order where this walks them by member id, and resolves conflicting claims in arrival
    order where this resolves them order-independently. librdkafka's ``cooperative-sticky`` ports
    only Kafka's general algorithm (no constrained path), so with identical subscriptions a real
    librdkafka leader can choose a different, equally balanced assignment.

    >>> ms = [MemberSubscription("a", ("t",), owned_partitions=(("t", 0), ("t", 1)), generation_id=1),
    ...       MemberSubscription("b", ("t",), owned_partitions=(("t", 2), ("t", 3)), generation_id=1),
    ...       MemberSubscription("c", ("t",))]
    >>> sticky_assign(ms, {"t": 4})
    {'a': [('t', 0), ('t', 1)], 'b': [('t', 2)], 'c': [('t', 3)]}
    """
    return _sticky("sticky_assign", members, partitions_per_topic)[0]


# ------------------------------------------------------------------------------ librdkafka sticky


def _c_key(tp: Partition) -> tuple[bytes, int]:
    # rd_kafka_topic_partition_cmp: strcmp on the topic name, then the partition number.
    return (tp[0].encode("utf-8", "surrogatepass"), tp[1])


class _RdSticky:
    """One run of librdkafka's ``rd_kafka_sticky_assignor_assign_cb`` (no rack awareness).

    The state mirrors the C maps: ``cur`` (currentAssignment), ``cpc`` (currentPartitionConsumer),
    ``prev`` (prevAssignment), ``c2p``/``p2c`` (the potential maps) and the partition movements.
    """

    def __init__(self, members: list[MemberSubscription], ppt: dict[str, int]) -> None:
        self.subs = {m.member_id: set(m.topics) for m in members}
        self.cur: dict[str, list[Partition]] = {m.member_id: [] for m in members}
        self.c2p: dict[str, list[Partition]] = {m.member_id: [] for m in members}
        self.cpc: dict[Partition, str] = {}
        self.prev: dict[Partition, str] = {}
        self.moves: dict[Partition, tuple[str, str]] = {}
        self.moves_by_topic: dict[str, dict[tuple[str, str], list[Partition]]] = {}
        self._prepopulate(members)
        # populatePotentialMaps, topic by topic (metadata order: here by name), member by member.
        self.p2c: dict[Partition, list[str]] = {}
        for topic in sorted(ppt, key=lambda t: t.encode("utf-8", "surrogatepass")):
            for m in members:
                if topic in self.subs[m.member_id]:
                    for p in range(ppt[topic]):
                        self.c2p[m.member_id].append((topic, p))
                        self.p2c.setdefault((topic, p), []).append(m.member_id)

    def _prepopulate(self, members: list[MemberSubscription]) -> None:
        """prepopulateCurrentAssignments: the highest generation's claim wins, a tie voids it anywhere."""
        claims: dict[Partition, list[tuple[str, int]]] = {}
        for m in members:
            for tp in dict.fromkeys(m.owned_partitions):
                claims.setdefault(tp, []).append((m.member_id, m.generation_id))
        for tp in reversed(list(claims)):          # rd_map iterates newest entry first
            by_gen = sorted(claims[tp], key=lambda c: c[1])
            if len({g for _, g in by_gen}) < len(by_gen):
                continue
            self.cur[by_gen[-1][0]].append(tp)
            self.cpc[tp] = by_gen[-1][0]
            if len(by_gen) >= 2:
                self.prev[tp] = by_gen[-2][0]

    def sorted_subs(self, consumers: Iterable[str]) -> list[str]:
        # sort_by_map_elem_val_toppar_list_cnt: partition count, then strcmp of the member id.
        return sorted(consumers, key=lambda c: (len(self.cur[c]), c.encode("utf-8", "surrogatepass")))

    def _identical(self) -> bool:
        lists = list(self.p2c.values())
        parts = list(self.c2p.values())
        return all(a == lists[0] for a in lists) and all(b == parts[0] for b in parts)

    def sort_partitions(self) -> list[Partition]:
        """sortPartitions: the order in which partitions are considered for reassignment."""
        if not self.cur or not self._identical():
            return sorted(self.p2c, key=lambda tp: (len(self.p2c[tp]), _c_key(tp)))
        remaining: dict[str, list[Partition]] = {}
        for c, tps in self.cur.items():
            tps.sort(key=_c_key)
            valid = [tp for tp in tps if tp in self.p2c]
            if valid:
                remaining[c] = valid
        result: list[Partition] = []
        consumers = sorted(remaining, key=lambda c: (len(remaining[c]), c.encode("utf-8", "surrogatepass")))
        while consumers:
            c = consumers[-1]
            moved_before = [tp for tp in remaining[c] if tp in self.prev]
            if moved_before:
                remaining[c].remove(moved_before[0])
                result.append(moved_before[0])
            elif remaining[c]:
                result.append(remaining[c].pop(0))
            else:
                consumers.pop()
                continue
            consumers.sort(key=lambda c: (len(remaining[c]), c.encode("utf-8", "surrogatepass")))
        was_empty = not result
        seen = set(result)
        result.extend(tp for tp in reversed(list(self.p2c)) if tp not in seen)
        if was_empty:
            result.sort(key=_c_key)
        return result

    # -- movements (PartitionMovements_*) ---------------------------------------------------------
    def _remove_move(self, tp: Partition) -> tuple[str, str]:
        pair = self.moves.pop(tp)
        per_topic = self.moves_by_topic[tp[0]]
        per_topic[pair].remove(tp)
        if not per_topic[pair]:
            del per_topic[pair]
        if not per_topic:
            del self.moves_by_topic[tp[0]]
        return pair

    def _add_move(self, tp: Partition, pair: tuple[str, str]) -> None:
        self.moves[tp] = pair
        self.moves_by_topic.setdefault(tp[0], {}).setdefault(pair, []).append(tp)

    def _move(self, tp: Partition, old: str, new: str) -> None:
        if tp in self.moves:
            src, _ = self._remove_move(tp)
            if src != new:
                self._add_move(tp, (src, new))
        else:
            self._add_move(tp, (old, new))

    def _actual_partition(self, tp: Partition, old: str, new: str) -> Partition:
        if tp[0] not in self.moves_by_topic:
            return tp
        if tp in self.moves:
            old = self.moves[tp][0]
        reverse = self.moves_by_topic[tp[0]].get((new, old))
        return reverse[0] if reverse else tp

    # -- balancing ----------------------------------------------------------------------------------
    def reassign_to(self, tp: Partition, new: str, subs: list[str]) -> None:
        """reassignPartitionToConsumer + processPartitionMovement."""
        tp = self._actual_partition(tp, self.cpc[tp], new)
        old = self.cpc[tp]
        self._move(tp, old, new)
        self.cur[new].append(tp)
        self.cur[old].remove(tp)
        self.cpc[tp] = new
        subs[:] = self.sorted_subs(subs)

    def is_balanced(self, subs: list[str]) -> bool:
        if not subs or len(self.cur[subs[0]]) >= len(self.cur[subs[-1]]) - 1:
            return True
        holder = {tp: c for c, tps in self.cur.items() for tp in tps}
        for c in subs:
            mine = self.cur[c]
            if len(mine) == len(self.c2p[c]):
                continue
            for tp in self.c2p[c]:
                other = holder.get(tp)
                if tp not in mine and other is not None and len(mine) < len(self.cur[other]):
                    return False
        return True

    def perform_reassignments(self, partitions: list[Partition], subs: list[str]) -> bool:
        performed = False
        modified = True
        while modified:
            modified = False
            for tp in partitions:
                if self.is_balanced(subs):
                    break
                consumer = self.cpc[tp]
                count = len(self.cur[consumer])
                prev = self.prev.get(tp)
                if (prev is not None and prev in self.cur and tp in self.c2p[prev]
                        and count > len(self.cur[prev]) + 1):
                    self.reassign_to(tp, prev, subs)
                    performed = modified = True
                    continue
                if any(o != consumer and count > len(self.cur[o]) + 1 for o in self.p2c[tp] if o in self.cur):
                    new = next(c for c in subs if tp in self.c2p[c])
                    self.reassign_to(tp, new, subs)
                    performed = modified = True
        return performed

    def run(self) -> Assignment:
        """rd_kafka_sticky_assignor_assign_cb, then balance()."""
        ordered = self.sort_partitions()
        unassigned = list(ordered)
        revocation_required = False
        for c, tps in self.cur.items():
            for tp in list(tps):
                if tp not in self.p2c:
                    tps.remove(tp)
                    self.cpc.pop(tp, None)
                elif tp[0] not in self.subs[c]:
                    tps.remove(tp)
                    revocation_required = True
                else:
                    unassigned.remove(tp)
        subs = self.sorted_subs(self.cur)
        initializing = not self.cur[subs[-1]]
        for tp in unassigned:                                    # maybeAssign
            new = next((c for c in subs if tp in self.c2p[c]), None)
            if new is not None:
                self.cur[new].append(tp)
                self.cpc[tp] = new
                subs[:] = self.sorted_subs(subs)
        ordered = [tp for tp in ordered if len(self.p2c[tp]) >= 2]
        unassigned = [tp for tp in unassigned if len(self.p2c[tp]) >= 2]
        fixed: dict[str, list[Partition]] = {}
        for c in list(subs):
            if not (len(self.cur[c]) < len(self.c2p[c]) or any(len(self.p2c[tp]) >= 2 for tp in self.cur[c])):
                subs.remove(c)
                fixed[c] = self.cur.pop(c)
        before = {c: list(tps) for c, tps in self.cur.items()}
        before_cpc = dict(self.cpc)
        if not revocation_required and unassigned:
            self.perform_reassignments(unassigned, subs)
        performed = self.perform_reassignments(ordered, subs)
        if not initializing and performed and _balance_score(self.cur) >= _balance_score(before):
            self.cur, self.cpc = before, before_cpc
        self.cur.update(fixed)
        return {c: sorted(tps) for c, tps in self.cur.items()}


def _balance_score(assignment: Assignment) -> int:
    sizes = [len(tps) for tps in assignment.values()]
    return sum(abs(a - b) for i, a in enumerate(sizes) for b in sizes[i + 1:])


def librdkafka_sticky_assign(members: Members, partitions_per_topic: Mapping[str, int]) -> Assignment:
    """librdkafka's sticky assignment: keep every valid owned partition, then move one at a time.

    The leader keeps each member's valid owned partitions (the highest ``generation_id`` claim wins;
    a partition two members claim with the same generation is valid for neither), gives every
    unowned partition to the member with the fewest partitions (ties: the smaller member id, byte
    order), then walks the partitions and moves one from its holder to the least-loaded eligible
    member while the holder has 2 or more more than some eligible member, until the counts differ
    by at most 1. With identical subscriptions it walks the partitions round robin from the member
    with the most, lowest partition first, so a newcomer takes the *first* partitions of the first
    topic: with ``ta`` (4) and ``tb`` (3) owned by ``m1``, ``m2`` joining gets ta0, ta1, ta2.

    Kafka: librdkafka ``rdkafka_sticky_assignor.c`` (``rd_kafka_sticky_assignor_assign_cb``, a port of
    Java's pre-2.4 ``AbstractStickyAssignor`` general algorithm), used by
    ``partition.assignment.strategy=cooperative-sticky``. Java's ``ConstrainedAssignmentBuilder``
    (``sticky_assign``) takes the *last* partitions instead (tb0, tb1, tb2 in that example).
    Simplifications: no rack-aware variant (KIP-881); a partition's current holder is its
    highest-generation claimant (librdkafka records the last claimant read, which can differ when
    two generations claim it); a partition goes back to its previous owner only if that member still
    subscribes to its topic (librdkafka does not check); a partition moved back to where it started
    forgets its movement (as Java does; librdkafka keeps a stale record); topics are taken in name
    order (librdkafka takes the metadata response's order, which only changes where brand-new
    partitions go).

    >>> ms = [MemberSubscription("m1", ("ta", "tb"), owned_partitions=[("ta", p) for p in range(4)]
    ...                          + [("tb", p) for p in range(3)], generation_id=1),
    ...       MemberSubscription("m2", ("ta", "tb"))]
    >>> librdkafka_sticky_assign(ms, {"ta": 4, "tb": 3})
    {'m1': [('ta', 3), ('tb', 0), ('tb', 1), ('tb', 2)], 'm2': [('ta', 0), ('ta', 1), ('ta', 2)]}
    """
    members, ppt = _validated("librdkafka_sticky_assign", members, partitions_per_topic)
    if not members:
        return {}
    raw = _RdSticky(members, ppt).run()
    return {m.member_id: raw[m.member_id] for m in sort_members(members)}


# ------------------------------------------------------------------------------------ cooperative


def partitions_to_revoke(owned: Mapping[str, Iterable[Partition]],
                         assignment: Mapping[str, Iterable[Partition]]) -> dict[str, list[Partition]]:
    """What each member must give up: its owned partitions missing from its new assignment.

    Members that own nothing to revoke map to ``[]``; a member missing from ``assignment``
    revokes everything it owns. Lists keep the order of ``owned``.

    Kafka: ``ConsumerCoordinator.onJoinComplete`` (``revokedPartitions = owned - assigned``,
    passed to ``onPartitionsRevoked``; librdkafka ``incremental_unassign``).

    >>> partitions_to_revoke({"a": [("t", 0), ("t", 1)]}, {"a": [("t", 0)]})
    {'a': [('t', 1)]}
    """
    result: dict[str, list[Partition]] = {}
    for mid, tps in owned.items():
        keep = set(assignment.get(mid, ()))
        result[mid] = [tp for tp in tps if tp not in keep]
    return result


@dataclass(frozen=True)
class CooperativeResult:
    """One cooperative rebalance: what each member gets now, and what waits for the next round.

    ``assignment`` is sent in SyncGroup; ``target`` is the sticky assignment it converges to;
    ``withheld`` (sorted) are partitions that ``target`` moves away from their current owner, left
    unassigned this round; ``revoked`` is ``partitions_to_revoke`` of each member's reported owned
    partitions against ``assignment``.

    Kafka: ``CooperativeStickyAssignor.assign`` / ``adjustAssignment`` (KIP-429).
    """

    assignment: Assignment
    target: Assignment
    withheld: tuple[Partition, ...]
    revoked: dict[str, list[Partition]] = field(default_factory=dict)

    @property
    def needs_follow_up_rebalance(self) -> bool:
        """True if any member revokes a partition; each such member rejoins at once (KIP-429)."""
        return any(self.revoked.values())


def cooperative_sticky_assign(members: Members, partitions_per_topic: Mapping[str, int],
                              algorithm: str = "librdkafka") -> CooperativeResult:
    """The sticky assignment, minus every partition that would pass directly from one owner to another.

    Round 1: the leader computes ``target = librdkafka_sticky_assign(...)`` (``algorithm="java"``:
    ``sticky_assign``, Java's ``CooperativeStickyAssignor``) and withholds each partition that
    ``target`` gives to a member other than its current valid owner (or that two members of the
    same generation claimed). Nobody gets it this round; the owner's new assignment lacks it, so the
    owner revokes it (``on_revoke`` with just that partition) and immediately rejoins. Round 2: the
    owners now report the withheld partitions as no longer owned, so they are free and the next
    assignment hands them to their new owners. Every other partition is consumed without pause.
    Partitions whose owner left the group are free at once. With identical subscriptions, round 2
    withholds nothing, although it may place the freed partitions differently from round 1's target.

    Kafka: ``CooperativeStickyAssignor`` (``partition.assignment.strategy=cooperative-sticky``,
    COOPERATIVE protocol, KIP-429); the rule is checked by ``ConsumerCoordinator``, which throws
    ``IllegalStateException`` when an assignor hands an owned partition straight to another member.
    librdkafka applies it as ``rd_kafka_cooperative_protocol_adjust_assignment``.
    Simplification: librdkafka also hands owned partitions of topics that nobody subscribes to any
    more back to their owner until the next rebalance; here they are revoked at once.

    Raises:
        ValueError: ``algorithm`` is neither ``"librdkafka"`` nor ``"java"``.

    >>> ms = [MemberSubscription("a", ("t",), owned_partitions=(("t", 0), ("t", 1)), generation_id=1),
    ...       MemberSubscription("b", ("t",), owned_partitions=(("t", 2), ("t", 3)), generation_id=1),
    ...       MemberSubscription("c", ("t",))]
    >>> r = cooperative_sticky_assign(ms, {"t": 4})
    >>> r.assignment, r.withheld, r.revoked["b"]
    ({'a': [('t', 0), ('t', 1)], 'b': [('t', 3)], 'c': []}, (('t', 2),), [('t', 2)])
    >>> cooperative_sticky_assign(ms, {"t": 4}, algorithm="java").withheld
    (('t', 3),)
    """
    if algorithm not in ("librdkafka", "java"):
        raise ValueError(f"cooperative_sticky_assign: algorithm must be 'librdkafka' or 'java', got {algorithm!r}")
    target, members, owner, contested = _sticky("cooperative_sticky_assign", members, partitions_per_topic)
    if algorithm == "librdkafka" and members:
        target = librdkafka_sticky_assign(members, partitions_per_topic)
    withheld = sorted(tp for mid, tps in target.items() for tp in tps
                      if tp in contested or owner.get(tp, mid) != mid)
    hold = set(withheld)
    assignment = {mid: [tp for tp in tps if tp not in hold] for mid, tps in target.items()}
    revoked = partitions_to_revoke({m.member_id: list(dict.fromkeys(m.owned_partitions)) for m in members},
                                   assignment)
    return CooperativeResult(assignment, target, tuple(withheld), revoked)


def _cooperative_sticky(members: Members, partitions_per_topic: Mapping[str, int]) -> Assignment:
    return cooperative_sticky_assign(members, partitions_per_topic).assignment


# ------------------------------------------------------------------------------- registry and vote

ASSIGNORS: dict[str, Callable[[Members, Mapping[str, int]], Assignment]] = {
    "range": range_assign,
    "roundrobin": roundrobin_assign,
    "cooperative-sticky": _cooperative_sticky,
}
"""librdkafka's ``partition.assignment.strategy`` names (default ``"range,roundrobin"``) -> assignor.

Each returns the assignment to send in SyncGroup; for ``cooperative-sticky`` that is the round's
assignment with withheld partitions left out (call ``cooperative_sticky_assign`` for the rest).
librdkafka has no plain ``"sticky"`` (its CONFIGURATION.md lists range, roundrobin,
cooperative-sticky), so ``sticky_assign``, Java's eager ``StickyAssignor``, is not registered here.
"""

PROTOCOL_TYPE: dict[str, str] = {"range": "EAGER", "roundrobin": "EAGER", "cooperative-sticky": "COOPERATIVE"}
"""Rebalance protocol of each registered assignor (``ConsumerPartitionAssignor.RebalanceProtocol``)."""


def is_cooperative(name: str) -> bool:
    """True if assignor ``name`` uses the COOPERATIVE (incremental) rebalance protocol.

    Kafka: ``ConsumerPartitionAssignor.supportedProtocols``; librdkafka ``rd_kafka_rebalance_protocol``.

    >>> is_cooperative("cooperative-sticky"), is_cooperative("range")
    (True, False)
    """
    if name not in PROTOCOL_TYPE:
        raise ValueError(f"is_cooperative: unknown assignor {name!r}; "
                         f"expected one of {sorted(PROTOCOL_TYPE)}")
    return PROTOCOL_TYPE[name] == "COOPERATIVE"
