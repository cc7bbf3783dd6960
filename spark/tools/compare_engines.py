#!/usr/bin/env python3
"""Compare the batch mode of the PySpark job with the TypeScript engine's, file by file.

Usage::

    spark/.venv/bin/python spark/tools/compare_engines.py [--now ISO] [--feed NAME] PATH...

Each PATH (a file, or a folder searched for recordings) is given alone to both
``node dist/src/cli/main.js aggregate`` (build it first) and ``heatmap_stream.py aggregate``;
the outputs must be equal, except that tile centroids may differ in the last bits (see
heatmap/cells.py, cell_to_centroid). Exit code 1 when any file differs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys

SPARK_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_DIR = os.path.dirname(SPARK_DIR)
SKIPPED = (".md", ".txt", ".csv", ".tsv", ".html", ".pdf", ".sha256")


def recording_paths(path: str) -> list[str]:
    """The recording files under ``path`` (itself when a file), sorted; docs left out."""
    if os.path.isfile(path):
        return [path]
    found = []
    for root, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith(".") and not name.lower().endswith(SKIPPED):
                found.append(os.path.join(root, name))
    return sorted(found)


def centroids_close(a: object, b: object) -> bool:
    """Deep equality, but with coordinates of tile centroids equal within 1e-12 degrees."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return False
        if a.get("type") == "Point" and "coordinates" in a:
            return all(
                math.isclose(x, y, rel_tol=0, abs_tol=1e-12)
                for x, y in zip(a["coordinates"], b["coordinates"], strict=True)
            )
        return all(centroids_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(centroids_close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def run(command: list[str]) -> dict:
    done = subprocess.run(
        command,
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, "LOG_LEVEL": "warn"},
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[:3])}... exit {done.returncode}: {done.stderr[-400:]}"
        )
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--now", default="2030-01-01T00:00:00Z")
    parser.add_argument("--feed")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()

    flags = ["--now", args.now] + (["--feed", args.feed] if args.feed else [])
    ts_engine = ["node", os.path.join(REPO_DIR, "dist/src/cli/main.js"), "aggregate"]
    py_engine = [sys.executable, os.path.join(SPARK_DIR, "heatmap_stream.py"), "aggregate"]
    differing = 0
    for path in [p for arg in args.paths for p in recording_paths(arg)]:
        expected = run(ts_engine + flags + [path])
        actual = run(py_engine + flags + [path])
        same = centroids_close(actual, expected)
        exact = actual == expected
        stats = expected["stats"]
        summary = f"tiles {len(expected['tiles'])} positions {len(expected['positions'])} "
        summary += f"accepted {stats['accepted']} rejected {sum(stats['rejected'].values())}"
        print(f"{'same' if same else 'DIFF'} {'exact' if exact else 'ulp  '} {summary}  {path}")
        if not same:
            differing += 1
            for part in ("stats", "tiles", "positions"):
                if not centroids_close(actual[part], expected[part]):
                    print(f"  {part}: expected {json.dumps(expected[part])[:400]}")
                    print(f"  {part}: actual   {json.dumps(actual[part])[:400]}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
