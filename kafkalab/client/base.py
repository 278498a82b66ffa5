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
from ..broker import apis as _apis
from ..broker import cluster as _cluster
from ..clock import VirtualClock
from ..errors import ERR, KafkaError, KafkaException
from .metadata import cluster_metadata
from .stats import stats_json

INFINITE_WAIT_CAP_MS = 300_000
INT32_MAX_MS = 2**31 - 1


def is_instant(client: ClientBase, api: str, fields: dict) -> bool:
    """The one exception to the request latency: requests answered when sent (see ``ClientBase._request``).

    - every request of the admin client (every ``AdminClient`` future is done when returned);
    - ``Metadata`` from any client: kafkalab's clients know the cluster's metadata at once
      (librdkafka keeps a metadata cache that Metadata requests refresh in the background);
    - ``InitProducerId`` without a transactional id: an idempotent producer has its producer id
      when it is created (librdkafka sends that request before the first batch).
    """
    return client._instant or api == "Metadata" or (api == "InitProducerId" and fields.get("transactional_id")
                                                    is None)


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


def admin_request(cluster: Any, api: str, /, **fields: Any) -> Any:
    """An admin tool's request with no client object (``describe_groups_text``): instant, as the admin client's.

    Returns the handler's response (``broker.apis.handle``); the handler must answer at once.
    """
    out: list = []
    _apis.handle(cluster, api, lambda response, extra_delay_ms=0: out.append(response), **fields)
    return out[0]


class InFlightRequest:
    """One request a client sent: on the wire, at the broker, or answered.

    Made by ``ClientBase._request``. ``done`` and ``response`` are set when the reply is delivered
    to the client. Kafka: the Java client's ``ClientRequest`` / ``InFlightRequests``, librdkafka's
    ``rd_kafka_buf_t``.
    """

    __slots__ = ("client", "api", "reply", "fields", "instant", "arrived", "responded", "cancelled", "done",
                 "response", "handle", "deadline_ms", "on_timeout", "timer")

    def __init__(self, client: ClientBase, api: str, reply: Callable | None, fields: dict, instant: bool) -> None:
        self.client = client
        self.api = api
        self.reply = reply
        self.fields = fields
        self.instant = instant
        self.arrived = False
        self.responded = False
        self.cancelled = False
        self.done = False
        self.response: Any = None
        self.handle: Any = None
        self.deadline_ms: int | None = None
        self.on_timeout: tuple | None = None
        self.timer: Any = None

    def __repr__(self) -> str:
        state = ("cancelled" if self.cancelled else "done" if self.done else "responded" if self.responded
                 else "at broker" if self.arrived else "on the wire")
        return f"InFlightRequest({self.api}, {state})"

    def set_timeout(self, deadline_ms: int, fn: Callable, *args: Any) -> None:
        """Call ``fn(*args)`` at ``deadline_ms`` unless the reply is delivered before it (the request timeout).

        Set it right after ``_request``. The timer is armed only once the broker has handled the
        request and its reply would not arrive in time (lost, late, or held): replies are lost or late
        only through faults, so this is the same as arming it at send time, without a timer per request.
        """
        self.deadline_ms = deadline_ms
        self.on_timeout = (fn, args)

    def stop_timeout(self) -> None:
        """Stop the request timeout (the caller no longer needs it); the reply still comes."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def cancel(self) -> None:
        """The client gives up: the reply is dropped and the request timeout stopped.

        A request the broker holds (a long poll) is cancelled through the handle its handler returned.
        Simplification: a request still on the wire is withdrawn (the broker never handles it);
        Kafka's broker would handle it and the client would ignore the response.
        """
        self.cancelled = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        handle = self.handle
        if handle is not None:
            self.handle = None
            handle.cancel()

    def arrive(self) -> None:
        """At the broker: run the API's handler (``broker.apis.handle``) with ``respond`` as its reply."""
        if self.cancelled:
            return
        self.arrived = True
        self.handle = _apis.handle(self.client._cluster, self.api, self.respond, **self.fields)
        if self.deadline_ms is not None and not self.responded and self.reply is not None:
            self._arm_timeout()

    def respond(self, response: Any, extra_delay_ms: int = 0) -> None:
        """The broker's answer: deliver ``reply(response)`` to the client after the latency (+ ``extra_delay_ms``).

        A fault that loses the response simply never calls this.
        """
        self.responded = True
        if self.reply is None:
            return
        if self.instant:
            self.deliver(response)
            return
        client = self.client
        clock = client._clock
        due = clock.now_ms + client._latency_ms + extra_delay_ms
        if self.deadline_ms is not None:
            if due >= self.deadline_ms:
                if self.timer is None:
                    self._arm_timeout()
            elif self.timer is not None:
                self.timer.cancel()
                self.timer = None
        clock.call_at(due, self.deliver, response)

    def deliver(self, response: Any) -> None:
        """Back at the client: call the reply, unless the client crashed or closed, or gave up on it."""
        client = self.client
        if self.cancelled or client._crashed or client._closed:
            return
        self.done = True
        self.response = response
        self.reply(response)

    def _arm_timeout(self) -> None:
        fn, args = self.on_timeout
        self.timer = self.client._clock.call_at(self.deadline_ms, fn, *args)


