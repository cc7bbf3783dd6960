"""The streaming job's stages that run without a JVM: validation (its pandas UDF body) and the
dead letters it keeps."""

import json
import threading

import pandas as pd
from pyspark.sql import Row

from heatmap.streaming_job import VALIDATED_SCHEMA, dead_letter, validate_values, watch_queries
from heatmap.validate_event import MAX_MESSAGE_BYTES


def run(values, reasons=None, details=None):
    n = len(values)
    return validate_values(
        pd.Series(values), pd.Series(reasons or [None] * n), pd.Series(details or [None] * n)
    )


def test_returns_one_row_of_the_explicit_schema_per_message():
    good = json.dumps(
        {
            "provider": "sim",
            "vehicleId": "a",
            "lat": 1,
            "lon": 2,
            "ts": "2025-10-04T10:00:00Z",
            "bearing": -1,
            "label": "A",
        }
    ).encode()
    frame = run([good, b"not json", None])
    assert list(frame.columns) == [f.name for f in VALIDATED_SCHEMA.fields]
    assert frame["reason"].tolist() == [None, "bad_json", "bad_json"]
    first = frame.iloc[0]
    assert (first["provider"], first["vehicleId"], first["tsMs"]) == ("sim", "a", 1759572000000)
    assert (first["lat"], first["label"], first["cleaned"]) == (1.0, "A", "bearing")
    # A missing number is NaN in a float column; Spark's Arrow conversion masks it to null.
    assert pd.isna(first["bearing"])


def test_keeps_text_columns_as_none_not_nan_so_arrow_can_convert_them():
    frame = run([b"{}"])
    assert frame["label"].tolist() == [None]
    assert frame["onGround"].tolist() == [None]


def test_takes_a_source_rejection_from_the_message_headers():
    frame = run([b"", b""], [b"no_position", b"weird"], [b"vehicle y1 has no position", b"x"])
    assert frame["reason"].tolist() == ["no_position", "decode_error"]
    assert frame["detail"].tolist() == ["vehicle y1 has no position", "weird: x"]


def test_dead_letters_keep_the_message_text_up_to_the_size_limit():
    row = Row(reason="bad_json", detail=None, provider=None, value=bytearray(b'{"a":'))
    assert dead_letter(row) == {
        "reason": "bad_json",
        "detail": "",
        "raw": '{"a":',
        "provider": None,
    }
    # A two-byte character cut in half at the limit is dropped, not kept as U+FFFD.
    long = ("x" * (MAX_MESSAGE_BYTES - 1) + "é" + "y").encode()
    raw = dead_letter(Row(reason="too_large", detail="d", provider="sim", value=long))["raw"]
    assert raw == "x" * (MAX_MESSAGE_BYTES - 1)
    assert (
        dead_letter(Row(reason="decode_error", detail="d", provider=None, value=None))["raw"] == ""
    )


def test_decodes_header_bytes_that_are_not_utf8_instead_of_failing():
    # Spark hands headers over as bytes; a cast to string would give Arrow text it refuses.
    frame = run([b"", b""], [b"no_position", b"\xff\xfe"], [b"bad \xc3", None])
    assert frame["reason"].tolist() == ["no_position", "decode_error"]
    assert frame["detail"].tolist() == ["bad \ufffd", "\ufffd\ufffd: "]


class FakeQuery:
    """A streaming query that fails or stops after some looks at it."""

    def __init__(self, active_looks: int, error: str | None = None):
        self.looks = active_looks
        self.error = error

    @property
    def isActive(self) -> bool:  # noqa: N802 (PySpark's name)
        self.looks -= 1
        return self.looks >= 0

    def exception(self):
        return self.error if self.looks < 0 else None


def test_a_query_that_failed_and_stopped_fails_the_job_even_when_both_are_inactive():
    # Both queries read as stopped on the first look, one of them with an error: the job must
    # not take that for a clean stop.
    queries = [FakeQuery(0, "pyarrow: wrapping failed"), FakeQuery(0)]
    assert watch_queries(queries, threading.Event(), poll_seconds=0) is True


def test_queries_that_stop_without_error_or_a_signal_end_the_watch_cleanly():
    assert watch_queries([FakeQuery(2), FakeQuery(1)], threading.Event(), poll_seconds=0) is False
    told = threading.Event()
    told.set()
    assert watch_queries([FakeQuery(99), FakeQuery(99)], told, poll_seconds=0) is False
