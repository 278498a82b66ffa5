"""Configuration: resolve and validate client, topic and broker settings as Kafka does.

Owns ``resolve_client`` (librdkafka's single property namespace, confluent-kafka's Python-side keys,
librdkafka's error texts), ``check_producer``/``check_consumer`` (construction-time cross checks),
``resolve_topic`` and ``resolve_broker`` (Kafka ConfigDef texts). The tables are in ``_config_tables``.
Imports only the standard library and ``errors``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from . import _config_tables as _t
from ._config_tables import Prop
from .errors import ERR, KafkaError, KafkaException, invalid_arg

__all__ = ["ClientConfig", "Prop", "check_consumer", "check_producer", "check_share_consumer",
           "check_share_consumer_keys", "resolve_broker", "resolve_client", "resolve_topic"]

CLIENT_TABLE: dict[str, Prop] = {p.name: p for p in _t.CLIENT_PROPS}
_ORDER = {p.name: i for i, p in enumerate(_t.CLIENT_PROPS)}
_PY_KEYS = tuple(p.name for p in _t.CLIENT_PROPS if p.type == "callable")
_KINDS = ("producer", "consumer")
_STRTOL = re.compile(r"[ \t\n\v\f\r]*([+-]?)(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))")
_STRTOD = re.compile(r"[ \t\n\v\f\r]*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class ClientConfig(dict):
    """A resolved client configuration: canonical librdkafka name -> typed value (a plain dict).

    Every property of the client's kind is present, defaults filled. Extra attributes: ``kind``,
    ``warnings`` (librdkafka CONFWARN texts), ``given`` (canonical names set explicitly) and ``raw``
    (the text of each given value, as confluent-kafka passed it to librdkafka).

    Kafka: librdkafka ``rd_kafka_conf_t`` after ``rd_kafka_conf_set`` calls.
    """

    __slots__ = ("given", "kind", "raw", "warnings")

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.warnings: list[str] = []
        self.given: set[str] = set()
        self.raw: dict[str, str | None] = {}


# -- client values ----------------------------------------------------------------------------------
def _text(value: Any) -> str | None:
    """The string confluent-kafka hands to librdkafka (``str()``); None and "" mean no value."""
    text = value if value is None or isinstance(value, str) else str(value)
    return text or None


def _empty(prop: Prop) -> KafkaException:
    label = {"int": "Integer configuration", "float": "Float configuration", "bool": "Bool configuration"}
    return invalid_arg(f'{label.get(prop.type, "Configuration")} property "{prop.name}" cannot be set to '
                       "empty value")


def _parse_number(prop: Prop, text: str) -> int | float:
    """C ``strtol(text, &end, 0)`` cast from long to int, or ``strtod``, as librdkafka parses numbers.

    Simplification: strtod's inf, nan and hex-float spellings are rejected.
    """
    named = _t.INT_NAMES.get(prop.name, {}).get(text.lower())
    if named is not None:
        return named
    m = (_STRTOL if prop.type == "int" else _STRTOD).match(text)
    if m is None:
        raise invalid_arg(f'Invalid value for configuration property "{prop.name}"')
    if prop.type == "float":
        return float(m.group(0))
    sign, hex_digits, octal, decimal = m.groups()
    value = int(hex_digits, 16) if hex_digits else int(octal, 8) if octal else int(decimal)
    value = max(-_t.LONG_MAX - 1, min(_t.LONG_MAX, -value if sign == "-" else value)) & 0xFFFFFFFF
    return value - (1 << 32) if value > _t.INT32_MAX else value


def _parse_bool(name: str, text: str) -> bool:
    low = text.lower()
    if low in ("true", "t") or text == "1":
        return True
    if low in ("false", "f") or text == "0":
        return False
    raise invalid_arg(f'Expected bool value for "{name}": true or false')


def _parse_enum(prop: Prop, text: str) -> str:
    for allowed in prop.allowed or ():
        if allowed.lower() == text.lower():
            return allowed
    raise invalid_arg(f'Invalid value "{text}" for configuration property "{prop.name}"')


def _parse_str(prop: Prop, text: str | None) -> str | list[str] | None:
    if prop.type == "list":  # a plain string to librdkafka; its assignor parser skips blanks and commas
        return [t.lstrip(" ") for t in text.split(",") if t.lstrip(" ")] if text else list(prop.default)
    text = text.lstrip() if text else None
    if prop.allowed is not None and text not in prop.allowed:
        raise invalid_arg(f'Invalid value for configuration property "{prop.name}": {text or "(null)"}')
    return text or prop.default


def _coerce(prop: Prop, value: Any) -> Any:
    """Convert one user value to the property's type, raising librdkafka's errors."""
    text, kind = _text(value), prop.type
    if kind in ("str", "list") and (kind == "str" or prop.allowed is None):
        return _parse_str(prop, text)
    if text is None:
        raise _empty(prop)
    if kind == "bool":
        return _parse_bool(prop.name, text)
    if kind == "enum":
        return _parse_enum(prop, text)
    if kind == "list":  # CSV flags such as debug
        return [_parse_enum(prop, item.strip()) for item in text.split(",") if item.strip()]
    number = _parse_number(prop, text)
    lo, hi = prop.range  # type: ignore[misc]
    if not lo <= number <= hi:  # type: ignore[operator]
        # librdkafka prints integers with %d, floats (value and bounds) with %g.
        shown = f"{number} is outside allowed range {lo}..{hi}" if kind == "int" else \
            f"{number:g} is outside allowed range {lo:g}..{hi:g}"
        raise invalid_arg(f'Configuration property "{prop.name}" value {shown}\n')
    return number if kind == "int" else math.ceil(number)


def _lookup(name: str) -> Prop:
    canonical = _t.CLIENT_ALIASES.get(name, name)
    prop = CLIENT_TABLE.get(canonical)
    if prop is None or prop.type == "callable":
        if name in _t.DEDICATED_API:
            raise invalid_arg(f'Property "{name}" must be set through dedicated .._set_..() function')
        raise invalid_arg(f'No such configuration property: "{name}"')
    return prop


def _set_python_key(cfg: ClientConfig, name: str, value: Any) -> None:
    """confluent-kafka's own keys and its exact checks (``confluent_kafka.c``, ``Producer.c``)."""
    if name in ("on_delivery", "on_commit") and not callable(value):
        raise invalid_arg(f"{name} requires a callable object")
    if name in ("error_cb", "stats_cb", "oauth_cb") and not callable(value):
        raise TypeError(f"expected {name} property as a callable function")
    if name == "throttle_cb" and not callable(value):
        raise ValueError("expected throttle_cb property as a callable function")
    cfg[name] = value
    cfg.given.add(name)