def _ignore(response: Any) -> None:
    """The reply of a blocking request: ``_roundtrip`` reads ``InFlightRequest.response``."""


class ClientCore:
    """Configuration, cluster connection, callback queue and lifecycle shared by every client.

    ``ClientBase`` adds the metadata calls (``cluster_id``, ``list_topics``) that confluent-kafka's
    Producer, Consumer and AdminClient have and its ShareConsumer does not.
    """

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
        self._instant = self._kind == "admin"      # the one exception to the request latency: see is_instant
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
            self._name = f"{self._client_id}#{kind}-{cluster.register_client(self)}"
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
    def _request(self, api: str, reply: Callable | None, /, **fields: Any) -> InFlightRequest:
        """Send the Kafka request ``api`` (``broker.apis.API_KEYS``) with ``fields``: the one way to the broker.

        The request arrives after ``kafkalab.request.latency.ms`` (a clock timer); there
        ``broker.apis.handle(cluster, api, respond, **fields)`` runs the API's handler, whose
        ``respond(response, extra_delay_ms=0)`` delivers ``reply(response)`` back here after the
        latency again (+ the extra delay a fault adds). A reply is dropped if the client crashed or
        closed meanwhile; a request already sent still arrives after a crash (it is on the wire).
        ``reply=None``: no reply is wanted and none is scheduled (fire and forget).

        The one exception, ``is_instant`` (the admin client; Metadata; an idempotent producer's
        InitProducerId): such a request is handled when called and its reply delivered before
        ``_request`` returns; no virtual time passes.

        Returns the ``InFlightRequest`` (``cancel``, ``set_timeout``, ``done``, ``response``).
        The caller checks that a cluster is there (``_require_cluster``) first.
        """
        instant = is_instant(self, api, fields)
        req = InFlightRequest(self, api, reply, fields, instant)
        if instant:
            req.arrive()
        else:
            self._clock.call_later(self._latency_ms, req.arrive)
        return req

    def _roundtrip(self, api: str, /, **fields: Any) -> Any:
        """A blocking request: send ``api``, wait for the reply (running the clock), return the response.

        The wait ends with the millisecond the reply arrived in (every timer due then runs), as if
        the caller had slept for the round trip. Raises ``KafkaException`` ``_DESTROY`` if the client
        crashed or closed before the reply came.
        """
        req = self._request(api, _ignore, **fields)
        if not req.done:
            self._wait_until(lambda: req.done or not self._alive, None)
            if req.done:
                self._clock.run_until(self._clock.now_ms)
        if not req.done:
            raise KafkaException(KafkaError(ERR._DESTROY, f"{api}: {self._kind} crashed or closed while waiting "
                                                          f"for the response"))
        return req.response

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


class ClientBase(ClientCore):
    """A client with confluent-kafka's metadata calls: Producer, Consumer, AdminClient."""

    def cluster_id(self, timeout: float = -1) -> str | None:
        """The cluster id (None when no broker answers, as confluent-kafka's after its timeout)."""
        self._check_usable()
        timeout_ms(timeout, "cluster_id")
        return None if self._cluster is None else self._roundtrip("Metadata", topics=[]).cluster_id

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
        self._require_cluster("Failed to get metadata")
        if topic is not None and not isinstance(topic, str):
            raise TypeError(f"list_topics: topic must be str or None, got {topic!r}")
        return cluster_metadata(self._roundtrip("Metadata", topics=None if topic is None else [topic]))
