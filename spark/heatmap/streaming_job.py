"""The Structured Streaming job: Kafka in, MongoDB out (SPEC 3 and 7).

Two queries read the topic, each with its own checkpoint subfolder:

- ``tiles``: validate, watermark, ``dropDuplicatesWithinWatermark``, H3 cell, tumbling window,
  update-mode aggregation, ``foreachBatch`` upserting tile totals;
- ``events``: validate, then ``foreachBatch`` sending rejected messages to ``<topic>.dlq`` and
  the store's ``dead_letters``, and writing each vehicle's newest report to
  ``positions_latest``. It has no watermark, because late reports still move a latest position
  (SPEC 3).

A listener logs one line per micro-batch of each query and stores the job's counters in the
``checkpoints`` collection, where the API's ``GET /api/stats`` reads them.

Validation runs the batch mode's ``validate_message`` in a pandas UDF, returning a struct of an
explicit schema. ``from_json`` with a schema is not used: it turns a missing field and a field
of the wrong type into the same null, and SPEC 1 gives them different reasons
(``missing_field``, ``bad_field``).
"""

from __future__ import annotations

import argparse
import glob
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from typing import Any

import pandas as pd
from pymongo.errors import PyMongoError
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQueryListener
from pyspark.sql.types import (
    BooleanType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from heatmap import cells, mongo_sink
from heatmap.rfc3339 import rfc3339_to_ms
from heatmap.validate_event import MAX_MESSAGE_BYTES, REJECT_REASONS, validate_message

log = logging.getLogger("heatmap.stream")

#: The job's id in the store's ``checkpoints`` collection, under which its counters are kept.
ENGINE_ID = "spark"

#: Kafka headers that carry a source's rejection through the topic (src/log/kafka-log.ts).
REJECT_REASON_HEADER = "mh-reject-reason"
REJECT_DETAIL_HEADER = "mh-reject-detail"

#: What validation returns per message: a reason (null when valid) or the cleaned event.
VALIDATED_SCHEMA = StructType(
    [
        StructField("reason", StringType()),
        StructField("detail", StringType()),
        StructField("provider", StringType()),
        StructField("vehicleId", StringType()),
        StructField("lat", DoubleType()),
        StructField("lon", DoubleType()),
        StructField("tsMs", LongType()),
        StructField("speedKmh", DoubleType()),
        StructField("bearing", DoubleType()),
        StructField("accuracyM", DoubleType()),
        StructField("altitudeM", DoubleType()),
        StructField("onGround", BooleanType()),
        StructField("label", StringType()),
        StructField("routeId", StringType()),
        StructField("mode", StringType()),
        StructField("cleaned", StringType()),
    ]
)

_COLUMNS = [f.name for f in VALIDATED_SCHEMA.fields]
_OBJECT_COLUMNS = [
    f.name for f in VALIDATED_SCHEMA.fields if isinstance(f.dataType, (StringType, BooleanType))
]


# --- Stage functions, run on executors ------------------------------------------------------------


def validate_values(values: pd.Series, reasons: pd.Series, details: pd.Series) -> pd.DataFrame:
    """Validate a batch of Kafka messages (the body of the validation pandas UDF).

    Parameters
    ----------
    values : pandas.Series of bytes
        The message values.
    reasons, details : pandas.Series of bytes
        The ``mh-reject-reason`` and ``mh-reject-detail`` headers: a source's rejection in
        transit (``no_position``, ``decode_error``), or None. They come as bytes, decoded here
        with U+FFFD for bytes that are not UTF-8 as the TypeScript engine decodes them: a cast
        to string in Spark would hand Arrow text it refuses, and the query would fail.

    Returns
    -------
    pandas.DataFrame
        One row of VALIDATED_SCHEMA per message.
    """
    now_ms = int(time.time() * 1000)
    rows = []
    for value, reason_bytes, detail_bytes in zip(values, reasons, details, strict=True):
        if reason_bytes is not None:
            reason = header_to_text(reason_bytes)
            detail = header_to_text(detail_bytes)
            known = reason in REJECT_REASONS
            rows.append(
                {
                    "reason": reason if known else "decode_error",
                    "detail": detail if known else f"{reason}: {detail}",
                }
            )
            continue
        result = validate_message(value if value is not None else b"", now_ms)
        if result.event is None:
            rows.append(
                {"reason": result.reason, "detail": result.detail, "provider": result.provider}
            )
            continue
        e = result.event
        row = {
            "provider": e.provider,
            "vehicleId": e.vehicle_id,
            "lat": float(e.lat),
            "lon": float(e.lon),
            "tsMs": e.ts_ms,
            "speedKmh": None if e.speed_kmh is None else float(e.speed_kmh),
            "bearing": None if e.bearing is None else float(e.bearing),
            "accuracyM": None if e.accuracy_m is None else float(e.accuracy_m),
            "cleaned": ",".join(result.cleaned) if result.cleaned else None,
        }
        for name, value_ in e.extensions.items():
            row[name] = float(value_) if name == "altitudeM" else value_
        rows.append(row)
    frame = pd.DataFrame(rows, columns=_COLUMNS)
    # A text column that is all missing comes out as float64 NaN, which Arrow will not turn
    # into strings in one array: text and boolean columns are kept as objects holding None.
    for name in _OBJECT_COLUMNS:
        frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame


def header_to_text(header: bytes | None) -> str:
    """A header value as text; a missing value is empty, as in src/log/kafka-log.ts."""
    return "" if header is None else bytes(header).decode("utf-8", errors="replace")


def cell_udf(res: int, kind: str) -> Callable:
    """The Spark UDF of the H3 cell: a vectorised pandas UDF, or a row-at-a-time Python UDF.

    The plain UDF is the original design's way, kept for the benchmark: one Python call per row
    instead of one per Arrow batch.
    """
    if kind == "plain":
        return F.udf(lambda lat, lon: cells.lat_lng_to_cell_id(lat, lon, res), StringType())

    @F.pandas_udf(StringType())
    def lat_lng_to_cell(lat: pd.Series, lon: pd.Series) -> pd.Series:
        return cells.lat_lng_to_cell_ids(lat, lon, res)

    return lat_lng_to_cell


# --- The pipeline ------------------------------------------------------------------------------


def read_kafka(spark: SparkSession, args: argparse.Namespace) -> DataFrame:
    """The topic as a stream, validated: one row of VALIDATED_SCHEMA per message, plus its
    value, key, partition and offset."""
    validate = F.pandas_udf(validate_values, VALIDATED_SCHEMA)
    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", args.bootstrap)
        .option("subscribe", args.topic)
        .option("startingOffsets", args.starting_offsets)
        .option("includeHeaders", "true")
        # Dev brokers get wiped; a lost offset must not stop the job (SPEC 1: nothing stops it).
        .option("failOnDataLoss", "false")
    )
    if args.max_offsets_per_trigger:
        reader = reader.option("maxOffsetsPerTrigger", str(args.max_offsets_per_trigger))

    def header(name: str):
        found = F.filter(F.col("headers"), lambda h: h["key"] == F.lit(name))
        # Left as bytes: validate_values decodes them (invalid UTF-8 must not fail the query).
        # As in src/log/kafka-log.ts, a header present with a null value counts as empty, and
        # of a header sent twice the last counts.
        last = F.element_at(found, -1)["value"]
        return F.when(F.size(found) > 0, F.coalesce(last, F.lit(bytearray())))

    return (
        reader.load()
        .select(
            "value",
            "partition",
            "offset",
            validate(
                F.col("value"), header(REJECT_REASON_HEADER), header(REJECT_DETAIL_HEADER)
            ).alias("v"),
        )
        .select("value", "partition", "offset", "v.*")
    )


