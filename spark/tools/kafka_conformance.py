#!/usr/bin/env python3
"""Run conformance cases through Kafka and the streaming job, and compare the stored result.

Usage::

    spark/.venv/bin/python spark/tools/kafka_conformance.py [--case NAME]...

Needs a broker and a MongoDB-wire store (KAFKA_BOOTSTRAP, MONGO_URI; e.g. ``make kafka`` and
``make ferretdb``) and the TypeScript build (its ``produce`` command publishes the inputs). For
each case, every input file is published to a fresh topic and followed by one run of the job
with ``--available-now`` and the case's checkpoint, so each file is one micro-batch and every run
after the first is a restart from the checkpoint. The tiles and positions stored in a fresh
database must then equal the case's expected.json (centroids within 1e-12 degrees). The counters
are not compared (the job logs them, it does not store them), and ``--now`` has no equivalent:
the job's clock is the wall clock, so validation-reasons (a future timestamp) is left out.
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
CASES_DIR = os.path.join(REPO_DIR, "conformance", "cases")
sys.path.insert(0, SPARK_DIR)
sys.path.insert(0, TOOLS_DIR)

from compare_engines import centroids_close  # noqa: E402
from store_snapshot import snapshot  # noqa: E402

from heatmap.mongo_sink import open_client  # noqa: E402
from heatmap.settings import env  # noqa: E402

#: Cases the streaming job cannot meet, and why: validation-reasons needs --now (a future
#: timestamp), which a streaming job cannot be given; times-before-year-one holds reports dated
#: before 1970, late in Spark's first micro-batch (spark/README.md, Limitations).
LEFT_OUT = ("validation-reasons", "times-before-year-one")
DEFAULT_CASES = tuple(c for c in sorted(os.listdir(CASES_DIR)) if c not in LEFT_OUT)


def run_case(case: str, run_id: str, master: str) -> bool:
    spec = json.load(open(os.path.join(CASES_DIR, case, "case.json")))
    feed = spec["args"][spec["args"].index("--feed") + 1] if "--feed" in spec["args"] else None
    topic = f"spark.conformance.{case}.{run_id}"
    database = f"spark_conformance_{case.replace('-', '_')}_{run_id}"
    checkpoint = tempfile.mkdtemp(prefix=f"heatmap-{case}-")
    job_env = {**os.environ, "KAFKA_TOPIC": topic, "MONGO_DB": database, "LOG_LEVEL": "warn"}

    # Stage: one file, one publish, one run of the job (a restart after the first).
    input_dir = os.path.join(CASES_DIR, case, "input")
    for name in sorted(os.listdir(input_dir)):
        produce = ["node", "dist/src/cli/main.js", "produce", "replay", "--log", "kafka"]
        produce += ["--as-fast-as-possible", "--original-times", "--no-loop"]
        produce += (["--feed", feed] if feed else []) + [os.path.join(input_dir, name)]
        subprocess.run(produce, cwd=REPO_DIR, env=job_env, check=True, capture_output=True)
        job = [sys.executable, os.path.join(SPARK_DIR, "heatmap_stream.py"), "stream"]
        job += ["--master", master, "--shuffle-partitions", "2", "--available-now"]
        job += ["--checkpoint", checkpoint]
        done = subprocess.run(job, cwd=REPO_DIR, env=job_env, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"FAIL {case}: the job exited {done.returncode}\n{done.stderr[-2000:]}")
            return False

    # Stage: what the store holds, against expected.json.
    client = open_client(env("MONGO_URI"))
    stored = snapshot(client[database])
    client.drop_database(database)
    client.close()
    shutil.rmtree(checkpoint, ignore_errors=True)
    expected = json.load(open(os.path.join(CASES_DIR, case, "expected.json")))
    same = all(centroids_close(stored[p], expected[p]) for p in ("tiles", "positions"))
    print(
        f"{'ok  ' if same else 'FAIL'} {case}: {len(stored['tiles'])} tiles, "
        f"{len(stored['positions'])} positions"
    )
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", action="append", help="a case of conformance/cases")
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    run_id = str(int(time.time()))
    results = [run_case(case, run_id, args.master) for case in args.case or DEFAULT_CASES]
    print(f"kafka conformance: {sum(results)} passed, {len(results) - sum(results)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
