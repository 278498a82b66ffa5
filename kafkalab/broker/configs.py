"""Topic and broker configs on the broker: DescribeConfigs, AlterConfigs, IncrementalAlterConfigs.

Owns the broker's side of config changes: a topic's configs are replaced (AlterConfigs) or
changed one by one (IncrementalAlterConfigs), validated as topic creation validates them, and
traced as ``topic_config_altered``. Standard library only.
"""

from __future__ import annotations

from typing import Any

from .. import config as _config
from ..errors import ERR, KafkaError, KafkaException

#: The operations of IncrementalAlterConfigs (Kafka ``AlterConfigOp.OpType``).
SET, DELETE, APPEND, SUBTRACT = "SET", "DELETE", "APPEND", "SUBTRACT"


def describe_topic_config(cluster: Any, name: str) -> dict[str, tuple[Any, bool]]:
    """``{config: (value, is_default)}`` of topic ``name``; a config is default unless it was given.

    Raises:
        KafkaException: ``UNKNOWN_TOPIC_OR_PART`` (3) for an unknown topic.

    Kafka: ``DescribeConfigs`` for a TOPIC resource.
    """
    topic = cluster.topic(name)
    given = topic.config_given
    return {k: (v, k not in given) for k, v in topic.config.items()}


def describe_broker_config(cluster: Any) -> dict[str, tuple[Any, bool]]:
    """``{config: (value, True)}`` of the broker. Simplification: broker configs are all shown as defaults."""
    return {k: (v, True) for k, v in cluster.broker_config.items()}


def alter_topic_config(cluster: Any, name: str, configs: dict[str, Any], validate_only: bool = False) -> None:
    """Replace the configs of topic ``name`` with ``configs``; configs not named revert to their defaults.

    Raises:
        KafkaException: ``UNKNOWN_TOPIC_OR_PART`` (3), or ``INVALID_CONFIG`` (40) for a bad value.

    Kafka: ``AlterConfigs`` (not incremental).
    """
    topic = cluster.topic(name)
    new = _config.resolve_topic(configs, broker=cluster.broker_config)
    if validate_only:
        return
    topic.config.clear()
    topic.config.update(new)
    topic.config_given = set(configs)
    cluster.trace.record("topic_config_altered", "alter_configs", topic=name,
                         config={k: config_str(v) for k, v in configs.items()})


def incremental_alter_topic_config(cluster: Any, name: str, ops: list[tuple[str, str | None, str | None]],
                                   validate_only: bool = False) -> None:
    """Apply ``ops`` ``(config, operation, value)`` to topic ``name``; configs not named keep their values.

    ``operation`` is ``SET``, ``DELETE`` (back to the default), ``APPEND`` or ``SUBTRACT`` (for list-valued
    configs such as ``cleanup.policy``; ``value`` is comma-separated).

    Raises:
        KafkaException: ``UNKNOWN_TOPIC_OR_PART`` (3), ``INVALID_CONFIG`` (40), or ``_INVALID_ARG`` for an
            entry without an operation.

    Kafka: ``IncrementalAlterConfigs`` (KIP-339).
    """
    topic = cluster.topic(name)
    current = {k: config_str(topic.config[k]) for k in topic.config_given}
    for config, op, value in ops:
        if op == SET:
            current[config] = value
        elif op == DELETE:
            current.pop(config, None)
        elif op in (APPEND, SUBTRACT):
            old = topic.config.get(config)
            if not isinstance(old, (list, tuple)):
                raise KafkaException(KafkaError(ERR.INVALID_CONFIG, f"Config value append is not allowed for "
                                                                    f"config key: {config}"))
            items = list(old)
            for v in (value or "").split(","):
                if op == APPEND and v not in items:
                    items.append(v)
                elif op == SUBTRACT and v in items:
                    items.remove(v)
            current[config] = ",".join(items)
        else:
            raise KafkaException(KafkaError(ERR._INVALID_ARG, f"incremental_alter_configs: {config} has no "
                                                              f"incremental_operation"))
    alter_topic_config(cluster, name, current, validate_only)


def config_str(value: Any) -> str | None:
    """A config value as Kafka shows it: ``true``/``false``, lists comma-separated, None as None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)