def tile_totals(events: DataFrame, args: argparse.Namespace) -> DataFrame:
    """Valid events to tile totals: watermark, dedupe, cell, window, aggregate (SPEC 3).

    In update mode each trigger emits the changed windows with their cumulative totals, which
    the sink writes with ``$set``: replaying any input gives the same tiles.
    """
    to_cell = cell_udf(args.res, args.udf)
    return (
        events.withColumn("eventTime", F.timestamp_millis(F.col("tsMs")))
        # Stage: watermark; reports at or before it are late and join no tile.
        .withWatermark("eventTime", f"{args.watermark_seconds} seconds")
        # Stage: a report seen again (re-polled, redelivered) counts once.
        .dropDuplicatesWithinWatermark(["provider", "vehicleId", "tsMs"])
        # Stage: snap to the H3 cell.
        .withColumn("cellId", to_cell(F.col("lat"), F.col("lon")))
        # Stage: bucket into tumbling windows aligned to the epoch, and aggregate.
        .groupBy(
            F.col("provider"),
            F.col("cellId"),
            F.window(F.col("eventTime"), f"{args.tile_minutes} minutes"),
        )
        .agg(
            F.count(F.lit(1)).alias("count"),
            F.size(F.collect_set("vehicleId")).alias("vehicles"),
            F.coalesce(F.sum("speedKmh"), F.lit(0.0)).alias("speedSumKmh"),
            F.count("speedKmh").alias("speedSamples"),
        )
    )


