#!/usr/bin/env python3
"""Print what a MongoDB store holds in the shape of SPEC 4, to compare with ``aggregate``.

Usage::

    spark/.venv/bin/python spark/tools/store_snapshot.py [--mongo-uri URI] [--mongo-db NAME]
        [--expected AGGREGATE.json]

Tiles and positions are read from ``tiles`` and ``positions_latest`` and printed as the batch
mode prints them (sorted, ISO times, no stats). With ``--expected``, they are compared with the
tiles and positions of an ``aggregate`` output instead (centroids within 1e-12 degrees), and the
exit code says whether they agree.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


from heatmap.mongo_sink import date_to_ms, open_client  # noqa: E402
from heatmap.rfc3339 import ms_to_iso  # noqa: E402
from heatmap.settings import env  # noqa: E402
from heatmap.validate_event import EXTENSION_FIELDS  # noqa: E402


def iso(value) -> str:
    """A BSON date (a datetime, or DatetimeMS before year 1) as SPEC 4 prints times."""
    return ms_to_iso(date_to_ms(value))


def snapshot(db) -> dict:
    tiles = []
    for d in db.tiles.find({}, {"_id": 0}):
        tiles.append(
            {
                "provider": d["provider"],
                "grid": d["grid"],
                "cellId": d["cellId"],
                "windowStart": iso(d["windowStart"]),
                "windowEnd": iso(d["windowEnd"]),
                "count": d["count"],
                "vehicles": d["vehicles"],
                "avgSpeedKmh": d["avgSpeedKmh"],
                "speedSamples": d["speedSamples"],
                "centroid": d["centroid"],
                "staleAt": iso(d["staleAt"]),
            }
        )
    positions = []
    for d in db.positions_latest.find({}, {"_id": 0}):
        p = {k: d.get(k) for k in ("provider", "vehicleId")}
        p["ts"] = iso(d["ts"])
        p.update({k: d.get(k) for k in ("lat", "lon", "speedKmh", "bearing", "accuracyM")})
        p.update({k: d[k] for k in EXTENSION_FIELDS if k in d})
        positions.append(p)
    tiles.sort(key=lambda t: (t["windowStart"], t["provider"], t["cellId"]))
    positions.sort(key=lambda p: (p["provider"], p["vehicleId"]))
    return {"tiles": tiles, "positions": positions}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mongo-uri", default=env("MONGO_URI"))
    parser.add_argument("--mongo-db", default=env("MONGO_DB"))
    parser.add_argument("--expected")
    args = parser.parse_args()

    db = open_client(args.mongo_uri)[args.mongo_db]
    stored = snapshot(db)
    if args.expected is None:
        print(json.dumps(stored, indent=2))
        return 0

    from compare_engines import centroids_close

    expected = json.load(open(args.expected))
    agree = True
    for part in ("tiles", "positions"):
        same = centroids_close(stored[part], expected[part])
        agree &= same
        print(
            f"{part}: {len(stored[part])} stored, {len(expected[part])} expected, "
            f"{'same' if same else 'DIFFERENT'}"
        )
        if not same:
            for s, e in zip(stored[part], expected[part], strict=False):
                if not centroids_close(s, e):
                    print(f"  stored   {json.dumps(s)}\n  expected {json.dumps(e)}")
                    break
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
