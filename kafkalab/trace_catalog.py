"""The catalogue of trace event kinds: the contract between the engine and the lab.

``CATALOG`` maps every kind the engine records (``Trace.record`` / ``Trace.append``) to the fields
its events carry and a one-line meaning. Every event also has ``seq``, ``time_ms`` and ``reason``
(``TraceEvent``); those are not listed. A field that is listed may be None (e.g. ``topic`` of a
``consumer_error`` without a partition). ``tests/test_trace_catalog.py`` checks that every recorded
kind and field is here and that every kind the lab reads exists. A new kind is added here first.

Field words are Kafka's: ``client`` is the client's kafkalab name, ``client_id`` its ``client.id``;
offsets are ``first_offset``/``last_offset`` (inclusive), ``committed_offset`` is the next offset to
consume; ``partitions`` is a list of ``[topic, partition]`` (or a count for topics);
``offsets`` is a list of ``[topic, partition, offset]``. Standard library only.

Print the table with ``python -m kafkalab.trace_catalog``.
"""

from __future__ import annotations

from typing import NamedTuple


class EventKind(NamedTuple):
    """One trace event kind: the ``fields`` its events carry and what it ``means``."""

    fields: tuple[str, ...]
    meaning: str


def _k(fields: str, meaning: str) -> EventKind:
    return EventKind(tuple(fields.split()), meaning)


# Fields every consumer event carries (``Consumer._trace``) and every sim-app event (``App._record``).
_CONSUMER = "group client client_id member_id "
_APP = "app instance "

