"""The group coordinator's choice of the assignor a classic group uses (the protocol vote).

Owns ``select_protocol``: every member lists the assignors it supports, in its order of
preference; the broker picks one that all members support. The assignors themselves run on the
client (the group leader). Standard library only.
"""

from __future__ import annotations

from .java_hash import java_string_hash


def select_protocol(member_preferences: list[list[str]]) -> str:
    """The assignor the group will use: each member votes for its favourite one that all members support.

    Candidates are the names every member lists. Each member votes for the first candidate in its
    own list; the most votes win. A tie goes to the name Java's ``HashMap`` iterates first (bucket
    of ``String.hashCode``), as the broker's ``votesByProtocol.entrySet().stream().max(...)`` does.
    With no common name the broker rejects the JoinGroup with ``INCONSISTENT_GROUP_PROTOCOL`` (23);
    here that is a ``ValueError``.

    Kafka: ``ClassicGroup.selectProtocol`` / ``ClassicGroupMember.vote`` (group coordinator).
    Simplification: votes are counted in the order of ``member_preferences``; the broker counts
    them in its own member-map order, which matters only for names sharing a hash bucket.

    Raises:
        ValueError: no preferences, an empty list, or no name common to all members.

    >>> select_protocol([["range", "roundrobin"], ["roundrobin", "range"], ["roundrobin"]])
    'roundrobin'
    """
    if not isinstance(member_preferences, list | tuple) or not member_preferences:
        raise ValueError("select_protocol: member_preferences must be a non-empty list, "
                         f"got {member_preferences!r}")
    for i, prefs in enumerate(member_preferences):
        if isinstance(prefs, str) or not prefs or not all(isinstance(n, str) for n in prefs):
            raise ValueError(f"select_protocol: member_preferences[{i}] must be a non-empty list of str, "
                             f"got {prefs!r}")
    common = set(member_preferences[0]).intersection(*member_preferences[1:])
    if not common:
        raise ValueError("select_protocol: no assignor is supported by every member "
                         f"(INCONSISTENT_GROUP_PROTOCOL, 23): {member_preferences!r}")
    votes: dict[str, int] = {}
    for prefs in member_preferences:
        choice = next(n for n in prefs if n in common)
        votes[choice] = votes.get(choice, 0) + 1
    best = max(votes.values())
    return next(n for n in _hashmap_order(list(votes)) if votes[n] == best)


def _hashmap_order(keys: list[str]) -> list[str]:
    """Iteration order of a ``java.util.HashMap`` after inserting ``keys`` in this order."""
    capacity = 16
    while len(keys) > capacity * 3 // 4:
        capacity *= 2
    def bucket(key: str) -> int:
        h = java_string_hash(key) & 0xFFFFFFFF       # unsigned, as Java's h >>> 16 reads it
        return (h ^ (h >> 16)) & (capacity - 1)
    return sorted(keys, key=bucket)  # stable: same bucket keeps insertion order