def dead_letter(row: Any) -> dict[str, Any]:
    """A rejected message as the store keeps it: reason, detail, provider, and its text."""
    whole = bytes(row.value or b"")
    raw = whole[:MAX_MESSAGE_BYTES].decode("utf-8", errors="replace")
    if len(whole) > MAX_MESSAGE_BYTES:
        # A multi-byte character cut in half at the limit decodes as U+FFFD: drop that one.
        raw = raw.removesuffix("\ufffd")
    return {"reason": row.reason, "detail": row.detail or "", "raw": raw, "provider": row.provider}


# --- The sinks, run on the driver ------------------------------------------------------------------


class BatchReports:
    """What each foreachBatch call wrote, joined with Spark's progress into one log line."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._written: dict[tuple[str, int], dict[str, Any]] = {}

    def record(self, query: str, batch_id: int, written: dict[str, Any]) -> None:
        with self._lock:
            self._written[(query, batch_id)] = written

    def take(self, query: str, batch_id: int) -> dict[str, Any]:
        with self._lock:
            return self._written.pop((query, batch_id), {})


class ProgressLogger(StreamingQueryListener):
    """One structured log line per micro-batch (batch id, rows in, what was written, duration),
    and the engine's counters in the store, where ``GET /api/stats`` reads them."""

    def __init__(self, reports: BatchReports, sink: MongoSink, watermark_seconds: int):
        self.reports = reports
        self.sink = sink
        self.watermark_ms = watermark_seconds * 1000
        stored = None if sink.db is None else mongo_sink.read_stats(sink.db, ENGINE_ID)
        self.stats = stored or {
            "accepted": 0,
            "duplicates": 0,
            "late": 0,
            "rejected": {},
            "cleaned": {},
            "watermarkMs": None,
            "newestEventMs": None,
            "batches": 0,
            "lastBatchAtMs": None,
        }

    def onQueryStarted(self, event: Any) -> None:
        log.info("query started", extra={"context": {"query": event.name, "id": str(event.id)}})

    def onQueryProgress(self, event: Any) -> None:
        p = event.progress
        context = {
            "query": p.name,
            "batchId": p.batchId,
            "rowsIn": p.numInputRows,
            "durationMs": p.durationMs.get("triggerExecution"),
        }
        if p.eventTime.get("watermark"):
            context["watermark"] = p.eventTime["watermark"]
        context.update(self.reports.take(p.name, p.batchId))
        self._count(p, context)
        log.info("batch done", extra={"context": context})
        if self.sink.db is None:
            return
        try:
            mongo_sink.write_stats(self.sink.db, ENGINE_ID, self.stats)
        except PyMongoError as err:
            log.warning("stats not stored", extra={"context": {"err": str(err)[:300]}})

    def _count(self, p: Any, context: dict[str, Any]) -> None:
        """Add a batch to the counters: the tiles query's dedupe operator knows what was
        accepted, re-sent or late; the events query knows what was rejected or cleaned."""
        stats = self.stats
        for name in ("rejected", "cleaned"):
            for key, n in context.get(name, {}).items():
                stats[name][key] = stats[name].get(key, 0) + n
        if p.name != "tiles":
            return
        for op in p.stateOperators:
            if "dedupe" in op.operatorName.lower():
                stats["accepted"] += op.numRowsUpdated
                stats["late"] += op.numRowsDroppedByWatermark
                stats["duplicates"] += op.customMetrics.get("numDroppedDuplicateRows", 0)
                context["late"] = op.numRowsDroppedByWatermark
                context["duplicates"] = op.customMetrics.get("numDroppedDuplicateRows", 0)
        newest = rfc3339_to_ms(p.eventTime["max"]) if p.eventTime.get("max") else None
        if newest is not None and (
            stats["newestEventMs"] is None or newest > stats["newestEventMs"]
        ):
            stats["newestEventMs"] = newest
            stats["watermarkMs"] = newest - self.watermark_ms
        stats["batches"] += 1
        stats["lastBatchAtMs"] = int(time.time() * 1000)

    def onQueryIdle(self, event: Any) -> None:
        pass

    def onQueryTerminated(self, event: Any) -> None:
        context = {"id": str(event.id)}
        if event.exception:
            context["err"] = event.exception[:2000]
            log.error("query failed", extra={"context": context})
            return
        log.info("query terminated", extra={"context": context})


