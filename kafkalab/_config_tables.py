"""Property tables: librdkafka 2.16 client properties, Kafka topic configs and broker settings.

Data only (``Prop`` records and a few small maps); ``config.py`` holds the logic that reads them.
Client rows follow ``rd_kafka_conf_properties_show()`` of the librdkafka 2.16.0 bundled with
confluent-kafka 2.16.1 (its CONFIGURATION.md), in that order. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Prop:
    """One configuration property.

    ``type`` is one of ``int bool enum str float list callable`` for clients, and additionally
    ``long`` (64-bit) for topic and broker configs, where ``float`` is Java's DOUBLE. ``scope`` is
    ``producer``, ``consumer`` or ``*`` (both) for clients, ``topic`` or ``broker`` otherwise.
    ``allowed`` lists enum values (or valid list items); ``range`` is ``(min, max)``, ``max`` None
    meaning Kafka's ``atLeast(min)``. ``alias_of`` names the canonical property of an alias row.
    An empty ``doc`` means the property is accepted and validated but has no effect in kafkalab.
    """

    name: str
    type: str
    default: Any
    scope: str
    alias_of: str | None = None
    allowed: tuple[str, ...] | None = None
    range: tuple[int | float, int | float | None] | None = None
    doc: str = ""


A, P, C = "*", "producer", "consumer"
INT32_MAX = 2147483647
LONG_MAX = 9223372036854775807


def _i(name: str, default: int, lo: int, hi: int, scope: str = A, doc: str = "") -> Prop:
    return Prop(name, "int", default, scope, range=(lo, hi), doc=doc)


def _b(name: str, default: bool, scope: str = A, doc: str = "") -> Prop:
    return Prop(name, "bool", default, scope, doc=doc)


def _e(name: str, default: str, allowed: str, scope: str = A, doc: str = "") -> Prop:
    return Prop(name, "enum", default, scope, allowed=tuple(allowed.split(", ")), doc=doc)


def _s(name: str, default: str | None = None, scope: str = A, doc: str = "") -> Prop:
    return Prop(name, "str", default, scope, doc=doc)


def _l(name: str, default: str, allowed: str | None = None, scope: str = A, doc: str = "") -> Prop:
    values = tuple(default.split(",")) if default else ()
    return Prop(name, "list", values, scope, allowed=tuple(allowed.split(", ")) if allowed else None, doc=doc)


_FEATURES = ("gzip, snappy, ssl, sasl, regex, lz4, sasl_gssapi, sasl_plain, sasl_scram, plugins, zstd, "
             "sasl_oauthbearer, http, oidc")
_DEBUG = ("generic, broker, topic, metadata, feature, queue, msg, protocol, cgrp, security, fetch, "
          "interceptor, plugin, consumer, admin, eos, mock, assignor, conf, telemetry, all")
_KINIT = ('kinit -R -t "%{sasl.kerberos.keytab}" -k %{sasl.kerberos.principal} || '
          'kinit -t "%{sasl.kerberos.keytab}" -k %{sasl.kerberos.principal}')
PARTITIONERS = ("random", "consistent", "consistent_random", "murmur2", "murmur2_random", "fnv1a",
                "fnv1a_random")

# librdkafka's canonical name is metadata.broker.list (bootstrap.servers is its alias); kafkalab keys the
# value under bootstrap.servers, the name every confluent-kafka program uses.
CLIENT_PROPS: tuple[Prop, ...] = (
    _l("builtin.features", _FEATURES.replace(", ", ","), _FEATURES),
    _s("client.id", "rdkafka", doc="Client identifier; shown in traces and group descriptions."),
    _s("bootstrap.servers", doc="Cluster to connect to: the name of a kafkalab Cluster."),
    _i("message.max.bytes", 1000000, 1000, 1000000000, doc="Maximum protocol request size."),
    _i("message.copy.max.bytes", 65535, 0, 1000000000),
    _i("receive.message.max.bytes", 100000000, 1000, INT32_MAX),
    _i("max.in.flight.requests.per.connection", 1000000, 1, 1000000,
       doc="In-flight requests per broker; idempotence lowers it to 5."),
    _e("metadata.recovery.strategy", "rebootstrap", "none, rebootstrap"),
    _i("metadata.recovery.rebootstrap.trigger.ms", 300000, 0, INT32_MAX),
    _i("topic.metadata.refresh.interval.ms", 300000, -1, 3600000),
    _i("metadata.max.age.ms", 900000, 1, 86400000),
    _i("topic.metadata.refresh.fast.interval.ms", 100, 1, 60000),
    _i("topic.metadata.refresh.fast.cnt", 10, 0, 1000),
    _b("topic.metadata.refresh.sparse", True),
    _i("topic.metadata.propagation.max.ms", 30000, 0, 3600000),
    _s("topic.blacklist"),
    _l("debug", "", _DEBUG, doc="Debug contexts (comma-separated)."),
    _i("socket.timeout.ms", 60000, 10, 300000, doc="Default network request timeout."),
    _i("socket.blocking.max.ms", 1000, 1, 60000),
    _i("socket.send.buffer.bytes", 0, 0, 100000000),
    _i("socket.receive.buffer.bytes", 0, 0, 100000000),
    _b("socket.keepalive.enable", False),
    _b("socket.nagle.disable", True),
    _i("socket.max.fails", 1, 0, 1000000),
    _i("broker.address.ttl", 1000, 0, 86400000),
    _e("broker.address.family", "any", "any, v4, v6"),
    _i("socket.connection.setup.timeout.ms", 30000, 1000, INT32_MAX),
    _i("connections.max.idle.ms", 0, 0, INT32_MAX),
    _i("reconnect.backoff.jitter.ms", 0, 0, 3600000),
    _i("reconnect.backoff.ms", 100, 0, 3600000),
    _i("reconnect.backoff.max.ms", 10000, 0, 3600000),
    _i("statistics.interval.ms", 0, 0, 86400000, doc="Statistics (stats_cb) emit interval; 0 disables."),
    _i("enabled_events", 0, 0, INT32_MAX),
    _i("log_level", 6, 0, 7),
    _b("log.queue", False),
    _b("log.thread.name", True),
    _b("enable.random.seed", True),
    _b("log.connection.close", True),
    _i("internal.termination.signal", 0, 0, 128),
    _b("api.version.request", True),
    _i("api.version.request.timeout.ms", 10000, 1, 300000),
    _i("api.version.fallback.ms", 0, 0, 604800000),
    _s("broker.version.fallback", "0.10.0"),
    _b("allow.auto.create.topics", False,
       doc="Subscribing to a missing topic may auto-create it (broker auto.create.topics.enable)."),
    _e("security.protocol", "plaintext", "plaintext, ssl, sasl_plaintext, sasl_ssl"),
    *(_s(name) for name in ("ssl.cipher.suites", "ssl.curves.list", "ssl.sigalgs.list",
                            "ssl.key.location", "ssl.key.password", "ssl.key.pem", "ssl.certificate.location",
                            "ssl.certificate.pem", "ssl.ca.location", "https.ca.location", "https.ca.pem",
                            "ssl.ca.pem")),
    _s("ssl.ca.certificate.stores", "Root"),
    *(_s(name) for name in ("ssl.crl.location", "ssl.keystore.location", "ssl.keystore.password",
                            "ssl.providers", "ssl.engine.location")),
    _s("ssl.engine.id", "dynamic"),
    _b("enable.ssl.certificate.verification", True),
    _e("ssl.endpoint.identification.algorithm", "https", "none, https"),
    _s("sasl.mechanisms", "GSSAPI"),
    _s("sasl.kerberos.service.name", "kafka"),
    _s("sasl.kerberos.principal", "kafkaclient"),
    _s("sasl.kerberos.kinit.cmd", _KINIT),
    _s("sasl.kerberos.keytab"),
    _i("sasl.kerberos.min.time.before.relogin", 60000, 0, 86400000),
    _s("sasl.username"),
    _s("sasl.password"),
    _s("sasl.oauthbearer.config"),
    _b("enable.sasl.oauthbearer.unsecure.jwt", False),
    _e("sasl.oauthbearer.method", "default", "default, oidc"),
    *(_s(name) for name in ("sasl.oauthbearer.client.id", "sasl.oauthbearer.client.secret",
                            "sasl.oauthbearer.scope", "sasl.oauthbearer.extensions",
                            "sasl.oauthbearer.token.endpoint.url")),
    _s("sasl.oauthbearer.sub.claim.name", "sub"),
    _e("sasl.oauthbearer.grant.type", "client_credentials",
       "client_credentials, urn:ietf:params:oauth:grant-type:jwt-bearer"),
    _e("sasl.oauthbearer.assertion.algorithm", "RS256", "RS256, ES256"),
    *(_s(name) for name in ("sasl.oauthbearer.assertion.private.key.file",
                            "sasl.oauthbearer.assertion.private.key.passphrase",
                            "sasl.oauthbearer.assertion.private.key.pem", "sasl.oauthbearer.assertion.file",
                            "sasl.oauthbearer.assertion.claim.aud")),
    _i("sasl.oauthbearer.assertion.claim.exp.seconds", 300, 1, INT32_MAX),
    _s("sasl.oauthbearer.assertion.claim.iss"),
    _b("sasl.oauthbearer.assertion.claim.jti.include", False),
    _i("sasl.oauthbearer.assertion.claim.nbf.seconds", 60, 0, INT32_MAX),
    _s("sasl.oauthbearer.assertion.claim.sub"),
    _s("sasl.oauthbearer.assertion.jwt.template.file"),
    _e("sasl.oauthbearer.metadata.authentication.type", "none", "none, azure_imds, aws_iam"),
    _s("plugin.library.paths"),
    _s("group.id", scope=C, doc="Consumer group; required by Consumer."),
    _s("group.instance.id", scope=C, doc="Static membership id (KIP-345)."),
    _l("partition.assignment.strategy", "range,roundrobin", scope=C,
       doc="Assignors in preference order: range, roundrobin, cooperative-sticky."),
    _i("session.timeout.ms", 45000, 1, 3600000, C, "Member is removed after this long without heartbeats."),
    _i("heartbeat.interval.ms", 3000, 1, 3600000, C, "Interval between group heartbeats."),
    _s("group.protocol.type", "consumer", C),
    _e("group.protocol", "classic", "classic, consumer", C, "classic, or consumer (KIP-848)."),
    _s("group.remote.assignor", scope=C),
    _i("coordinator.query.interval.ms", 600000, 1, 3600000, C),
    _i("max.poll.interval.ms", 300000, 1, 86400000, C, "Member leaves the group if poll() is not called."),
    _b("enable.auto.commit", True, C, "Commit stored offsets in the background."),
    _i("auto.commit.interval.ms", 5000, 0, 86400000, C, "Auto-commit period; 0 disables."),
    _b("enable.auto.offset.store", True, C, "Store the offset of each message handed to the app."),
    _i("queued.min.messages", 100000, 1, 10000000, C, "Messages per partition to prefetch."),
    _i("queued.max.messages.kbytes", 65536, 1, 2097151, C),
    _i("fetch.wait.max.ms", 500, 0, 300000, C, "Broker waits up to this long for fetch.min.bytes."),
    _i("fetch.queue.backoff.ms", 1000, 0, 300000, C),
    _i("fetch.message.max.bytes", 1048576, 1, 1000000000, C, "Initial max bytes per partition per fetch."),
    _i("fetch.max.bytes", 52428800, 0, 2147483135, C, "Max bytes per fetch response."),
    # Table range 0..INT32_MAX; check_consumer() applies librdkafka's 1..100000000 for consumers.
    _i("fetch.min.bytes", 1, 0, INT32_MAX, C, "Broker answers a fetch once this many bytes are ready."),
    _i("fetch.error.backoff.ms", 500, 0, 300000, C),
    _e("offset.store.method", "broker", "none, file, broker", C),
    _e("isolation.level", "read_committed", "read_uncommitted, read_committed", C,
       "read_committed hides aborted and open-transaction records."),
    _b("enable.partition.eof", False, C, "Emit _PARTITION_EOF when reaching the end of a partition."),
    _b("check.crcs", False, C, "Verify record CRCs (always valid in kafkalab)."),
    _s("client.rack"),
    _i("max.poll.records", 500, 1, INT32_MAX, C,
       "Share consumer: records one poll() asks the broker for (a soft limit; ignored by Consumer)."),
    _s("share.acknowledgement.mode", "implicit", C,
       "Share consumer: implicit (the next poll or commit accepts the last batch) or explicit (acknowledge "
       "each record). Any other string is kept, unvalidated, as librdkafka keeps it: see ShareConsumer."),
    _s("transactional.id", scope=P, doc="Enables the transactional producer."),
    _i("transaction.timeout.ms", 60000, 1000, INT32_MAX, P, "Coordinator aborts a transaction after this."),
    _b("enable.idempotence", False, P, "Idempotent producer: PID, epoch and sequence numbers."),
    _b("enable.gapless.guarantee", False, P, "Fatal error on any possible gap (needs idempotence)."),
    _i("queue.buffering.max.messages", 100000, 0, INT32_MAX, P, "Max messages queued in the producer."),
    _i("queue.buffering.max.kbytes", 1048576, 1, INT32_MAX, P, "Max kilobytes queued in the producer."),
    # librdkafka type float; kafkalab rounds the value up to whole virtual milliseconds.
    Prop("queue.buffering.max.ms", "float", 5, P, range=(0, 900000),
         doc="Linger: wait this long (ms, rounded up) to fill a batch."),
    _i("message.send.max.retries", INT32_MAX, 0, INT32_MAX, P, "Retries of a failed produce request."),
    _i("retry.backoff.ms", 100, 1, 300000, doc="First retry backoff."),
    _i("retry.backoff.max.ms", 1000, 1, 300000, doc="Cap of the exponential retry backoff."),
    _i("queue.buffering.backpressure.threshold", 1, 1, 1000000, P),
    _e("compression.codec", "none", "none, gzip, snappy, lz4, zstd", P, "Compression (recorded only)."),
    _i("batch.num.messages", 10000, 1, 1000000, P, "Max messages per batch."),
    _i("batch.size", 1000000, 1, INT32_MAX, P, "Max bytes per batch."),
    _b("delivery.report.only.error", False, P),
    _i("sticky.partitioning.linger.ms", 10, 0, 900000, P, "How long a keyless sticky partition is kept."),
    _e("client.dns.lookup", "use_all_dns_ips", "use_all_dns_ips, resolve_canonical_bootstrap_servers_only"),
    _b("enable.metrics.push", True),
    # Topic-level properties, settable through the global configuration.
    _i("request.required.acks", -1, -1, 1000, P, "acks: 0, 1 or -1 (all)."),
    _i("request.timeout.ms", 30000, 1, 900000, P, "Produce request ack timeout."),
    _i("message.timeout.ms", 300000, 0, INT32_MAX, P, "Delivery timeout per message; 0 is infinite."),
    _e("queuing.strategy", "fifo", "fifo, lifo", P),
    _b("produce.offset.report", False, P),
    Prop("partitioner", "str", "consistent_random", P, allowed=PARTITIONERS,
         doc="Key to partition function (librdkafka types it as a validated string)."),
    _i("compression.level", -1, -1, 12, P),
    _b("auto.commit.enable", True, C),
    _e("auto.offset.reset", "largest", "smallest, earliest, beginning, largest, latest, end, error", C,
       "Where to start without a valid committed offset."),
    _s("offset.store.path", ".", C),
    _i("offset.store.sync.interval.ms", -1, -1, 86400000, C),
    _i("consume.callback.max.messages", 0, 0, 1000000, C),
    # Engine settings (kafkalab only).
    _e("kafkalab.client.semantics", "librdkafka", "librdkafka, java",
       doc="Defaults, auto-commit behaviour and cooperative-sticky algorithm of librdkafka or of the Java client."),
    _i("kafkalab.request.latency.ms", 2, 0, 60000, doc="Modelled one-way request latency (virtual ms)."),
    # Python-side keys, handled by confluent-kafka itself and never passed to librdkafka.
    *(Prop(name, "callable", None, scope, doc=doc) for name, scope, doc in (
        ("error_cb", A, "error_cb(KafkaError), served from poll()."),
        ("throttle_cb", A, "throttle_cb(ThrottleEvent)."),
        ("stats_cb", A, "stats_cb(json_str)."),
        ("oauth_cb", A, "OAUTHBEARER token callback."),
        ("logger", A, "logging.Logger for client logs."),
        ("on_delivery", P, "Default delivery report callback on_delivery(err, msg)."),
        ("on_commit", C, "Commit result callback on_commit(err, partitions)."))),
)

CLIENT_ALIASES: dict[str, str] = {
    "metadata.broker.list": "bootstrap.servers",
    "max.in.flight": "max.in.flight.requests.per.connection",
    "sasl.mechanism": "sasl.mechanisms",
    "sasl.oauthbearer.client.credentials.client.id": "sasl.oauthbearer.client.id",
    "sasl.oauthbearer.client.credentials.client.secret": "sasl.oauthbearer.client.secret",
    "max.partition.fetch.bytes": "fetch.message.max.bytes",
    "linger.ms": "queue.buffering.max.ms",
    "retries": "message.send.max.retries",
    "compression.type": "compression.codec",
    "acks": "request.required.acks",
    "delivery.timeout.ms": "message.timeout.ms",
}

# Named values accepted by integer properties (librdkafka s2i, case-insensitive).
INT_NAMES: dict[str, dict[str, int]] = {"request.required.acks": {"all": -1}}

# "Type: see dedicated API" rows: setting them by name fails with a dedicated text.
DEDICATED_API = frozenset((
    "log_cb", "background_event_cb", "socket_cb", "connect_cb", "closesocket_cb", "open_cb", "resolve_cb",
    "opaque", "default_topic_conf", "ssl_key", "ssl_certificate", "ssl_ca", "ssl_engine_callback_data",
    "ssl.certificate.verify_cb", "oauthbearer_token_refresh_cb", "interceptors", "consume_cb", "rebalance_cb",
    "offset_commit_cb", "dr_cb", "dr_msg_cb", "partitioner_cb", "msg_order_cmp"))

# Defaults of the Apache Java clients where they differ (KAFKA_REFERENCE.md section 0).
JAVA_DEFAULTS: dict[str, Any] = {
    "isolation.level": "read_uncommitted",
    "auto.offset.reset": "latest",
    "partition.assignment.strategy": ("range", "cooperative-sticky"),
    "allow.auto.create.topics": True,                 # Java consumer default
    "enable.idempotence": True,                       # KIP-679 (3.0)
    "queue.buffering.max.ms": 5,                      # linger.ms 0 -> 5 in 4.0 (KIP-1030)
    "partitioner": "murmur2_random",                  # Java's hash for keyed records
    "session.timeout.ms": 45000,                      # KIP-735 (3.0)
    "message.timeout.ms": 120000,                     # delivery.timeout.ms (KIP-91)
    "max.in.flight.requests.per.connection": 5,
    "batch.size": 16384,
}

# Per-kind default overrides. CONFIGURATION.md: "the default value (true) for the producer is different
# from the default value (false) for the consumer" (not checked against the C source).
KIND_DEFAULTS: dict[str, dict[str, Any]] = {"producer": {"allow.auto.create.topics": True}, "consumer": {}}

EAGER_ASSIGNORS = ("range", "roundrobin")
COOPERATIVE_ASSIGNORS = ("cooperative-sticky",)


def _t(name: str, type_: str, default: Any, lo: int | None = None, hi: int | None = None,
       allowed: str | None = None, scope: str = "topic", doc: str = "") -> Prop:
    rng = None if lo is None else (lo, hi)
    values = tuple(allowed.split(", ")) if allowed else None
    return Prop(name, type_, default, scope, allowed=values, range=rng, doc=doc)


# Kafka 3.x LogConfig, in its definition order (ConfigDef parses in this order).
# Simplification: segment.bytes keeps Kafka 3.x's minimum of 14 (LegacyRecord.RECORD_OVERHEAD_V0) so that
# the workbook can use tiny segments; Kafka 4.0 raised the minimum to 1048576 (KIP-1030).
TOPIC_PROPS: tuple[Prop, ...] = (
    _t("segment.bytes", "int", 1073741824, 14, doc="Roll a new segment at this size."),
    _t("segment.ms", "long", 604800000, 1, doc="Roll a new segment after this long."),
    _t("segment.jitter.ms", "long", 0, 0, doc="Random jitter subtracted from segment.ms."),
    _t("segment.index.bytes", "int", 10485760, 4),
    _t("flush.messages", "long", LONG_MAX, 1),
    _t("flush.ms", "long", LONG_MAX, 0),
    _t("retention.bytes", "long", -1, doc="Per-partition size limit; -1 is unlimited."),
    _t("retention.ms", "long", 604800000, -1, doc="Delete segments older than this; -1 is unlimited."),
    _t("max.message.bytes", "int", 1048588, 0, doc="Largest record batch the broker accepts."),
    _t("index.interval.bytes", "int", 4096, 0),
    _t("delete.retention.ms", "long", 86400000, 0, doc="How long tombstones are kept after compaction."),
    _t("min.compaction.lag.ms", "long", 0, 0, doc="Minimum age before a record may be compacted."),
    _t("max.compaction.lag.ms", "long", LONG_MAX, 1, doc="Maximum time a record stays uncompacted."),
    _t("file.delete.delay.ms", "long", 60000, 0, doc="Delay before a deleted segment leaves the disk."),
    _t("min.cleanable.dirty.ratio", "float", 0.5, 0, 1, doc="Dirty ratio that triggers compaction."),
    _t("cleanup.policy", "list", ("delete",), allowed="compact, delete", doc="delete, compact or both."),
    _t("unclean.leader.election.enable", "bool", False, doc="Allow an out-of-sync replica to lead."),
    _t("min.insync.replicas", "int", 1, 1, doc="Replicas that must ack an acks=all write."),
    _t("compression.type", "enum", "producer", allowed="uncompressed, zstd, lz4, snappy, gzip, producer"),
    _t("preallocate", "bool", False),
    _t("message.timestamp.type", "enum", "CreateTime", allowed="CreateTime, LogAppendTime",
       doc="Record timestamps from the producer or the broker."),
    _t("message.timestamp.difference.max.ms", "long", LONG_MAX, 0),
    _t("message.timestamp.before.max.ms", "long", LONG_MAX, 0),
    _t("message.timestamp.after.max.ms", "long", LONG_MAX, 0),
    _t("message.downconversion.enable", "bool", True),
)

# Broker settings (KafkaConfig / ServerLogConfigs / GroupCoordinatorConfig / TransactionLogConfigs, 3.8).
# log.retention.ms and log.roll.ms default to None and are derived from the minutes/hours settings.
BROKER_PROPS: tuple[Prop, ...] = tuple(_t(*row, scope="broker") for row in (
    ("auto.create.topics.enable", "bool", True),
    ("num.partitions", "int", 1, 1),
    ("log.segment.bytes", "int", 1073741824, 14),
    ("log.roll.ms", "long", None),
    ("log.roll.hours", "int", 168, 1),
    ("log.roll.jitter.ms", "long", None),
    ("log.roll.jitter.hours", "int", 0, 0),
    ("log.retention.ms", "long", None),
    ("log.retention.minutes", "int", None),
    ("log.retention.hours", "int", 168),
    ("log.retention.bytes", "long", -1),
    ("log.retention.check.interval.ms", "long", 300000, 1),
    ("log.cleanup.policy", "list", ("delete",), None, None, "compact, delete"),
    ("log.cleaner.min.cleanable.ratio", "float", 0.5, 0, 1),
    ("log.cleaner.delete.retention.ms", "long", 86400000, 0),
    ("log.cleaner.min.compaction.lag.ms", "long", 0, 0),
    ("log.cleaner.max.compaction.lag.ms", "long", LONG_MAX, 1),
    ("log.segment.delete.delay.ms", "long", 60000, 0),
    ("log.initial.task.delay.ms", "long", 30000, 0),
    ("message.max.bytes", "int", 1048588, 0),
    ("min.insync.replicas", "int", 1, 1),
    ("unclean.leader.election.enable", "bool", False),
    ("compression.type", "enum", "producer", None, None, "uncompressed, zstd, lz4, snappy, gzip, producer"),
    ("log.message.timestamp.type", "enum", "CreateTime", None, None, "CreateTime, LogAppendTime"),
    ("group.min.session.timeout.ms", "int", 6000),
    ("group.max.session.timeout.ms", "int", 1800000),
    ("group.initial.rebalance.delay.ms", "int", 3000),
    # GroupCoordinatorConfig.CONSUMER_GROUP_CONFIG_DEF (KIP-848); cross-checks in config.resolve_broker.
    ("group.consumer.session.timeout.ms", "int", 45000, 1),
    ("group.consumer.min.session.timeout.ms", "int", 45000, 1),
    ("group.consumer.max.session.timeout.ms", "int", 60000, 1),
    ("group.consumer.heartbeat.interval.ms", "int", 5000, 1),
    ("group.consumer.min.heartbeat.interval.ms", "int", 5000, 1),
    ("group.consumer.max.heartbeat.interval.ms", "int", 15000, 1),
    ("group.consumer.max.size", "int", INT32_MAX, 1),
    ("group.consumer.assignors", "list", ("org.apache.kafka.coordinator.group.assignor.UniformAssignor",
                                          "org.apache.kafka.coordinator.group.assignor.RangeAssignor")),
    # GroupCoordinatorConfig / ShareGroupConfig (KIP-932 share groups; Kafka 4.2 defaults and bounds);
    # cross-checks in config.resolve_broker.
    ("group.share.session.timeout.ms", "int", 45000, 1),
    ("group.share.min.session.timeout.ms", "int", 45000, 1),
    ("group.share.max.session.timeout.ms", "int", 60000, 1),
    ("group.share.heartbeat.interval.ms", "int", 5000, 1),
    ("group.share.min.heartbeat.interval.ms", "int", 5000, 1),
    ("group.share.max.heartbeat.interval.ms", "int", 15000, 1),
    ("group.share.max.size", "int", 200, 1, 1000),
    ("group.share.assignors", "list", ("simple",)),
    ("group.share.record.lock.duration.ms", "int", 30000, 1000, 3600000),
    ("group.share.min.record.lock.duration.ms", "int", 15000, 1000, 30000),
    ("group.share.max.record.lock.duration.ms", "int", 60000, 30000, 3600000),
    ("group.share.delivery.count.limit", "int", 5, 2, 10),
    ("group.share.partition.max.record.locks", "int", 2000, 100, 10000),
    ("group.share.max.share.sessions", "int", 2000, 1),
    ("offsets.topic.num.partitions", "int", 50, 1),
    ("offsets.topic.replication.factor", "int", 3, 1),
    ("offsets.topic.segment.bytes", "int", 104857600, 1),
    ("offsets.retention.minutes", "int", 10080, 1),
    ("offsets.retention.check.interval.ms", "long", 600000, 1),
    ("transaction.state.log.num.partitions", "int", 50, 1),
    ("transaction.max.timeout.ms", "int", 900000, 1),
    ("transactional.id.expiration.ms", "int", 604800000, 1),
    ("transaction.abort.timed.out.transaction.cleanup.interval.ms", "int", 10000, 1),
    ("transaction.partition.verification.enable", "bool", True),
    ("producer.id.expiration.ms", "int", 86400000, 1),
))

# Topic config -> the broker setting that supplies its default (LogConfig server default names).
TOPIC_BROKER_DEFAULTS: dict[str, str] = {
    "segment.bytes": "log.segment.bytes",
    "segment.ms": "log.roll.ms",
    "segment.jitter.ms": "log.roll.jitter.ms",
    "retention.bytes": "log.retention.bytes",
    "retention.ms": "log.retention.ms",
    "max.message.bytes": "message.max.bytes",
    "delete.retention.ms": "log.cleaner.delete.retention.ms",
    "min.compaction.lag.ms": "log.cleaner.min.compaction.lag.ms",
    "max.compaction.lag.ms": "log.cleaner.max.compaction.lag.ms",
    "file.delete.delay.ms": "log.segment.delete.delay.ms",
    "min.cleanable.dirty.ratio": "log.cleaner.min.cleanable.ratio",
    "cleanup.policy": "log.cleanup.policy",
    "unclean.leader.election.enable": "unclean.leader.election.enable",
    "min.insync.replicas": "min.insync.replicas",
    "compression.type": "compression.type",
    "message.timestamp.type": "log.message.timestamp.type",
}


# Group configs (``GroupConfig``; ``kafka-configs --entity-type groups``): the share-group ones. Each default
# is the broker setting named beside it. Ranges are the ConfigDef ones; the broker's min/max checks are in
# config.resolve_group. share.delivery.count.limit and share.partition.max.record.locks as group configs are
# KIP-1240 (release unverified, Confluent Platform 8.3 lists them).
GROUP_PROPS: tuple[Prop, ...] = tuple(_t(*row, scope="group") for row in (
    ("share.auto.offset.reset", "string", "latest"),
    ("share.isolation.level", "enum", "read_uncommitted", None, None, "read_committed, read_uncommitted"),
    ("share.record.lock.duration.ms", "int", None, 1000),
    ("share.session.timeout.ms", "int", None, 1),
    ("share.heartbeat.interval.ms", "int", None, 1),
    ("share.delivery.count.limit", "int", None, 2, 10),
    ("share.partition.max.record.locks", "int", None, 100, 10000),
))

# Group config -> the broker setting that supplies its default.
GROUP_BROKER_DEFAULTS: dict[str, str] = {
    "share.record.lock.duration.ms": "group.share.record.lock.duration.ms",
    "share.session.timeout.ms": "group.share.session.timeout.ms",
    "share.heartbeat.interval.ms": "group.share.heartbeat.interval.ms",
    "share.delivery.count.limit": "group.share.delivery.count.limit",
    "share.partition.max.record.locks": "group.share.partition.max.record.locks",
}
