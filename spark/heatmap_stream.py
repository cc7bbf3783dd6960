#!/usr/bin/env python3
"""Mobility Heatmap on PySpark: positions to H3 hexagon tiles in tumbling windows.

Usage::

    # Streaming job: Kafka in, MongoDB out (SPEC 3 and 7); Ctrl-C stops it cleanly.
    spark/.venv/bin/python spark/heatmap_stream.py stream \\
        [--master local[*]] [--trigger-seconds 2] [--checkpoint DIR] \\
        [--starting-offsets earliest|latest|JSON] [--udf pandas|plain] [--sink mongo|none] \\
        [--res N] [--tile-minutes N] [--watermark-seconds N] [--ttl-minutes N] \\
        [--bootstrap HOST:PORT] [--topic NAME] [--mongo-uri URI] [--mongo-db NAME]

    # Batch mode: files in, the SPEC 4 object out (what the conformance folder checks).
    spark/.venv/bin/python spark/heatmap_stream.py aggregate \\
        [--res N] [--tile-minutes N] [--watermark-seconds N] [--ttl-minutes N] \\
        [--now ISO] [--feed NAME] [--pretty] FILE...

    # On a cluster: the connector jars from spark/setup.sh, the job file as the application.
    spark-submit --master spark://HOST:7077 --jars "$(ls .cache/spark-jars/*.jar | paste -sd,)" \\
        spark/heatmap_stream.py stream --checkpoint hdfs:///checkpoints/heatmap

Settings default to the environment variables of SPEC 6 (KAFKA_BOOTSTRAP, KAFKA_TOPIC,
MONGO_URI, MONGO_DB, H3_RES, TILE_MINUTES, TTL_MINUTES, WATERMARK_SECONDS); flags override them.

The streaming job runs two queries on the topic, each with its own checkpoint folder:

- ``tiles``: validate, event-time watermark, ``dropDuplicatesWithinWatermark`` on (provider,
  vehicleId, ts), H3 cell in a pandas UDF, tumbling windows aggregated in update mode, and a
  ``foreachBatch`` that upserts each changed tile's totals (``$set``, never ``$inc``);
- ``events``: validate, then a ``foreachBatch`` that sends rejected messages to ``<topic>.dlq``
  and the store's ``dead_letters`` with their reason, and writes each vehicle's newest report to ``positions_latest`` unless a
  newer one is stored. It has no watermark: late reports still move a latest position (SPEC 3).

After each micro-batch a listener logs one JSON line (batch id, rows in, tiles or positions
written, duration) and stores the counters that ``GET /api/stats`` reads.

Why the batch mode is plain Python over the job's own functions, not a Spark query: SPEC 4 fixes
what a micro-batch is (one file, or one LAMP feed timestamp), which of two equal reports counts
(the first in input order) and the latest position it leaves. A Spark streaming query over
files decides its own micro-batches (by file age, not by argument order; a LAMP file would be one
batch) and keeps whichever of two equal reports a partition sees first, so it cannot print the
SPEC 4 object exactly. The batch mode
therefore replays Spark's micro-batch rules (watermark fixed during a batch, ``eventTime <=
watermark`` is late) with the same validation, cell, window and rounding functions that the
streaming job runs in its UDFs, and needs no JVM: the conformance folder runs in seconds.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import logging
import os
import signal
import sys
import time

# The job's package sits beside this file; executors get it as a zip (see add_job_package).
JOB_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, JOB_DIR)

from heatmap import settings  # noqa: E402
from heatmap.batch_engine import EngineSettings, MicroBatchEngine  # noqa: E402
from heatmap.recordings import read_recording_file  # noqa: E402

#: Where spark/setup.sh puts the Kafka connector jars (the repository's .cache/).
DEFAULT_JARS_DIR = os.path.join(os.path.dirname(JOB_DIR), ".cache", "spark-jars")

log = logging.getLogger("heatmap")


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: level, time, component, message, then the context fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "level": record.levelname.lower(),
            "time": int(record.created * 1000),
            "name": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "context", {}))
        return json.dumps(entry)


def setup_logging() -> None:
    """Structured logs on stderr; LOG_LEVEL (debug, info, warn, error) sets the level."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    level = os.environ.get("LOG_LEVEL", "info").upper().replace("WARN", "WARNING")
    logging.basicConfig(level=getattr(logging, level, logging.INFO), handlers=[handler])
    # py4j logs every call between Python and the JVM at info.
    logging.getLogger("py4j").setLevel(logging.WARNING)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Check every argument before any work starts (a bad one exits with code 2)."""
    parser = argparse.ArgumentParser(
        prog="heatmap_stream.py",
        description="Mobility Heatmap on PySpark: streaming job (stream) and batch mode "
        "(aggregate). See the module docstring for details.",
    )
    modes = parser.add_subparsers(dest="mode", required=True, metavar="MODE")

    def engine_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--res",
            type=settings.int_in_range("res"),
            default=settings.int_from_env("H3_RES", "res"),
            help="H3 resolution 0..15 (env H3_RES, default 8)",
        )
        sub.add_argument(
            "--tile-minutes",
            type=settings.int_in_range("tile_minutes"),
            default=settings.int_from_env("TILE_MINUTES", "tile_minutes"),
            help="window length in minutes (env TILE_MINUTES, default 5)",
        )
        sub.add_argument(
            "--watermark-seconds",
            type=settings.int_in_range("watermark_seconds"),
            default=settings.int_from_env("WATERMARK_SECONDS", "watermark_seconds"),
            help="watermark delay in seconds (env WATERMARK_SECONDS, default 600)",
        )
        sub.add_argument(
            "--ttl-minutes",
            type=settings.int_in_range("ttl_minutes"),
            default=settings.int_from_env("TTL_MINUTES", "ttl_minutes"),
            help="tiles are stale this long after their window (env TTL_MINUTES, default 45)",
        )

    aggregate = modes.add_parser(
        "aggregate",
        help="aggregate files into tiles and latest positions, printed as JSON (SPEC 4)",
        description="Reads NDJSON events or provider recordings (MBTA V3 JSON, OpenSky JSON, "
        "GTFS-RT protobuf or JSON, MBTA LAMP Parquet; recognised by content). Each file is one "
        "micro-batch, in the order given (a LAMP file: one per feed timestamp). Prints "
        '{"tiles", "positions", "stats"}.',
    )
    engine_options(aggregate)
    aggregate.add_argument(
        "--now", type=settings.iso_time, help="the engine's clock for future timestamps"
    )
    aggregate.add_argument(
        "--feed", type=settings.feed_name, help="name GTFS-RT inputs gtfsrt.<name>"
    )
    aggregate.add_argument("--pretty", action="store_true", help="indent the JSON output")
    aggregate.add_argument("files", nargs="+", metavar="FILE", help="input files")

    stream = modes.add_parser(
        "stream",
        help="run the Structured Streaming job: Kafka in, MongoDB out",
        description="Reads position events from Kafka and writes tiles and latest positions "
        "to MongoDB (SPEC 3 and 7); rejected messages go to <topic>.dlq and the store's "
        "dead_letters.",
    )
    engine_options(stream)
    stream.add_argument(
        "--master",
        help="Spark master (default: the one spark-submit gives, else local[*])",
    )
    stream.add_argument(
        "--trigger-seconds",
        type=settings.int_in_range("trigger_seconds"),
        default=2,
        help="micro-batch interval in seconds (default 2)",
    )
    stream.add_argument(
        "--checkpoint",
        default=os.path.join(os.path.dirname(JOB_DIR), ".data", "spark-checkpoint"),
        help="checkpoint folder; each query keeps a subfolder (default .data/spark-checkpoint)",
    )
    stream.add_argument(
        "--starting-offsets",
        default="earliest",
        help="earliest, latest or per-partition JSON; used only by a new checkpoint "
        "(default earliest)",
    )
    stream.add_argument(
        "--udf",
        choices=("pandas", "plain"),
        default="pandas",
        help="how cells are computed: a vectorised pandas UDF (default) or a row-at-a-time "
        "Python UDF (for the benchmark)",
    )
    stream.add_argument(
        "--sink",
        choices=("mongo", "none"),
        default="mongo",
        help="where micro-batches go: MongoDB (default), or none: computed, collected and "
        "turned into documents, but not written (for the benchmark)",
    )
    stream.add_argument(
        "--bootstrap",
        default=settings.env("KAFKA_BOOTSTRAP"),
        help="Kafka brokers, host:port[,host:port] (env KAFKA_BOOTSTRAP, default localhost:9092)",
    )
    stream.add_argument(
        "--topic",
        default=settings.env("KAFKA_TOPIC"),
        help="events topic; dead letters go to <topic>.dlq (env KAFKA_TOPIC, default "
        "mobility.positions.v1)",
    )
    stream.add_argument(
        "--mongo-uri",
        default=settings.env("MONGO_URI"),
        help="MongoDB server (env MONGO_URI, default mongodb://127.0.0.1:27017)",
    )
    stream.add_argument(
        "--mongo-db",
        default=settings.env("MONGO_DB"),
        help="database of tiles and positions_latest (env MONGO_DB, default mobility)",
    )
    stream.add_argument(
        "--jars-dir",
        default=os.environ.get("SPARK_JARS_DIR", DEFAULT_JARS_DIR),
        help="folder of the Kafka connector jars (spark/setup.sh fills it; env SPARK_JARS_DIR, "
        "default .cache/spark-jars of the checkout); ignored when spark-submit is given --jars",
    )
    stream.add_argument(
        "--shuffle-partitions",
        type=int,
        default=int(os.environ.get("SPARK_SHUFFLE_PARTITIONS", "4")),
        help="spark.sql.shuffle.partitions, which is also the state store's partition count "
        "(fixed by the first run of a checkpoint; default 4)",
    )
    stream.add_argument(
        "--max-offsets-per-trigger",
        type=int,
        help="most messages one micro-batch reads (default: no limit)",
    )
    stream.add_argument(
        "--available-now",
        action="store_true",
        help="process what the topic holds now, then stop (for tests and backfills)",
    )
    return parser.parse_args(argv)


def run_aggregate(args: argparse.Namespace) -> int:
    """The batch mode: each file (each LAMP feed timestamp) is one micro-batch, in order."""
    engine = MicroBatchEngine(
        EngineSettings(args.res, args.tile_minutes, args.watermark_seconds, args.ttl_minutes)
    )
    now_ms = args.now if args.now is not None else int(time.time() * 1000)
    started = time.monotonic()
    for path in args.files:
        try:
            batches = read_recording_file(path, args.feed)
        except OSError as err:
            print(f"heatmap_stream.py: cannot read {path}: {err.strerror}", file=sys.stderr)
            return 1
        for records in batches:
            engine.process_batch(records, now_ms)
    result = engine.result()
    log.info(
        "aggregate done",
        extra={
            "context": {"files": len(args.files), "ms": int((time.monotonic() - started) * 1000)}
        },
    )
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2 if args.pretty else None))
    sys.stdout.write("\n")
    return 0


def main(argv: list[str]) -> int:
    # kill -USR1 <pid> prints every Python thread's stack, to see where a job waits.
    faulthandler.register(signal.SIGUSR1)
    setup_logging()
    args = parse_args(argv)
    if args.mode == "aggregate":
        return run_aggregate(args)
    from heatmap.streaming_job import run_stream

    return run_stream(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
