"""Settings of SPEC 6: the original design's environment variables, their defaults and ranges.

Command-line flags override them. Every value is checked once, here, so that a bad one stops
the job with a message naming it (exit code 2), as src/config.ts does for the TypeScript engine.
"""

from __future__ import annotations

import argparse
import os
import re

from heatmap.rfc3339 import rfc3339_to_ms
from heatmap.validate_event import is_provider_name

#: Allowed ranges of the integer settings, shared by environment variables and flags.
RANGES = {
    "res": (0, 15),
    "tile_minutes": (1, 1440),
    "watermark_seconds": (0, 86_400 * 30),
    "ttl_minutes": (1, 525_600),
    "trigger_seconds": (1, 86_400),
}

#: Environment variables of SPEC 6 and their defaults.
ENV_DEFAULTS = {
    "H3_RES": "8",
    "TILE_MINUTES": "5",
    "WATERMARK_SECONDS": "600",
    "TTL_MINUTES": "45",
    "KAFKA_BOOTSTRAP": "localhost:9092",
    "KAFKA_TOPIC": "mobility.positions.v1",
    "MONGO_URI": "mongodb://127.0.0.1:27017",
    "MONGO_DB": "mobility",
}

_INTEGER = re.compile(r"-?\d+")


def env(name: str) -> str:
    """An environment variable of SPEC 6, or its default when unset or empty."""
    value = os.environ.get(name, "")
    return value if value != "" else ENV_DEFAULTS[name]


def int_in_range(setting: str):
    """An argparse type that accepts integers within the range of ``setting``."""
    low, high = RANGES[setting]

    def parse(text: str) -> int:
        if not _INTEGER.fullmatch(text.strip()) or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(
                f'expected an integer from {low} to {high}, got "{text}"'
            )
        return int(text)

    return parse


def int_from_env(name: str, setting: str) -> int:
    """An integer setting from the environment, checked against its range.

    Raises
    ------
    SystemExit
        With code 2 and a message naming the variable, when the value is bad.
    """
    raw = env(name)
    try:
        return int_in_range(setting)(raw)
    except argparse.ArgumentTypeError as err:
        raise SystemExit(f"heatmap_stream.py: {name}: {err}") from None


def iso_time(text: str) -> int:
    """An argparse type for RFC 3339 times, to epoch ms."""
    ms = rfc3339_to_ms(text)
    if ms is None:
        raise argparse.ArgumentTypeError(
            f'expected an RFC 3339 time such as 2025-10-04T10:22:05Z, got "{text}"'
        )
    return ms


def feed_name(text: str) -> str:
    """An argparse type for GTFS-RT feed names: ``gtfsrt.<feed>`` must be a provider name."""
    if text == "" or not is_provider_name(f"gtfsrt.{text}"):
        raise argparse.ArgumentTypeError(
            "expected a feed name of lowercase letters, digits, '.', '_' or '-' (at most 41), "
            f'got "{text}"'
        )
    return text