class MongoSink:
    """foreachBatch functions of both queries, over one MongoDB client reused for the job's life.

    With ``--sink none`` (for the benchmark) there is no client: each micro-batch is computed and
    collected and its documents are built as for MongoDB, but nothing is sent, so the figure
    measures the job rather than the store.
    """

    def __init__(self, args: argparse.Namespace, reports: BatchReports):
        self.args = args
        self.reports = reports
        self.client = mongo_sink.open_client(args.mongo_uri) if args.sink == "mongo" else None
        self.db = None if self.client is None else self.client[args.mongo_db]
        self.window_ms = args.tile_minutes * 60_000
        self.grid = cells.grid_name(args.res)
        self._events_query_id: str | None = None
        self._events_started = threading.Event()

    def events_query_started(self, query_id: str) -> None:
        """Name the events query's run: its id, which Spark keeps in the checkpoint.

        Micro-batch ids start again at 0 with a new checkpoint, so dead letters carry this id
        too. The first micro-batch may begin before ``start()`` returns: it waits for the id.
        """
        self._events_query_id = query_id
        self._events_started.set()

    def write_tiles(self, batch: DataFrame, batch_id: int) -> None:
        """Upsert the totals of the tiles this micro-batch changed."""
        started = time.monotonic()
        rows = batch.select(
            "provider",
            "cellId",
            F.unix_millis(F.col("window.start")).alias("windowStartMs"),
            "count",
            "vehicles",
            "speedSumKmh",
            "speedSamples",
        ).collect()
        tiles = []
        for r in rows:
            end = r.windowStartMs + self.window_ms
            tiles.append(
                {
                    "provider": r.provider,
                    "grid": self.grid,
                    "cellId": r.cellId,
                    "windowStartMs": r.windowStartMs,
                    "windowEndMs": end,
                    "count": r["count"],
                    "vehicles": r.vehicles,
                    "speedSumKmh": r.speedSumKmh,
                    "speedSamples": r.speedSamples,
                    "avgSpeedKmh": cells.average_speed(r.speedSumKmh, r.speedSamples),
                    "centroid": cells.cell_to_centroid(r.cellId),
                    "staleAtMs": end + self.args.ttl_minutes * 60_000,
                }
            )
        if self.db is None:
            written = len([mongo_sink.tile_document(t) for t in tiles])
        else:
            written = mongo_sink.write_tiles(self.db, tiles)
        self.reports.record(
            "tiles",
            batch_id,
            {"tiles": written, "sinkMs": int((time.monotonic() - started) * 1000)},
        )

    def write_events(self, batch: DataFrame, batch_id: int) -> None:
        """Send rejected messages to the dead-letter topic and keep them in the store; write each
        vehicle's newest report."""
        started = time.monotonic()
        batch.persist()
        try:
            # Stage: dead letters, with their reason in headers, keyed by provider when known.
            rejected = batch.filter(F.col("reason").isNotNull())
            counts = {r.reason: r["count"] for r in rejected.groupBy("reason").count().collect()}
            cleaned = {
                r.field: r["count"]
                for r in batch.filter(F.col("cleaned").isNotNull())
                .select(F.explode(F.split(F.col("cleaned"), ",")).alias("field"))
                .groupBy("field")
                .count()
                .collect()
            }
            if counts:
                (
                    rejected.select(
                        F.col("provider").alias("key"),
                        F.substring(F.col("value"), 1, MAX_MESSAGE_BYTES).alias("value"),
                        F.array(
                            F.struct(
                                F.lit(REJECT_REASON_HEADER).alias("key"),
                                F.col("reason").cast("binary").alias("value"),
                            ),
                            F.struct(
                                F.lit(REJECT_DETAIL_HEADER).alias("key"),
                                F.col("detail").cast("binary").alias("value"),
                            ),
                        ).alias("headers"),
                    )
                    .write.format("kafka")
                    .option("kafka.bootstrap.servers", self.args.bootstrap)
                    .option("topic", f"{self.args.topic}.dlq")
                    .save()
                )

            # Stage: the same dead letters in the store, in log order, under ids that name the
            # micro-batch, so that one run again after a crash inserts nothing new.
            letters = (
                [
                    dead_letter(r)
                    for r in rejected.orderBy("partition", "offset")
                    .select("reason", "detail", "provider", "value")
                    .collect()
                ]
                if counts
                else []
            )
            self._events_started.wait()
            ids = [
                mongo_sink.dead_letter_id_of(ENGINE_ID, self._events_query_id, batch_id, seq)
                for seq in range(len(letters))
            ]
            if self.db is None:
                stored_letters = len(
                    [
                        mongo_sink.dead_letter_document(d, i, 0, 0, None)
                        for d, i in zip(letters, ids, strict=True)
                    ]
                )
            else:
                stored_letters = mongo_sink.write_dead_letters(self.db, ids, letters)

            # Stage: per vehicle the newest report, the first in log order among equal times.
            newest = Window.partitionBy("provider", "vehicleId").orderBy(
                F.col("tsMs").desc(), F.col("partition"), F.col("offset")
            )
            positions = (
                batch.filter(F.col("reason").isNull())
                .withColumn("rank", F.row_number().over(newest))
                .filter(F.col("rank") == 1)
                .drop("rank", "value", "reason", "detail", "cleaned", "partition", "offset")
                .collect()
            )
            if self.db is None:
                written = len([mongo_sink.position_document(r.asDict()) for r in positions])
            else:
                written = mongo_sink.write_positions(self.db, (r.asDict() for r in positions))
        finally:
            batch.unpersist()
        self.reports.record(
            "events",
            batch_id,
            {
                "positions": written,
                "deadLetters": stored_letters,
                "rejected": counts,
                "cleaned": cleaned,
                "sinkMs": int((time.monotonic() - started) * 1000),
            },
        )

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