CATALOG: dict[str, EventKind] = {
    # -- cluster and topics (broker/cluster.py, client/admin.py) --------------------------------------
    "cluster_started": _k("name seed", "a Cluster was built; the trace's first event"),
    "topic_created": _k("topic partitions config", "a topic was created (config: its topic-level overrides)"),
    "topic_deleted": _k("topic", "a topic and its logs were deleted"),
    "partitions_created": _k("topic partitions", "a topic grew to ``partitions`` partitions (CreatePartitions)"),
    "topic_config_altered": _k("topic config", "AdminClient.alter_configs changed a topic's config"),
    # -- the log (broker/log.py, broker/retention.py) ---------------------------------------------------
    "append": _k("topic partition base_offset last_offset count size_bytes producer_id client_id transactional",
                 "a produced batch was appended to a partition log at base_offset..last_offset"),
    "control_record": _k("topic partition offset control producer_id first_offset",
                         "a transaction marker (control: COMMIT or ABORT) was written at offset"),
    "segment_created": _k("topic partition base_offset", "a new active log segment starts at base_offset"),
    "segment_rolled": _k("topic partition base_offset end_offset size_bytes largest_timestamp cause",
                         "the active segment was closed (cause: size = segment.bytes, time = segment.ms)"),
    "segment_deleted": _k("topic partition base_offset end_offset size_bytes largest_timestamp cause",
                          "a closed segment was deleted (cause: time = retention.ms, size = retention.bytes, "
                          "delete_records)"),
    "log_start_offset": _k("topic partition old new", "the partition's log_start_offset moved from old to new"),
    "log_cleaned": _k("topic partition first_dirty_offset end_offset dirty_ratio size_bytes_before size_bytes_after "
                      "records_removed tombstones_removed tombstones_retained keys",
                      "the log cleaner compacted the dirty part of a compacted partition"),
    # -- produce path (broker/produce.py, broker/log.py, broker/faults.py, client/sender.py) ---------------
    "produce_duplicate": _k("topic partition base_offset last_offset producer_id producer_epoch base_sequence "
                            "client_id", "an idempotent retry matched a recent batch: not appended again"),
    "produce_failed": _k("topic partition producer_id base_sequence count error client_id",
                         "the broker refused a Produce request (error), nothing appended"),
    "produce_response_lost": _k("topic partition base_offset last_offset producer_id base_sequence client_id",
                                "injected fault: the batch was appended but its response never arrived"),
    "produce_response_delayed": _k("topic partition base_offset producer_id delay_ms client_id",
                                   "injected fault: the Produce response arrives delay_ms late"),
    "produce_retry": _k("client client_id topic partition count attempt backoff_ms producer_id base_sequence error",
                        "the producer will resend a batch after backoff_ms (retriable error)"),
    "produce_error": _k("client client_id topic partition count attempts producer_id base_sequence error",
                        "the producer gave up on a batch: its delivery reports carry error"),
    "message_timed_out": _k("client client_id topic partition count attempts producer_id base_sequence error",
                            "a batch expired (delivery.timeout.ms): delivery reports carry _MSG_TIMED_OUT"),
    "producer_epoch_bumped": _k("client client_id producer_id producer_epoch",
                                "an idempotent producer bumped its epoch to reset sequences"),
    "fault_armed": _k("fault topic partition error count delay_ms", "a produce fault was injected (armed)"),
    "fault_cleared": _k("count", "clear_produce_faults() removed count armed faults"),
    # -- producer ids and transactions (broker/transactions.py, client/transactional.py) ------------------
    "producer_id_assigned": _k("producer_id producer_epoch transactional_id client_id",
                               "InitProducerId gave a producer id and epoch"),
    "producer_id_refused": _k("transactional_id client_id error", "InitProducerId was refused (error)"),
    "producer_fenced": _k("transactional_id producer_id producer_epoch current_epoch request",
                          "a request from an old epoch was rejected: that producer is a zombie"),
    "txn_state": _k("transactional_id producer_id producer_epoch old new partitions",
                    "the transaction coordinator moved a transaction from old to new TxnState"),
    "txn_partition_added": _k("transactional_id producer_id producer_epoch partitions client_id",
                              "AddPartitionsToTxn added partitions to the open transaction"),
    "txn_offsets_pending": _k("transactional_id group generation_id offsets client_id",
                              "TxnOffsetCommit: offsets wait for the COMMIT marker to become committed"),
    "txn_offsets_refused": _k("transactional_id group generation_id member_id offsets client_id error",
                              "TxnOffsetCommit was refused (error)"),
    "txn_offsets_discarded": _k("transactional_id group offsets",
                                "the transaction aborted: its pending offsets were dropped"),
    "producer_txn_state": _k("client client_id transactional_id producer_id producer_epoch old new",
                             "the transactional producer's own state moved from old to new"),
    "producer_txn_error": _k("client client_id transactional_id error fatal",
                             "the transactional producer hit an error (fatal: True when the producer is unusable)"),
    # -- groups, broker side (broker/groups.py, broker/offset_manager.py) ---------------------------------
    "group_created": _k("group state type", "the group coordinator created a group on first use "
                        "(type: \"consumer\" for a KIP-848 group, \"share\" for a share group, absent for a "
                        "classic one)"),
    "group_state": _k("group old new generation_id type group_epoch assignment_epoch",
                      "the group moved from old to new GroupState (classic) or ConsumerGroupState "
                      "(type \"consumer\": Empty, Assigning, Reconciling, Stable, Dead; type \"share\": Empty, Stable, "
                      "Dead; generation_id None)"),
    "member_joined": _k("group member_id client_id group_instance_id topics", "JoinGroup added a member"),
    "member_replaced": _k("group group_instance_id member_id old_member_id",
                          "a static member rejoined: member_id replaces old_member_id"),
    "member_removed": _k("group member_id client_id generation_id partitions cause last_heartbeat_ms",
                         "a member left or was expelled (cause: session_timeout, rebalance_timeout, leave_group)"),
    "generation": _k("group generation_id leader_id members protocol", "a rebalance completed a new generation"),
    "assignment": _k("group member_id client_id generation_id partitions",
                     "SyncGroup: the leader's assignment for one member"),
    "offset_commit": _k("group member_id client_id generation_id offsets error",
                        "OffsetCommit (or a committed transaction) stored offsets; error when rejected"),
    "offsets_expired": _k("group partitions", "committed offsets expired (offsets.retention.minutes)"),
    # -- consumer groups, KIP-848 (broker/consumer_groups.py); also member_joined/member_replaced above ------
    "consumer_group_epoch": _k("group group_epoch cause member",
                               "the consumer group's epoch was bumped (cause: member_joined, member_left, "
                               "session_timeout, rebalance_timeout, subscription, metadata)"),
    "target_assignment": _k("group assignment_epoch assignor assignment",
                            "the assignor computed the target assignment {member: [[topic, partition], ...]}"),
    "member_epoch": _k("group member client_id old new state owned pending_revocation",
                       "a consumer-group member's epoch, state or assignment changed (owned: what it may own "
                       "now; state: STABLE, UNREVOKED_PARTITIONS, UNRELEASED_PARTITIONS)"),
    "member_fenced": _k("group member client_id cause member_epoch partitions last_heartbeat_ms",
                        "the coordinator fenced a consumer-group member (cause: session_timeout, "
                        "rebalance_timeout, rejoin: it rejoined with epoch 0); its partitions are free at once"),
    "member_left": _k("group member client_id member_epoch group_instance_id partitions",
                      "a consumer-group member left with epoch -1 (removed) or -2 (static: partitions reserved)"),
    # -- share groups, KIP-932 (broker/share_groups.py, share_partition.py, share_partition_manager.py); group
    # states, member_joined/member_epoch/member_fenced/member_left and target_assignment above carry type "share"
    # or come from a share group -------------------------------------------------------------------------------
    "share_group_epoch": _k("group group_epoch cause member",
                            "the share group's epoch was bumped (cause: member_joined, member_left, session_timeout, "
                            "rejoin, subscription, metadata)"),
    "group_config_altered": _k("group config", "a group's configs were set (IncrementalAlterConfigs on a GROUP "
                               "resource; config: every override now)"),
    "share_state_initialized": _k("group topic partition start_offset state_epoch reset",
                                  "a share-partition was first used by the group: its start offset (SPSO) from "
                                  "share.auto.offset.reset (stands for the first ShareSnapshot of "
                                  "__share_group_state)"),
    "share_start_offset": _k("group topic partition old new",
                             "the share-partition start offset (SPSO) moved over records all Acknowledged or Archived "
                             "(or to a new log start)"),
    "share_acquired": _k("group topic partition first_offset last_offset member client_id delivery_count "
                         "lock_deadline_ms",
                         "ShareFetch acquired first_offset..last_offset for member under a lock until "
                         "lock_deadline_ms; delivery_count counts this delivery"),
    "share_acknowledged": _k("group topic partition first_offset last_offset type member",
                             "the member acknowledged records (type: ACCEPT, RELEASE, REJECT, GAP, RENEW)"),
    "share_lock_expired": _k("group topic partition first_offset last_offset member to",
                             "the acquisition lock of member's records expired: they went to Available, or "
                             "Archived at the delivery count limit"),
    "share_released": _k("group topic partition first_offset last_offset member cause to",
                         "records member held were released (cause: close, disconnect, session_timeout, "
                         "member_left, rejoin) to Available (or Archived at the delivery count limit)"),
    "share_archived": _k("group topic partition first_offset last_offset cause",
                         "records became Archived, never delivered again (cause: reject, delivery_count_limit, "
                         "gap: no record to deliver)"),
    "share_session": _k("group member client_id epoch action",
                        "a member's share session was opened (epoch 0) or closed (-1: close, disconnect, "
                        "session timeout)"),
    # -- clients (client/base.py) ------------------------------------------------------------------------
    "client_created": _k("client client_id", "a producer, consumer or admin client was created"),
    "client_crashed": _k("client client_id", "cluster.crash(): the client's process died without cleanup"),
    # -- consumer (client/consumer*.py, fetcher.py, offset_commits.py, offsets_api.py) ---------------------
    "subscribe": _k(_CONSUMER + "topics", "subscribe() to topics"),
    "join_group": _k(_CONSUMER + "topics", "the consumer sent JoinGroup"),
    "join_state": _k(_CONSUMER + "old new", "the consumer's JoinState moved from old to new (client/join_state.py)"),
    "rebalance_notified": _k(_CONSUMER + "generation_id", "a heartbeat said REBALANCE_IN_PROGRESS: rejoin"),
    "assigned": _k(_CONSUMER + "partitions generation_id incremental assignment",
                   "partitions were assigned (rebalance or assign()); assignment: the whole set after it"),
    "revoked": _k(_CONSUMER + "partitions", "partitions were revoked in a rebalance"),
    "lost": _k(_CONSUMER + "partitions", "partitions were lost (membership gone, no commit possible)"),
    "heartbeat_failed": _k(_CONSUMER + "error", "a Heartbeat got an error"),
    "max_poll_exceeded": _k(_CONSUMER + "generation_id",
                            "max.poll.interval.ms passed without poll(): the consumer leaves the group"),
    "fatal_error": _k(_CONSUMER, "a fatal consumer error (e.g. a fenced static member)"),
    "reconcile": _k(_CONSUMER + "epoch revoked assigned",
                    "KIP-848: the consumer starts reconciling a new assignment (revoke first, then assign); "
                    "join_state values are then librdkafka's (client/consumer_membership.py)"),
    "commit_epoch_error": _k(_CONSUMER + "error generation_id deferred",
                             "KIP-848: an OffsetCommit got STALE_MEMBER_EPOCH or UNKNOWN_MEMBER_ID; deferred: "
                             "an auto-commit resent after the next heartbeat"),
    "fetch": _k(_CONSUMER + "topic partition first_offset last_offset count high_watermark last_stable_offset",
                "a Fetch response buffered records first_offset..last_offset"),
    "deliver": _k(_CONSUMER + "generation_id topic partition first_offset last_offset",
                  "poll() handed records first_offset..last_offset to the application (a coalesced run)"),
    "offset_fetch_unstable": _k(_CONSUMER + "topic partition",
                                "OffsetFetch said UNSTABLE_OFFSET_COMMIT (open transaction): retry"),
    "offset_reset": _k(_CONSUMER + "topic partition from_offset to_offset skipped cause",
                       "the fetch position was reset (auto.offset.reset); skipped: records jumped over"),
    "offset_reset_error": _k(_CONSUMER + "topic partition from_offset", "auto.offset.reset=error: no reset"),
    "seek": _k(_CONSUMER + "topic partition offset", "seek() moved the fetch position"),
    "auto_commit": _k(_CONSUMER + "offsets", "the auto-commit timer sent these offsets"),
    "consumer_error": _k(_CONSUMER + "error topic partition", "an error message was queued for poll()"),
    "consumer_closed": _k(_CONSUMER, "close(): the consumer left cleanly"),
    # -- scenarios and sim apps (sim/) ------------------------------------------------------------------
    "action": _k("action args", "a scenario script action ran"),
    "action_skipped": _k("action error", "a scenario script action could not run (error)"),
    "app_started": _k(_APP + "app_kind", "a sim app instance started"),
    "app_processed": _k(_APP + "topic partition offset member_id", "the app finished processing one record"),
    "app_side_effect": _k(_APP + "input",
                             "the app did a side effect outside Kafka for input [topic, partition, offset]"),
    "app_produced": _k(_APP + "input topic partition offset transactional", "an output record for input was delivered"),
    "app_outcome": _k(_APP + "error where", "an error the app saw (where: which call)"),
    "app_crash": _k(_APP + "point in_flight record",
                    "the app's process died at point (in_flight: the record being processed, or None)"),
    "app_restart": _k(_APP, "the app restarted as a new instance"),
    "app_stopped": _k(_APP, "the app closed cleanly"),
}


def markdown() -> str:
    """The catalogue as a Markdown table (kind | fields | meaning)."""
    lines = ["| kind | fields | meaning |", "|---|---|---|"]
    for kind, ek in CATALOG.items():
        lines.append(f"| `{kind}` | {', '.join(ek.fields)} | {ek.meaning} |")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(markdown())