def _defaults(kind: str, semantics: str) -> dict[str, Any]:
    table = {p.name: p.default for p in _t.CLIENT_PROPS if p.scope in ("*", kind)}
    table.update(_t.KIND_DEFAULTS[kind])
    if semantics == "java":
        table.update({k: v for k, v in _t.JAVA_DEFAULTS.items() if k in table})
    return table


_DEFAULTS = {(kind, sem): _defaults(kind, sem) for kind in _KINDS for sem in ("librdkafka", "java")}


def resolve_client(kind: str, conf: Any, **kwargs: Any) -> ClientConfig:
    """Resolve a confluent-kafka configuration dict (plus keyword overrides) for one client.

    Aliases map to canonical names (``linger.ms`` -> ``queue.buffering.max.ms``), values are coerced
    as librdkafka coerces them (``acks="all"`` is -1, ``"true"``/``1`` are booleans), defaults are
    filled (Java client defaults when ``kafkalab.client.semantics`` is ``java``; explicit values win),
    and a property of the other client type only adds a CONFWARN text to ``warnings``.

    Kafka: librdkafka ``rd_kafka_conf_set`` (``rdkafka_conf.c``); confluent-kafka ``common_conf_setup``.

    Args:
        kind: ``"producer"`` or ``"consumer"``.
        conf: the configuration dict; keyword arguments are merged over it and win.

    Returns:
        A ``ClientConfig`` (a dict keyed by canonical names) with ``warnings``, ``given`` and ``raw``.

    Raises:
        TypeError: ``conf`` is not a dict, or ``error_cb``/``stats_cb``/``oauth_cb`` is not callable.
        KafkaException: ``_INVALID_ARG`` with librdkafka's text for an unknown property or a bad value.

    >>> cfg = resolve_client("producer", {"linger.ms": "20", "acks": "all"})
    >>> cfg["queue.buffering.max.ms"], cfg["request.required.acks"], sorted(cfg.given)
    (20, -1, ['queue.buffering.max.ms', 'request.required.acks'])
    """
    if kind not in _KINDS:
        raise ValueError(f"resolve_client: kind must be 'producer' or 'consumer', got {kind!r}")
    if not isinstance(conf, dict):
        raise TypeError("expected configuration dict")
    merged = {str(key): value for key, value in {**conf, **kwargs}.items()}
    cfg = ClientConfig(kind)
    for name in _PY_KEYS:
        if name in merged and CLIENT_TABLE[name].scope in ("*", kind):
            _set_python_key(cfg, name, merged.pop(name))
    for key, value in merged.items():
        prop = _lookup(key)
        cfg[prop.name] = _coerce(prop, value)
        cfg.raw[prop.name] = _text(value)
        cfg.given.add(prop.name)
    semantics = cfg.get("kafkalab.client.semantics", "librdkafka")
    for name, default in _DEFAULTS[kind, semantics].items():
        if name not in cfg:
            cfg[name] = list(default) if isinstance(default, tuple) else default
    other = "consumer" if kind == "producer" else "producer"
    for name in sorted((n for n in cfg.given if CLIENT_TABLE[n].scope == other), key=_ORDER.__getitem__):
        cfg.warnings.append(f"Configuration property {name} is a {other} property and will be ignored by "
                            f"this {kind} instance")
    return cfg