# --- Start-up ----------------------------------------------------------------------------------


def connector_jars(jars_dir: str) -> list[str]:
    """The Kafka connector jars spark/setup.sh fetched, or an empty list."""
    return sorted(glob.glob(os.path.join(jars_dir, "*.jar")))


def build_session(args: argparse.Namespace) -> SparkSession:
    """A SparkSession with the connector jars; the master from spark-submit, else --master."""
    # Python workers run this interpreter (the venv's) unless the cluster says otherwise.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.appName("mobility-heatmap")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(args.shuffle_partitions))
        .config("spark.ui.showConsoleProgress", "false")
    )
    # Under spark-submit the JVM starts first and hands Python its gateway port: keep its master.
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    if args.master or not submitted:
        builder = builder.master(args.master or "local[*]")
    jars = connector_jars(args.jars_dir)
    if jars:
        builder = builder.config("spark.jars", ",".join(jars))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(os.environ.get("SPARK_LOG_LEVEL", "WARN"))
    if not jars and not spark.conf.get("spark.jars", ""):
        raise SystemExit(
            f"heatmap_stream.py: no Kafka connector jars in {args.jars_dir}: run spark/setup.sh, "
            "or give spark-submit --jars"
        )
    return spark


def add_job_package(spark: SparkSession) -> str:
    """Ship the ``heatmap`` package to the executors as a zip, so that UDFs can import it.

    Returns
    -------
    str
        The zip's temporary folder; the driver serves the file from there to executors that
        start later, so it is removed only when the job stops.
    """
    package_dir = os.path.dirname(os.path.abspath(__file__))
    folder = tempfile.mkdtemp(prefix="heatmap-job-")
    target = os.path.join(folder, "heatmap.zip")
    with zipfile.ZipFile(target, "w") as archive:
        for name in sorted(os.listdir(package_dir)):
            if name.endswith(".py"):
                archive.write(os.path.join(package_dir, name), f"heatmap/{name}")
    spark.sparkContext.addPyFile(target)
    return folder


