"""What every client shares: configuration, finding the cluster, waiting in virtual time.

Owns ``ClientBase``: resolves the librdkafka configuration, connects to the cluster named by
``bootstrap.servers`` (or behaves like a client whose brokers are unreachable), serves
callbacks from ``poll``, and implements closed/crashed states. Standard library only.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from .. import config as _config
from ..broker import cluster as _cluster
from ..clock import VirtualClock
from ..errors import ERR, KafkaError, KafkaException
from .stats import stats_json

INFINITE_WAIT_CAP_MS = 300_000
INT32_MAX_MS = 2**31 - 1


def timeout_ms(timeout: Any, what: str, *, default_infinite: bool = True) -> int | None:
    """Convert a confluent-kafka timeout in seconds (float; -1 or None = infinite) to ms or None."""
    if timeout is None:
        return None if default_infinite else 0
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"{what}: timeout must be a number of seconds, got {type(timeout).__name__} {timeout!r}")
    if timeout < 0 or timeout * 1000 > INT32_MAX_MS:
        return None     # librdkafka's timeouts are int32 ms: a longer one waits as an infinite one does
    return round(timeout * 1000)


def _merge_default_topic_config(config: dict) -> dict:
    """confluent-kafka's legacy ``default.topic.config`` dict: its topic properties join the top level.

    Simplification: a property given at both levels takes the top-level value.
    """
    config = dict(config)
    nested = config.pop("default.topic.config")
    if not isinstance(nested, dict):
        raise TypeError(f"default.topic.config must be a dict, got {type(nested).__name__}")
    for name, value in nested.items():
        config.setdefault(name, value)
    return config


class ClientBase:
    """Configuration, cluster connection, callback queue and lifecycle shared by the clients."""

    _kind = "client"
    _closed_text = "Client closed"
    # Until __init__ runs (a subclass that skipped it) the client behaves as closed, as confluent-kafka's does.
    _closed = True
    _crashed = False

    def __init__(self, kind: str, config: Any, kwargs: dict) -> None:
        if config is None:
            if not kwargs:
                raise TypeError("expected configuration dict")
            config = {}
        if isinstance(config, dict) and "default.topic.config" in config:
            config = _merge_default_topic_config(config)
        self._closed = False
        self._crashed = False
        self._conf = _config.resolve_client(kind, config, **kwargs)
        self._client_id = self._conf["client.id"]
        self._latency_ms = self._conf["kafkalab.request.latency.ms"]
        self._error_cb: Callable | None = self._conf.get("error_cb")
        self._callbacks: deque[tuple[Callable, tuple]] = deque()
        cluster = _cluster.lookup(self._conf.get("bootstrap.servers"))
        self._cluster = cluster
        if cluster is None:
            self._clock = VirtualClock()
            self._name = f"{self._client_id}#{kind}-detached"
            self._clock.call_later(1, self._report_unreachable)
        else:
            self._clock = cluster.clock
            cluster._register(self)
            self._name = f"{self._client_id}#{kind}-{len(cluster._clients)}"
            cluster.trace.record("client_created", kind, client=self._name, client_id=self._client_id)
        self._created_ms = self._clock.now_ms
        self._stats_cb: Callable | None = self._conf.get("stats_cb")
        self._stats_ms = self._conf.get("statistics.interval.ms", 0) if self._stats_cb is not None else 0
        self._stats_next_ms = self._created_ms + self._stats_ms

    # -- lifecycle ------------------------------------------------------------------------------
    def _check_usable(self) -> None:
        if self._crashed:
            raise KafkaException(KafkaError(
                ERR._DESTROY, f"{self._kind} crashed (cluster.crash): the process is gone; create a new one"))
        if self._closed:
            raise RuntimeError(self._closed_text)

    def __bool__(self) -> bool:
        """A client is always true (``Producer.__len__`` counts messages, but ``if producer:`` holds)."""
        return True

    def __enter__(self):
        self._check_usable()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        """Leaving ``with Client(conf) as c:`` closes the client, as confluent-kafka 2.x does."""
        if self._alive:
            self._exit_close()

    def _exit_close(self) -> None:
        self.close()

    def _crash(self) -> None:
        if self._crashed or self._closed:
            return
        self._crashed = True
        self._callbacks.clear()
        self._on_crash()
        if self._cluster is not None:
            self._cluster.trace.record("client_crashed", "cluster.crash(): process died", client=self._name,
                                       client_id=self._client_id)

    def _on_crash(self) -> None:
        """Stop timers and forget in-memory state (overridden)."""

    @property
    def _alive(self) -> bool:
        return not (self._crashed or self._closed)

    # -- network --------------------------------------------------------------------------------
    def _send(self, fn: Callable, *args: Any) -> None:
        """Deliver a request to the broker after the modelled one-way latency.

        A request already sent still arrives after the client crashes (it is on the wire).
        """
        self._clock.call_later(self._latency_ms, fn, *args)

    def _respond(self, fn: Callable, *args: Any) -> None:
        """Deliver a response back to this client after the latency; dropped if it died meanwhile."""
        self._clock.call_later(self._latency_ms, self._deliver_response, fn, args)

    def _deliver_response(self, fn: Callable, args: tuple) -> None:
        if not self._crashed and not self._closed:
            fn(*args)

    def _report_unreachable(self) -> None:
        """A client whose bootstrap servers do not exist reports the broker as down, as librdkafka does."""
        if not self._alive:
            return
        servers = self._conf.get("bootstrap.servers") or "(none)"
        err = KafkaError(ERR._ALL_BROKERS_DOWN, f"{servers}: 1/1 brokers are down (no kafkalab cluster with "
                                                f"that bootstrap.servers exists; use cluster.bootstrap_servers)")
        if self._error_cb is not None:
            self._callbacks.append((self._error_cb, (err,)))

    # -- waiting --------------------------------------------------------------------------------
    # -- statistics -------------------------------------------------------------------------------
    def _stats_check(self) -> None:
        """Queue one ``stats_cb`` event if a ``statistics.interval.ms`` boundary has passed.

        Simplification: intervals that passed while nobody polled or waited (``cluster.advance``)
        give one event, with the statistics of now; no timer runs between polls, so an idle client
        costs nothing.
        """
        if not self._stats_ms or self._clock.now_ms < self._stats_next_ms or not self._alive:
            return
        periods = (self._clock.now_ms - self._stats_next_ms) // self._stats_ms + 1
        self._stats_next_ms += periods * self._stats_ms
        self._callbacks.append((self._stats_cb, (stats_json(self),)))

    def _serve_callbacks(self) -> int:
        self._stats_check()
        served = 0
        callbacks = self._callbacks
        while callbacks and not self._crashed:
            fn, args = callbacks.popleft()
            fn(*args)
            served += 1
        return served

    def _wait_until(self, ready: Callable[[], bool], wait_ms: int | None) -> bool:
        """Advance the shared clock until ``ready()`` or ``wait_ms`` passed; True if ready.

        Simplification: an infinite wait (timeout None or -1) moves virtual time only while
        something is scheduled, and at most ``INFINITE_WAIT_CAP_MS`` (5 virtual minutes), so a
        notebook cell never hangs.
        """
        clock = self._clock
        self._stats_check()
        if ready():
            return True
        if self._stats_ms:
            timer = clock.call_at(self._stats_next_ms, self._stats_check)
            try:
                return self._wait_for(ready, wait_ms)
            finally:
                timer.cancel()
        return self._wait_for(ready, wait_ms)

    def _wait_for(self, ready: Callable[[], bool], wait_ms: int | None) -> bool:
        clock = self._clock
        if wait_ms is None:
            deadline = clock.now_ms + INFINITE_WAIT_CAP_MS
            while True:
                nxt = clock.next_time_ms()
                if nxt is None or nxt > deadline:
                    return ready()
                if clock.run_until(nxt, ready):
                    return True
        return clock.run_until(clock.now_ms + wait_ms, ready)

    def _require_cluster(self, what: str):
        if self._cluster is None:
            raise KafkaException(KafkaError(ERR._TRANSPORT, f"{what}: Local: Broker transport failure "
                                            f"(bootstrap.servers {self._conf.get('bootstrap.servers')!r} names "
                                            f"no kafkalab cluster)"))
        return self._cluster

    def cluster_id(self, timeout: float = -1) -> str | None:
        """The cluster id (None when no broker answers, as confluent-kafka's after its timeout)."""
        self._check_usable()
        timeout_ms(timeout, "cluster_id")
        return None if self._cluster is None else self._cluster.name

    def set_sasl_credentials(self, username: str, password: str) -> None:
        """Accepted and ignored: kafkalab has no SASL (confluent-kafka: sets SASL/PLAIN or SCRAM credentials)."""
        self._check_usable()
        if not isinstance(username, str) or not isinstance(password, str):
            raise TypeError("set_sasl_credentials: username and password must be str")

    def list_topics(self, topic: str | None = None, timeout: float = -1):
        """Cluster metadata: brokers and topics with their partitions.

        Kafka: ``Metadata`` request; confluent-kafka ``list_topics`` returning ``ClusterMetadata``.
        """
        self._check_usable()
        timeout_ms(timeout, "list_topics")
        from .admin import cluster_metadata
        return cluster_metadata(self._require_cluster("Failed to get metadata"), topic)