# -- construction-time cross checks -----------------------------------------------------------------
def _fail(kind: str, text: str) -> KafkaException:
    return invalid_arg(f"Failed to create {kind}: {text}")


def check_producer(cfg: ClientConfig) -> None:
    """Apply librdkafka's producer finalization to ``cfg`` in place, or raise its error.

    ``transactional.id`` turns idempotence on unless it was set false explicitly; idempotence forces
    ``acks=all`` and ``max.in.flight<=5`` (rejecting explicit conflicts); a transactional producer's
    ``message.timeout.ms`` defaults to ``transaction.timeout.ms``. In java semantics, a default
    (not explicit) idempotence is silently turned off when other explicit settings conflict.

    Kafka: librdkafka ``rd_kafka_conf_finalize`` / ``rd_kafka_topic_conf_finalize``; Java KIP-679.

    Raises:
        KafkaException: ``_INVALID_ARG``, "Failed to create producer: ..." (texts verified, 2.16.1).
    """
    given, txn, idem = cfg.given, cfg.get("transactional.id"), "enable.idempotence"
    if cfg["kafkalab.client.semantics"] == "java" and idem not in given and not txn:
        cfg[idem] = (cfg["request.required.acks"] == -1 and cfg["message.send.max.retries"] >= 1
                     and cfg["max.in.flight.requests.per.connection"] <= 5)
    tmo = cfg["transaction.timeout.ms"]
    if txn:
        if not cfg[idem] and idem in given:
            raise _fail("producer", "`transactional.id` requires `enable.idempotence=true`")
        cfg[idem] = True
        _adjust(cfg, "socket.timeout.ms", max(tmo - 100, 900), lambda v: v <= tmo + 100,
                "`socket.timeout.ms` must be set <= `transaction.timeout.ms` + 100")
    if cfg[idem]:
        inflight = "max.in.flight.requests.per.connection"
        _adjust(cfg, inflight, min(cfg[inflight], 5), lambda v: v <= 5,
                "`max.in.flight` must be set <= 5 when `enable.idempotence` is true")
        _adjust(cfg, "message.send.max.retries", _t.INT32_MAX, lambda v: v >= 1,
                "`retries` must be set >= 1 when `enable.idempotence` is true")
        _adjust(cfg, "request.required.acks", -1, lambda v: v == -1,
                "`acks` must be set to `all` when `enable.idempotence` is true")
    elif cfg["enable.gapless.guarantee"]:
        raise _fail("producer", "`enable.gapless.guarantee` requires `enable.idempotence` to be enabled")
    if txn:
        _adjust(cfg, "message.timeout.ms", tmo, lambda v: v <= tmo,
                "`message.timeout.ms` must be set <= `transaction.timeout.ms`")


