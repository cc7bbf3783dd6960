"""The streaming job's stages that run without a JVM: validation (its pandas UDF body) and the
dead letters it keeps."""

import json

import pandas as pd
from pyspark.sql import Row

from heatmap.streaming_job import VALIDATED_SCHEMA, dead_letter, validate_values
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
    frame = run([b"", b""], ["no_position", "weird"], ["vehicle y1 has no position", "x"])
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