def watch_queries(queries: list[Any], stopping: threading.Event, poll_seconds: float = 1.0) -> bool:
    """Wait until every query has stopped, one has failed, or ``stopping`` is set.

    Parameters
    ----------
    queries : list of pyspark.sql.streaming.StreamingQuery
        The job's queries.
    stopping : threading.Event
        Set by the signal handler on SIGINT or SIGTERM.
    poll_seconds : float
        The time between two looks at the queries.

    Returns
    -------
    bool
        True when a query failed. A query's exception is set before it reads as inactive, so
        activity is read first: a query that failed and stopped between two looks still counts
        as failed (the job then exits with 1, not 0).
    """
    while True:
        all_stopped = not any(q.isActive for q in queries)
        if any(q.exception() is not None for q in queries):
            return True
        if all_stopped or stopping.is_set():
            return False
        stopping.wait(poll_seconds)


def run_stream(args: argparse.Namespace) -> int:
    """Start both queries and run until they stop or the process is told to (SIGINT, SIGTERM)."""
    # Stage: the store's indexes first, so a bad MONGO_URI stops the job before Spark starts.
    reports = BatchReports()
    sink = MongoSink(args, reports)
    if sink.db is not None:
        features = mongo_sink.ensure_indexes(sink.db)
        log.info("store ready", extra={"context": {"db": args.mongo_db, **features}})
    else:
        log.warning("no store: --sink none computes every batch and writes nothing")

    spark = build_session(args)
    package_folder = add_job_package(spark)
    spark.streams.addListener(ProgressLogger(reports, sink, args.watermark_seconds))
    validated = read_kafka(spark, args)
    trigger = (
        {"availableNow": True}
        if args.available_now
        else {"processingTime": f"{args.trigger_seconds} seconds"}
    )

    # Stage: the tiles query (stateful: watermark, dedupe, windows; update mode).
    valid = validated.filter(F.col("reason").isNull()).select(
        "provider", "vehicleId", "lat", "lon", "tsMs", "speedKmh"
    )
    tiles_query = (
        tile_totals(valid, args)
        .writeStream.queryName("tiles")
        .outputMode("update")
        .option("checkpointLocation", os.path.join(args.checkpoint, "tiles"))
        .trigger(**trigger)
        .foreachBatch(sink.write_tiles)
        .start()
    )

    # Stage: the events query (stateless: dead letters and latest positions).
    events_query = (
        validated.writeStream.queryName("events")
        .option("checkpointLocation", os.path.join(args.checkpoint, "events"))
        .trigger(**trigger)
        .foreachBatch(sink.write_events)
        .start()
    )
    sink.events_query_started(str(events_query.id))

    stopping = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        log.info("stopping", extra={"context": {"signal": signum}})
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    failed = False
    try:
        failed = watch_queries([tiles_query, events_query], stopping)
    finally:
        for query in (tiles_query, events_query):
            if query.isActive:
                query.stop()
        # The listener may still be storing counters: close the client after Spark stops.
        spark.stop()
        sink.close()
        shutil.rmtree(package_folder, ignore_errors=True)
    log.info("stopped", extra={"context": {"failed": failed}})
    return 1 if failed else 0