def _adjust(cfg: ClientConfig, name: str, value: Any, is_valid: Callable[[Any], bool], text: str) -> None:
    """Set ``name`` to ``value`` unless the user set it; an explicit value must pass ``is_valid``."""
    if name not in cfg.given:
        cfg[name] = value
    elif not is_valid(cfg[name]):
        raise _fail("producer", text)


def check_consumer(cfg: ClientConfig) -> None:
    """Raise the construction errors of a confluent-kafka ``Consumer`` for ``cfg``.

    Checks, in librdkafka's order: ``group.id`` present; ``fetch.min.bytes`` within 1..100000000;
    no client-side group settings under ``group.protocol=consumer`` (``session.timeout.ms``,
    ``partition.assignment.strategy``, ``group.protocol.type``, ``heartbeat.interval.ms``: set at all, even
    to the default; librdkafka ``rd_kafka_conf_finalize``); under ``classic``,
    ``max.poll.interval.ms`` >= ``session.timeout.ms`` (Java does not check it); known assignors that (under
    librdkafka semantics) share one protocol type. librdkafka does not compare
    ``heartbeat.interval.ms`` with ``session.timeout.ms`` (verified), so neither does kafkalab.

    Kafka: confluent-kafka ``Consumer_init``; librdkafka ``rd_kafka_conf_finalize``,
    ``rd_kafka_assignors_init``. Java instead allows mixed lists such as its default
    ``[RangeAssignor, CooperativeStickyAssignor]``, so java semantics skip the mixing check.

    Raises:
        ValueError: "Failed to create consumer: group.id must be set".
        KafkaException: ``_INVALID_ARG``, "Failed to create consumer: ..." (texts verified, 2.16.1).
    """
    if not cfg.get("group.id"):
        raise ValueError("Failed to create consumer: group.id must be set")
    if not 1 <= cfg["fetch.min.bytes"] <= 100000000:
        raise _fail("consumer", 'Configuration property "fetch.min.bytes" value is outside allowed range '
                                "1..100000000")
    if cfg["group.protocol"] == "consumer":
        broker_side = " or share consumer. It is defined broker side"
        for name, tail in (("session.timeout.ms", broker_side),
                           ("partition.assignment.strategy", ". Use `group.remote.assignor` instead"),
                           ("group.protocol.type", " or share consumer"),
                           ("heartbeat.interval.ms", broker_side)):
            if name in cfg.given:
                raise _fail("consumer", f"`{name}` is not supported for `group.protocol=consumer`{tail}")
        return
    if cfg["max.poll.interval.ms"] < cfg["session.timeout.ms"] and cfg["kafkalab.client.semantics"] != "java":
        raise _fail("consumer", "`max.poll.interval.ms`must be >= `session.timeout.ms`")
    _check_assignors(cfg)


# librdkafka 2.16's share-consumer refusals, in the order it checks them (verified one by one on 2.16.1).
_NOT_APPLICABLE_EARLY = ("enable.auto.commit", "group.protocol", "partition.assignment.strategy", "group.instance.id",
                         "isolation.level", "group.remote.assignor", "queued.min.messages",
                         "queued.max.messages.kbytes", "fetch.queue.backoff.ms", "fetch.error.backoff.ms",
                         "enable.partition.eof")
_NOT_APPLICABLE_LATE = ("auto.offset.reset", "consume.callback.max.messages")
_BROKER_SIDE = " or share consumer. It is defined broker side"
_NOT_SUPPORTED = (("session.timeout.ms", _BROKER_SIDE), ("group.protocol.type", " or share consumer"),
                  ("heartbeat.interval.ms", _BROKER_SIDE))


def check_share_consumer_keys(conf: dict) -> None:
    """The checks confluent-kafka's ``ShareConsumer`` makes on the dict itself, before librdkafka sees it.

    ``on_commit`` is refused first; then ``group.id`` must be present. Simplification: ``group.id`` ""
    or None is refused here too (confluent-kafka 2.16.1 constructs that consumer and fails in ``close()``
    with ``_UNKNOWN_GROUP``).

    Raises:
        ValueError: "on_commit is not supported on ShareConsumer" /
            "Failed to create consumer: group.id must be set" (texts verified, 2.16.1).
    """
    if "on_commit" in conf:
        raise ValueError("on_commit is not supported on ShareConsumer")
    if conf.get("group.id") in (None, ""):
        raise ValueError("Failed to create consumer: group.id must be set")


