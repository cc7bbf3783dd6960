#!/usr/bin/env python3
"""Events per second of the PySpark job (pandas UDF, plain UDF) and the TypeScript engine.

Usage::

    spark/.venv/bin/python spark/tools/bench_engines.py [--events 300000] [--master local[2]]

Needs the TypeScript build (dist/), spark/setup.sh done, Java 17. It starts its own broker
(scripts/kafka-broker.sh on KAFKA_PORT 29092, KAFKA_CONTROLLER_PORT 29093, KAFKA_DATA_DIR
.data/kafka-bench unless set), and stops it at the end unless ``--keep-broker``.

Stages:

1. the input: the deterministic Boston fleet of ``mobility-heatmap bench`` (2,000 vehicles, one
   report in ten re-sent), written as NDJSON files of 2,000 events and published once to a fresh
   topic with ``produce replay --as-fast-as-possible --original-times`` (one file is one
   append, as one poll of a large feed is);
2. the three engines, one after the other, each reading the whole topic from its start into a
   store of its own, in micro-batches of at most ``--batch`` events:
   - ``spark-pandas``: ``heatmap_stream.py stream --available-now --sink none`` (cells in the
     vectorised pandas UDF);
   - ``spark-plain``: the same with ``--udf plain`` (one Python call per row);
   - ``ts-engine``: ``main.js engine --log kafka --until-idle`` with its SQLite store;
3. the figures: events/s over the processing span (from the engine's first log line after
   start-up to its last batch, from its own JSON logs) and over the whole process (JVM or
   Node start-up included), and the ratios to the TypeScript engine of the same run.

``--sink none`` means: both queries run whole (validation, watermark, dedupe, cells, windows,
latest position per vehicle), their results are collected to the driver and turned into
MongoDB documents, but nothing is sent, because a MongoDB-wire store (FerretDB here) would
dominate the figure. The TypeScript figure includes its SQLite writes and checkpoints.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
SPARK_DIR = os.path.dirname(TOOLS_DIR)
REPO_DIR = os.path.dirname(SPARK_DIR)
CLI = os.path.join(REPO_DIR, "dist", "src", "cli", "main.js")
BROKER_SCRIPT = os.path.join(REPO_DIR, "scripts", "kafka-broker.sh")

#: The broker of this benchmark, away from the development (9092) and test ports.
BROKER_ENV = {
    "KAFKA_PORT": "29092",
    "KAFKA_CONTROLLER_PORT": "29093",
    "KAFKA_DATA_DIR": ".data/kafka-bench",
}

#: Writes the input of `mobility-heatmap bench` as NDJSON files of 2,000 events.
WRITE_INPUT_JS = """
import { makeBenchmarkInput } from './dist/src/bench/engine-benchmark.js';
import { writeFileSync } from 'node:fs';
const [events, vehicles, seed, dir] = process.argv.slice(1);
const lines = makeBenchmarkInput(Number(events), Number(vehicles), Number(seed));
for (let i = 0; i < lines.length; i += 2000) {
  const name = String(i / 2000).padStart(5, '0');
  writeFileSync(`${dir}/part-${name}.ndjson`, lines.slice(i, i + 2000).join('\\n') + '\\n');
}
"""


def log_times(stderr: str, first: str, last: str) -> tuple[int | None, int | None]:
    """The ``time`` of the first log line whose ``msg`` is ``first`` and of the last ``last``."""
    start = end = None
    for line in stderr.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        if entry.get("msg") == first and start is None:
            start = entry.get("time")
        if entry.get("msg") == last:
            end = entry.get("time")
    return start, end


def rows_read(stderr: str) -> int | None:
    """Messages an engine read: the sum of rowsIn of the Spark job's tiles query, or the
    accepted, duplicate, late and rejected counts of the TypeScript engine's last line."""
    rows = None
    for line in stderr.splitlines():
        if '"batch done"' in line and '"query": "tiles"' in line:
            rows = (rows or 0) + json.loads(line)["rowsIn"]
        elif '"msg":"engine finished"' in line:
            entry = json.loads(line)
            rows = entry["accepted"] + entry["duplicates"] + entry["late"]
            rows += sum(entry["rejected"].values())
    return rows


