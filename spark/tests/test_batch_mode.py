"""The batch mode (heatmap_stream.py aggregate): SPEC 4's object from hand-written NDJSON, and
the conformance folder, which the TypeScript engine passes too."""

import json
import os
import subprocess
import sys

import pytest

from heatmap.batch_engine import EngineSettings, MicroBatchEngine

SPARK_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES_DIR = os.path.join(os.path.dirname(SPARK_DIR), "conformance", "cases")
JOB = os.path.join(SPARK_DIR, "heatmap_stream.py")
NOW = 1759579200000  # 2025-10-04T12:00:00Z


def event(vehicle_id, ts, **extra):
    fields = {
        "provider": "mbta",
        "vehicleId": vehicle_id,
        "lat": 42.3601,
        "lon": -71.0589,
        "ts": ts,
    }
    return ("raw", json.dumps({**fields, **extra}))


def aggregate(*args):
    done = subprocess.run(
        [sys.executable, JOB, "aggregate", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "LOG_LEVEL": "warn"},
    )
    return done.returncode, done.stdout, done.stderr


def test_counts_a_report_polled_twice_once_and_keeps_the_first():
    engine = MicroBatchEngine(EngineSettings())
    engine.process_batch(
        [
            event("y1", "2025-10-04T10:00:10Z", speedKmh=36),
            event("y1", "2025-10-04T10:00:10.000Z", speedKmh=99),
            event("y1", "2025-10-04T10:01:00Z"),
            event("y2", "2025-10-04T10:04:59.999Z", speedKmh=18),
        ],
        NOW,
    )
    result = engine.result()
    assert result["stats"] == {
        "accepted": 3,
        "duplicates": 1,
        "late": 0,
        "rejected": {},
        "cleaned": {},
    }
    (tile,) = result["tiles"]
    assert (tile["count"], tile["vehicles"], tile["speedSamples"], tile["avgSpeedKmh"]) == (
        3,
        2,
        2,
        27,
    )
    assert (tile["windowStart"], tile["windowEnd"]) == (
        "2025-10-04T10:00:00.000Z",
        "2025-10-04T10:05:00.000Z",
    )
    assert tile["staleAt"] == "2025-10-04T10:50:00.000Z"
    assert [p["ts"] for p in result["positions"]] == [
        "2025-10-04T10:01:00.000Z",
        "2025-10-04T10:04:59.999Z",
    ]


def test_counts_late_reports_in_the_next_micro_batch_only():
    engine = MicroBatchEngine(EngineSettings(watermark_seconds=600))
    engine.process_batch(
        [event("y1", "2025-10-04T10:20:00Z"), event("y2", "2025-10-04T09:00:00Z")], NOW
    )
    engine.process_batch(
        [event("y3", "2025-10-04T10:10:00Z"), event("y2", "2025-10-04T10:10:00.001Z")], NOW
    )
    stats = engine.result()["stats"]
    assert (stats["accepted"], stats["late"]) == (3, 1)
    positions = {p["vehicleId"]: p["ts"] for p in engine.result()["positions"]}
    assert positions["y3"] == "2025-10-04T10:10:00.000Z"


def test_prints_the_spec_4_object_for_ndjson_files(tmp_path):
    first = tmp_path / "1.ndjson"
    first.write_text(
        '{"provider":"sim","vehicleId":"a","lat":1.5,"lon":2.5,"ts":"2025-10-04T10:00:00Z","label":"A"}\n'
        "\n"
        "not json\n"
        '{"provider":"sim","vehicleId":"b","lat":0,"lon":0,"ts":"2025-10-04T10:00:00Z"}\n'
    )
    second = tmp_path / "2.ndjson"
    second.write_text(
        '{"provider":"sim","vehicleId":"a","lat":1.5,"lon":2.5,"ts":"2025-10-04T09:40:00Z"}\n'
    )
    code, out, _ = aggregate("--now", "2025-10-04T12:00:00Z", str(first), str(second))
    assert code == 0
    result = json.loads(out)
    assert result["stats"] == {
        "accepted": 1,
        "duplicates": 0,
        "late": 1,
        "rejected": {"bad_json": 1, "null_island": 1},
        "cleaned": {},
    }
    assert result["positions"] == [
        {
            "provider": "sim",
            "vehicleId": "a",
            "ts": "2025-10-04T10:00:00.000Z",
            "lat": 1.5,
            "lon": 2.5,
            "speedKmh": None,
            "bearing": None,
            "accuracyM": None,
            "label": "A",
        }
    ]
    # The cell id printed by h3-js's latLngToCell(1.5, 2.5, 8).
    assert [t["cellId"] for t in result["tiles"]] == ["887568ca95fffff"]


@pytest.mark.parametrize(
    "args", [["--res", "16"], ["--feed", "Bad Name"], ["--now", "yesterday"], []]
)
def test_refuses_bad_options_as_a_usage_error(args, tmp_path):
    code, _, err = aggregate(*args, *([str(tmp_path / "x")] if args else []))
    assert code == 2
    assert "usage:" in err


@pytest.mark.parametrize("case", sorted(os.listdir(CASES_DIR)))
def test_passes_the_conformance_case(case):
    spec = json.load(open(os.path.join(CASES_DIR, case, "case.json")))
    inputs = sorted(os.listdir(os.path.join(CASES_DIR, case, "input")))
    code, out, err = aggregate(
        *spec["args"], *(os.path.join(CASES_DIR, case, "input", f) for f in inputs)
    )
    assert code == 0, err
    expected = json.load(open(os.path.join(CASES_DIR, case, "expected.json")))
    actual = json.loads(out)
    assert actual["stats"] == expected["stats"]
    assert actual["positions"] == expected["positions"]
    assert actual["tiles"] == expected["tiles"]