def check_share_consumer(cfg: ClientConfig) -> None:
    """Raise the construction errors of a confluent-kafka ``ShareConsumer`` for a resolved consumer ``cfg``.

    A property that a share consumer does not use is refused when set at all, even to its default
    (librdkafka ``rd_kafka_conf_finalize`` for share consumers), in librdkafka's order. Producer
    properties only add a CONFWARN text (``cfg.warnings``, as for every client); ``max.poll.interval.ms``,
    ``enable.auto.offset.store``, ``auto.commit.interval.ms``, ``max.in.flight`` and
    ``max.poll.records`` are accepted. Group-level share settings (``share.auto.offset.reset``,
    ``share.isolation.level``, ``share.record.lock.duration.ms``) are not client properties at all and fail
    as unknown in ``resolve_client``.

    Raises:
        ValueError: "Failed to create share consumer: ..." (texts verified, 2.16.1).
    """
    given = cfg.given
    for name in _NOT_APPLICABLE_EARLY:
        if name in given:
            raise ValueError(f"Failed to create share consumer: `{name}` is not applicable for share consumer")
    if "allow.auto.create.topics" in given:
        raise ValueError("Failed to create share consumer: allow.auto.create.topics is currently not supported for "
                         "share consumer and will be enabled in the General Availability (GA) release")
    for name in _NOT_APPLICABLE_LATE:
        if name in given:
            raise ValueError(f"Failed to create share consumer: `{name}` is not applicable for share consumer")
    for name, tail in _NOT_SUPPORTED:
        if name in given:
            raise ValueError(f"Failed to create share consumer: `{name}` is not supported for "
                             f"`group.protocol=consumer`{tail}")


def _check_assignors(cfg: ClientConfig) -> None:
    names = cfg["partition.assignment.strategy"]
    for name in names:
        if name not in _t.EAGER_ASSIGNORS and name not in _t.COOPERATIVE_ASSIGNORS:
            raise _fail("consumer", f"Unsupported partition.assignment.strategy: {name}")
    kinds = {name in _t.COOPERATIVE_ASSIGNORS for name in names}
    if len(kinds) > 1 and cfg["kafkalab.client.semantics"] != "java":
        given = cfg.raw.get("partition.assignment.strategy") or ",".join(names)
        raise _fail("consumer", f"All partition.assignment.strategy ({given}) assignors must have the same "
                                "protocol type, online migration between assignors with different protocol "
                                "types is not supported")


# -- topic and broker configs (Kafka ConfigDef) -----------------------------------------------------
TOPIC_TABLE: dict[str, Prop] = {p.name: p for p in _t.TOPIC_PROPS}
BROKER_TABLE: dict[str, Prop] = {p.name: p for p in _t.BROKER_PROPS}
_JAVA_TYPE = {"int": "INT", "long": "LONG", "float": "DOUBLE"}
_JAVA_INT = re.compile(r"[+-]?[0-9]+")
_JAVA_DOUBLE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[dDfF]?")


def _invalid_config(text: str) -> KafkaException:
    return KafkaException(KafkaError(ERR.INVALID_CONFIG, text))


def _config_exception(name: str, value: Any, message: str) -> KafkaException:
    """Kafka's ``ConfigException(name, value, message)`` text, as the broker returns it."""
    return _invalid_config(f"Invalid value {value} for configuration {name}: {message}")