def run_engine(name: str, command: list[str], env: dict, first: str, last: str) -> dict:
    """Run one engine to the end of the topic; its wall time and its processing span."""
    started = time.time()
    done = subprocess.run(command, cwd=REPO_DIR, env=env, capture_output=True, text=True)
    wall_ms = int((time.time() - started) * 1000)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"bench_engines: {name} exited {done.returncode}")
    start, end = log_times(done.stderr, first, last)
    if start is None or end is None:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"bench_engines: {name}: no '{first}' or '{last}' log line")
    rows = rows_read(done.stderr)
    return {"engine": name, "wallMs": wall_ms, "processingMs": end - start, "rowsIn": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=300_000, help="input size (300000)")
    parser.add_argument("--vehicles", type=int, default=2000, help="fleet size (2000)")
    parser.add_argument("--batch", type=int, default=50_000, help="micro-batch size (50000)")
    parser.add_argument("--master", default="local[2]", help="Spark master (local[2])")
    parser.add_argument("--keep-broker", action="store_true", help="leave the broker running")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    broker_env = {**os.environ, **{k: os.environ.get(k, v) for k, v in BROKER_ENV.items()}}
    bootstrap = f"127.0.0.1:{broker_env['KAFKA_PORT']}"
    topic = f"bench.engines.{int(time.time())}"
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP": bootstrap,
        "KAFKA_TOPIC": topic,
        "LOG_LEVEL": "info",
    }
    work = tempfile.mkdtemp(prefix="heatmap-bench-")
    subprocess.run(["bash", BROKER_SCRIPT, "start"], cwd=REPO_DIR, env=broker_env, check=True)
    try:
        # Stage: the input, published once.
        input_dir = os.path.join(work, "input")
        os.mkdir(input_dir)
        write = ["node", "--input-type=module", "-e", WRITE_INPUT_JS, "--"]
        write += [str(args.events), str(args.vehicles), "7", input_dir]
        subprocess.run(write, cwd=REPO_DIR, check=True)
        files = sorted(os.path.join(input_dir, f) for f in os.listdir(input_dir))
        produce = ["node", CLI, "produce", "replay", "--log", "kafka", "--no-loop"]
        produce += ["--as-fast-as-possible", "--original-times", *files]
        subprocess.run(produce, cwd=REPO_DIR, env=env, check=True, capture_output=True)

        # Stage: the engines, one after the other, on the same topic.
        results = []
        for udf in ("pandas", "plain"):
            job = [sys.executable, os.path.join(SPARK_DIR, "heatmap_stream.py"), "stream"]
            job += ["--master", args.master, "--shuffle-partitions", "2", "--available-now"]
            job += ["--max-offsets-per-trigger", str(args.batch), "--sink", "none"]
            job += ["--udf", udf, "--checkpoint", os.path.join(work, f"checkpoint-{udf}")]
            results.append(run_engine(f"spark-{udf}", job, env, "query started", "batch done"))
        engine = ["node", CLI, "engine", "--log", "kafka", "--until-idle", "--store", "sqlite"]
        engine += ["--db", os.path.join(work, "ts.sqlite"), "--max-batch-records", str(args.batch)]
        results.append(run_engine("ts-engine", engine, env, "engine started", "engine stopped"))
    finally:
        if not args.keep_broker:
            subprocess.run(["bash", BROKER_SCRIPT, "stop"], cwd=REPO_DIR, env=broker_env)
        shutil.rmtree(work, ignore_errors=True)

    # Stage: the figures, with ratios to the TypeScript engine of this run.
    ts = results[-1]
    figures = []
    for r in results:
        if r["rowsIn"] is not None and r["rowsIn"] != args.events:
            raise SystemExit(f"bench_engines: {r['engine']} read {r['rowsIn']} of {args.events}")
        rate = args.events / (r["processingMs"] / 1000)
        wall_rate = args.events / (r["wallMs"] / 1000)
        figures.append(
            {
                "engine": r["engine"],
                "events": args.events,
                "rowsIn": r["rowsIn"],
                "processingMs": r["processingMs"],
                "eventsPerSec": round(rate),
                "ratioToTs": round(ts["processingMs"] / r["processingMs"], 3),
                "wallMs": r["wallMs"],
                "wallEventsPerSec": round(wall_rate),
                "wallRatioToTs": round(ts["wallMs"] / r["wallMs"], 3),
            }
        )
    if args.json:
        print(json.dumps({"master": args.master, "batch": args.batch, "figures": figures}))
        return 0
    print(f"{args.events} events, micro-batches of {args.batch}, Spark {args.master}")
    print(f"{'engine':<14}{'events/s':>10}{'ratio':>8}{'wall events/s':>15}{'ratio':>8}")
    for f in figures:
        print(
            f"{f['engine']:<14}{f['eventsPerSec']:>10,}{f['ratioToTs']:>8.3f}"
            f"{f['wallEventsPerSec']:>15,}{f['wallRatioToTs']:>8.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