def _java_parse(prop: Prop, value: Any) -> Any:
    """``ConfigDef.parseType`` for a value sent as a string (Python values are sent as ``str()``)."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    shown = value
    text = str(value).strip()
    kind = prop.type
    if kind in ("int", "long"):
        limit = _t.INT32_MAX if kind == "int" else _t.LONG_MAX
        if not _JAVA_INT.fullmatch(text) or not -limit - 1 <= int(text) <= limit:
            raise _config_exception(prop.name, shown, f"Not a number of type {_JAVA_TYPE[kind]}")
        return int(text)
    if kind == "float":
        if not _JAVA_DOUBLE.fullmatch(text):
            raise _config_exception(prop.name, shown, "Not a number of type DOUBLE")
        return float(text.rstrip("dDfF"))
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            raise _config_exception(prop.name, shown, "Expected value to be either true or false")
        return text.lower() == "true"
    if kind == "list":
        return re.split(r"\s*,\s*", text) if text else []
    return text


def _java_validate(prop: Prop, value: Any) -> None:
    """``Range.atLeast/between``, ``ValidString.in`` and ``ValidList.in``."""
    if prop.range is not None and value is not None:
        lo, hi = prop.range
        if value < lo:
            raise _config_exception(prop.name, value, f"Value must be at least {lo}")
        if hi is not None and value > hi:
            raise _config_exception(prop.name, value, f"Value must be no more than {hi}")
    if prop.allowed is not None:
        for item in value if prop.type == "list" else [value]:
            if item not in prop.allowed:
                raise _config_exception(prop.name, item, f"String must be one of: {', '.join(prop.allowed)}")


def _resolve(table: dict[str, Prop], conf: dict | None, unknown: str, defaults: dict) -> dict[str, Any]:
    conf = {} if conf is None else conf
    if not isinstance(conf, dict):
        raise TypeError(f"expected a config dict, got {type(conf).__name__}")
    for name in conf:
        if name not in table:
            raise _invalid_config(f"{unknown}: {name}")
    resolved: dict[str, Any] = {}
    for name, prop in table.items():
        if name in conf:
            # Not verified: the broker's exact text for a null config value.
            if conf[name] is None:
                raise _invalid_config(f"Null value not supported for topic configs: {name}")
            value = _java_parse(prop, conf[name])
        else:
            value = defaults.get(name, prop.default)
            value = list(value) if isinstance(value, (tuple, list)) else value
        _java_validate(prop, value)
        resolved[name] = value
    return resolved


def resolve_topic(conf: dict | None, broker: dict | None = None) -> dict[str, Any]:
    """Resolve a topic's configs: Kafka's topic config names -> typed values, defaults filled.

    Unset configs take the broker's default (``log.retention.ms`` for ``retention.ms`` ...) when a
    resolved ``broker`` dict is given, else Kafka's own default. ``cleanup.policy`` is a list.

    Kafka: ``LogConfig`` (3.x) via ``CreateTopics``. Simplification: ``segment.bytes`` keeps 3.x's
    minimum of 14, not 4.0's 1048576 (KIP-1030), so that notebooks can roll tiny segments.

    Raises:
        KafkaException: ``INVALID_CONFIG`` (40), e.g. "Unknown topic config name: foo.bar" or
            "Invalid value -5 for configuration segment.bytes: Value must be at least 14".
    """
    defaults = {}
    if broker is not None:
        defaults = {t: broker[b] for t, b in _t.TOPIC_BROKER_DEFAULTS.items() if broker.get(b) is not None}
    resolved = _resolve(TOPIC_TABLE, conf, "Unknown topic config name", defaults)
    lag_min, lag_max = resolved["min.compaction.lag.ms"], resolved["max.compaction.lag.ms"]
    if lag_min > lag_max:
        raise _invalid_config(f"conflict topic config setting min.compaction.lag.ms ({lag_min}) > "
                              f"max.compaction.lag.ms ({lag_max})")
    return resolved


def resolve_broker(conf: dict | None) -> dict[str, Any]:
    """Resolve cluster-wide broker settings: name -> typed value, defaults filled.

    ``log.retention.ms`` is derived as Kafka derives it (ms, else minutes, else hours; negative
    means -1, unlimited); ``log.roll.ms`` likewise from ``log.roll.hours``.

    Kafka: ``KafkaConfig`` / ``ServerLogConfigs`` / ``GroupCoordinatorConfig`` (3.8).
    Simplification: an unknown name fails ("Unknown broker config name: x"); a real broker only
    logs that the configuration "was supplied but isn't a known config".

    Raises:
        KafkaException: ``INVALID_CONFIG`` with Kafka's ConfigDef texts.
    """
    resolved = _resolve(BROKER_TABLE, conf, "Unknown broker config name", {})
    if resolved["log.retention.ms"] is None:
        minutes = resolved["log.retention.minutes"]
        resolved["log.retention.ms"] = (minutes * 60000 if minutes is not None
                                        else resolved["log.retention.hours"] * 3600000)
    resolved["log.retention.ms"] = max(resolved["log.retention.ms"], -1)
    if resolved["log.roll.ms"] is None:
        resolved["log.roll.ms"] = resolved["log.roll.hours"] * 3600000
    if resolved["log.roll.jitter.ms"] is None:
        resolved["log.roll.jitter.ms"] = resolved["log.roll.jitter.hours"] * 3600000
    _check_consumer_group_config(resolved)
    _check_share_group_config(resolved)
    return resolved


_SERVER_ASSIGNORS = {"uniform": "uniform", "range": "range",
                     "org.apache.kafka.coordinator.group.assignor.UniformAssignor": "uniform",
                     "org.apache.kafka.coordinator.group.assignor.RangeAssignor": "range"}


def _check_consumer_group_config(c: dict[str, Any]) -> None:
    """``GroupCoordinatorConfig``'s cross-checks of the consumer-group (KIP-848) settings, Kafka's texts.

    ``group.consumer.assignors`` takes the built-in short names (``uniform``, ``range``) or their full
    class names; custom assignors are not modelled (the text for an unknown one is not verified).
    """
    hb, hb_min, hb_max = (c["group.consumer.heartbeat.interval.ms"], c["group.consumer.min.heartbeat.interval.ms"],
                          c["group.consumer.max.heartbeat.interval.ms"])
    st, st_min, st_max = (c["group.consumer.session.timeout.ms"], c["group.consumer.min.session.timeout.ms"],
                          c["group.consumer.max.session.timeout.ms"])
    hbn, stn = "group.consumer.heartbeat.interval.ms", "group.consumer.session.timeout.ms"
    checks = (
        (hb_max >= hb_min, "group.consumer.max.heartbeat.interval.ms must be greater than or equal to "
                           "group.consumer.min.heartbeat.interval.ms"),
        (hb >= hb_min, f"{hbn} must be greater than or equal to group.consumer.min.heartbeat.interval.ms"),
        (hb <= hb_max, f"{hbn} must be less than or equal to group.consumer.max.heartbeat.interval.ms"),
        (st_max >= st_min, "group.consumer.max.session.timeout.ms must be greater than or equal to "
                           "group.consumer.min.session.timeout.ms"),
        (st >= st_min, f"{stn} must be greater than or equal to group.consumer.min.session.timeout.ms"),
        (st <= st_max, f"{stn} must be less than or equal to group.consumer.max.session.timeout.ms"),
        (hb < st, f"{hbn} must be less than {stn}"),
    )
    for ok, text in checks:
        if not ok:
            raise _invalid_config(text)
    for name in c["group.consumer.assignors"]:
        if name not in _SERVER_ASSIGNORS:
            raise _config_exception("group.consumer.assignors", name, f"Class {name} cannot be found")
    if not c["group.consumer.assignors"]:
        raise _config_exception("group.consumer.assignors", "", "Value must not be empty")


def _check_share_group_config(c: dict[str, Any]) -> None:
    """``ShareGroupConfig`` / ``GroupCoordinatorConfig`` cross-checks of the share-group (KIP-932) settings,
    Kafka's texts (``Utils.require``)."""
    lock, lock_min, lock_max = (c["group.share.record.lock.duration.ms"], c["group.share.min.record.lock.duration.ms"],
                                c["group.share.max.record.lock.duration.ms"])
    hb, hb_min, hb_max = (c["group.share.heartbeat.interval.ms"], c["group.share.min.heartbeat.interval.ms"],
                          c["group.share.max.heartbeat.interval.ms"])
    st, st_min, st_max = (c["group.share.session.timeout.ms"], c["group.share.min.session.timeout.ms"],
                          c["group.share.max.session.timeout.ms"])
    ln, hbn, stn = "group.share.record.lock.duration.ms", "group.share.heartbeat.interval.ms", \
        "group.share.session.timeout.ms"
    checks = (
        (lock >= lock_min, f"{ln} must be greater than or equal to group.share.min.record.lock.duration.ms"),
        (lock_max >= lock, f"group.share.max.record.lock.duration.ms must be greater than or equal to {ln}"),
        (hb_max >= hb_min, "group.share.max.heartbeat.interval.ms must be greater than or equal to "
                           "group.share.min.heartbeat.interval.ms"),
        (hb >= hb_min, f"{hbn} must be greater than or equal to group.share.min.heartbeat.interval.ms"),
        (hb <= hb_max, f"{hbn} must be less than or equal to group.share.max.heartbeat.interval.ms"),
        (st_max >= st_min, "group.share.max.session.timeout.ms must be greater than or equal to "
                           "group.share.min.session.timeout.ms"),
        (st >= st_min, f"{stn} must be greater than or equal to group.share.min.session.timeout.ms"),
        (st <= st_max, f"{stn} must be less than or equal to group.share.max.session.timeout.ms"),
        (hb < st, f"{hbn} must be less than {stn}"),
        (c["group.share.max.share.sessions"] >= c["group.share.max.size"],
         "group.share.max.share.sessions must be greater than or equal to group.share.max.size"),
    )
    for ok, text in checks:
        if not ok:
            raise _invalid_config(text)
    if c["group.share.assignors"] != ["simple"]:
        # Kafka 4.2 accepts exactly one assignor (the built-in SimpleAssignor or a class); only it is modelled.
        raise _config_exception("group.share.assignors", ",".join(c["group.share.assignors"]),
                                "only the built-in simple assignor is modelled")


GROUP_TABLE: dict[str, Prop] = {p.name: p for p in _t.GROUP_PROPS}
_ISO_DURATION = re.compile(r"P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?")


def share_reset_duration_ms(value: str) -> int | None:
    """``by_duration:<ISO-8601 duration>`` of ``share.auto.offset.reset`` in ms (None for earliest/latest)."""
    if not value.startswith("by_duration:"):
        return None
    text = value[len("by_duration:"):]
    m = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", text)
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
    return int(((days * 24 + hours) * 60 + minutes) * 60000 + seconds * 1000)


def resolve_group(conf: dict | None, broker: dict[str, Any]) -> dict[str, Any]:
    """Resolve a group's configs (a GROUP resource): name -> typed value, unset ones from the broker.

    Kafka: ``GroupConfig.validate`` (names, ConfigDef parsing, then the broker's min/max bounds with
    Kafka's texts). ``share.auto.offset.reset`` takes ``earliest``, ``latest`` or
    ``by_duration:<ISO-8601 duration>`` (e.g. ``by_duration:PT1H``); its rejection text is unverified.

    Raises:
        KafkaException: ``INVALID_CONFIG`` (40), e.g. "Unknown group config name: foo" or
            "share.record.lock.duration.ms must be greater than or equal to
            group.share.min.record.lock.duration.ms".
    """
    defaults = {g: broker[b] for g, b in _t.GROUP_BROKER_DEFAULTS.items()}
    c = _resolve(GROUP_TABLE, conf, "Unknown group config name", defaults)
    reset = c["share.auto.offset.reset"].lower()
    if reset not in ("earliest", "latest") and not (
            reset.startswith("by_duration:") and _ISO_DURATION.fullmatch(c["share.auto.offset.reset"][12:])
            and len(c["share.auto.offset.reset"]) > 13):
        raise _config_exception("share.auto.offset.reset", c["share.auto.offset.reset"],
                                "String must be one of: earliest, latest, by_duration:<ISO-8601 duration>")
    if reset in ("earliest", "latest"):
        c["share.auto.offset.reset"] = reset
    lock, hb, st = c["share.record.lock.duration.ms"], c["share.heartbeat.interval.ms"], c["share.session.timeout.ms"]
    checks = (
        (hb >= broker["group.share.min.heartbeat.interval.ms"],
         "share.heartbeat.interval.ms must be greater than or equal to group.share.min.heartbeat.interval.ms"),
        (hb <= broker["group.share.max.heartbeat.interval.ms"],
         "share.heartbeat.interval.ms must be less than or equal to group.share.max.heartbeat.interval.ms"),
        (st >= broker["group.share.min.session.timeout.ms"],
         "share.session.timeout.ms must be greater than or equal to group.share.min.session.timeout.ms"),
        (st <= broker["group.share.max.session.timeout.ms"],
         "share.session.timeout.ms must be less than or equal to group.share.max.session.timeout.ms"),
        (lock >= broker["group.share.min.record.lock.duration.ms"],
         "share.record.lock.duration.ms must be greater than or equal to group.share.min.record.lock.duration.ms"),
        (lock <= broker["group.share.max.record.lock.duration.ms"],
         "share.record.lock.duration.ms must be less than or equal to group.share.max.record.lock.duration.ms"),
        (st > hb, "share.session.timeout.ms must be greater than share.heartbeat.interval.ms"),
    )
    for ok, text in checks:
        if not ok:
            raise _invalid_config(text)
    return c
