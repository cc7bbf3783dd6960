"""MongoDB writes of the streaming job (SPEC 7), in the layout of the TypeScript Mongo store.

Field names, ``_id`` keys, BSON dates, GeoJSON points and index names are those of
src/store/mongo-documents.ts and src/store/mongo-schema.ts, so the API reads what Spark writes and
either engine may rewrite the other's documents. Upserts are keyed on ``_id`` alone: every
MongoDB-wire server answers an ``_id`` lookup from its primary key, while FerretDB 1.24 scans the
whole collection for any other filter (a backfill of thousands of tiles took minutes).

Tiles are written as totals with ``$set`` (never ``$inc``), so a micro-batch re-run after a crash
ends in the same documents; a latest position is replaced only by a newer report (a conditional
upsert on ``ts``; a vehicle not yet stored is inserted, as an upsert that finds nothing scans the
collection on FerretDB), and the duplicate-key error of two writers racing on a new vehicle or
tile is retried, never surfaced; dead letters are inserted under ids that name their
micro-batch, so a re-run inserts nothing new.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from bson.codec_options import DatetimeConversion
from bson.datetime_ms import DatetimeMS
from pymongo import ASCENDING, DESCENDING, MongoClient, ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from heatmap.rfc3339 import ms_to_iso
from heatmap.validate_event import EXTENSION_FIELDS

TILES = "tiles"
POSITIONS = "positions_latest"
CHECKPOINTS = "checkpoints"
DEAD_LETTERS = "dead_letters"

#: Dead letters kept in the store, newest first (DEFAULT_DEAD_LETTER_LIMIT of src/store/store.ts);
#: their counts stay in the counters.
DEAD_LETTER_LIMIT = 100_000

#: The duplicate-key error: two upserts of one new vehicle raced, one of them inserted first.
DUPLICATE_KEY = 11000

log = logging.getLogger("heatmap.mongo")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: 0001-01-01T00:00:00Z in epoch milliseconds, the first time a Python datetime holds.
_FIRST_DATETIME_MS = (datetime(1, 1, 1, tzinfo=UTC) - _EPOCH) // timedelta(milliseconds=1)


def ms_to_date(ms: int) -> datetime | DatetimeMS:
    """Epoch milliseconds as a BSON date: an aware UTC datetime, or pymongo's DatetimeMS for
    times before year 1, which a datetime cannot hold (a report of 0001-01-01T00:00+01:00 is
    valid RFC 3339 and in UTC year 0; the TypeScript engine stores it as any other date)."""
    ms = int(ms)
    if ms < _FIRST_DATETIME_MS:
        return DatetimeMS(ms)
    return _EPOCH + timedelta(milliseconds=ms)


def date_to_ms(value: datetime | DatetimeMS) -> int:
    """A BSON date as pymongo returns it (naive UTC datetime, aware datetime or DatetimeMS) as
    epoch milliseconds."""
    if isinstance(value, DatetimeMS):
        return int(value)
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return (aware - _EPOCH) // timedelta(milliseconds=1)


def tile_id_of(provider: str, grid: str, cell_id: str, window_start_ms: int) -> str:
    """The ``_id`` of a tile: ``<provider>:<grid>:<cellId>:<windowStart ISO-8601 with ms>``."""
    return f"{provider}:{grid}:{cell_id}:{ms_to_iso(window_start_ms)}"


def position_id_of(provider: str, vehicle_id: str) -> str:
    """The ``_id`` of a latest position: ``<provider>:<vehicleId>``, the Kafka key of SPEC 1."""
    return f"{provider}:{vehicle_id}"


def tile_document(tile: dict[str, Any]) -> dict[str, Any]:
    """A tile as stored in ``tiles`` (TileDocument of mongo-documents.ts).

    Parameters
    ----------
    tile : dict
        provider, grid, cellId, windowStartMs, windowEndMs, count, vehicles, speedSumKmh,
        speedSamples, avgSpeedKmh, centroid (lon, lat), staleAtMs.
    """
    lon, lat = tile["centroid"]
    return {
        "_id": tile_id_of(tile["provider"], tile["grid"], tile["cellId"], tile["windowStartMs"]),
        "provider": tile["provider"],
        "grid": tile["grid"],
        "cellId": tile["cellId"],
        "windowStart": ms_to_date(tile["windowStartMs"]),
        "windowEnd": ms_to_date(tile["windowEndMs"]),
        "count": tile["count"],
        "vehicles": tile["vehicles"],
        "speedSumKmh": tile["speedSumKmh"],
        "speedSamples": tile["speedSamples"],
        "avgSpeedKmh": tile["avgSpeedKmh"],
        "centroid": {"type": "Point", "coordinates": [lon, lat]},
        "lon": lon,
        "lat": lat,
        "staleAt": ms_to_date(tile["staleAtMs"]),
    }


def position_document(p: dict[str, Any]) -> dict[str, Any]:
    """A latest position as stored in ``positions_latest``; extensions only when known."""
    doc = {
        "_id": position_id_of(p["provider"], p["vehicleId"]),
        "provider": p["provider"],
        "vehicleId": p["vehicleId"],
        "lat": p["lat"],
        "lon": p["lon"],
        "loc": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
        "ts": ms_to_date(p["tsMs"]),
        "speedKmh": p.get("speedKmh"),
        "bearing": p.get("bearing"),
        "accuracyM": p.get("accuracyM"),
    }
    for name in EXTENSION_FIELDS:
        if p.get(name) is not None:
            doc[name] = p[name]
    return doc


def dead_letter_id_of(engine_id: str, run_id: str, batch_id: int, seq: int) -> str:
    """The ``_id`` of a dead letter: ``<engine>:<run>:<batchId>:<place in the batch>``.

    ``run_id`` is the id Spark keeps in the checkpoint for the events query: micro-batch ids
    start again at 0 with a new checkpoint, and must not meet the letters of an earlier one.
    """
    return f"{engine_id}:{run_id}:{batch_id}:{seq}"


def dead_letter_document(
    letter: dict[str, Any], letter_id: str, commit_seq: int, seq: int, at: datetime
) -> dict[str, Any]:
    """A dead letter as stored in ``dead_letters`` (DeadLetterDocument of mongo-documents.ts).

    Parameters
    ----------
    letter : dict
        reason, detail, raw (the message text), and provider when known.
    commit_seq, seq : int
        The commit counter of the micro-batch and the letter's place in it: the order of
        dead letters, newest first.
    """
    doc = {"_id": letter_id, "reason": letter["reason"], "detail": letter["detail"]}
    doc["raw"] = letter["raw"]
    if letter.get("provider") is not None:
        doc["provider"] = letter["provider"]
    doc.update({"at": at, "commitSeq": commit_seq, "seq": seq})
    return doc


#: Indexes every MongoDB-wire server builds, as mongo-schema.ts names them.
PLAIN_INDEXES = {
    TILES: [
        ([("provider", 1), ("grid", 1), ("cellId", 1), ("windowStart", 1)], "tile_identity", True),
        ([("grid", ASCENDING), ("windowStart", DESCENDING)], "grid_window_start", False),
        ([("provider", ASCENDING), ("windowStart", DESCENDING)], "provider_window_start", False),
        ([("windowEnd", DESCENDING)], "window_end", False),
        ([("lat", 1), ("lon", 1)], "lat_lon", False),
    ],
    POSITIONS: [
        ([("provider", 1), ("vehicleId", 1)], "vehicle_identity", True),
        ([("ts", DESCENDING)], "ts_desc", False),
        ([("lat", 1), ("lon", 1)], "lat_lon", False),
    ],
    DEAD_LETTERS: [([("commitSeq", DESCENDING), ("seq", DESCENDING)], "newest_first", False)],
}

# Codes that are failures to report, not a missing feature: Unauthorized, AuthenticationFailed,
# IndexOptionsConflict, IndexKeySpecsConflict (as mongo-schema.ts sorts them).
_NOT_A_MISSING_FEATURE = (13, 18, 85, 86)


def _try_index(collection: Any, keys: list, name: str, fallback: str, **options: Any) -> bool:
    """Create an optional index; False when the server has no such kind of index."""
    try:
        collection.create_index(keys, name=name, **options)
        return True
    except OperationFailure as err:
        if err.code in _NOT_A_MISSING_FEATURE:
            raise
        log.warning(
            "index not supported",
            extra={"context": {"index": name, "fallback": fallback, "err": str(err)[:300]}},
        )
        return False


def ensure_indexes(db: Any) -> dict[str, bool]:
    """Create the indexes of SPEC 7 with the TypeScript store's names; safe at every start.

    Indexes are created one per call: FerretDB 1.24 drops the connection when one call names
    several indexes that exist already, as every restart does. Where the server lacks TTL or
    2dsphere indexes (FerretDB), it says so once in the log and carries on.

    Returns
    -------
    dict
        Which optional features the server has: ``ttl`` and ``geo``.
    """
    for collection, indexes in PLAIN_INDEXES.items():
        for keys, name, unique in indexes:
            db[collection].create_index(keys, name=name, unique=unique)

    tiles, positions = db[TILES], db[POSITIONS]
    ttl = _try_index(
        tiles,
        [("staleAt", 1)],
        "stale_at_ttl",
        "stale tiles stay until a sweep deletes them",
        expireAfterSeconds=0,
    )
    if not ttl:
        tiles.create_index([("staleAt", 1)], name="stale_at")
    fallback = "boxes are filtered on the plain lon/lat fields"
    geo = _try_index(tiles, [("centroid", "2dsphere")], "centroid_2dsphere", fallback)
    geo = geo and _try_index(positions, [("loc", "2dsphere")], "loc_2dsphere", fallback)
    return {"ttl": ttl, "geo": geo}


def write_tiles(db: Any, tiles: Iterable[dict[str, Any]], attempts: int = 3) -> int:
    """Upsert tile totals by identity in unordered bulk writes (``$set``, never ``$inc``).

    Two writers upserting one new tile at once race on its id (MongoDB retries such an upsert
    itself; FerretDB answers E11000): the tile exists then, and the whole batch is sent again,
    which sets the same totals, as src/store/mongo-store.ts does.

    Returns
    -------
    int
        How many tiles were written.
    """
    updates = []
    for tile in tiles:
        fields = tile_document(tile)
        tile_id = fields.pop("_id")
        updates.append({"q": {"_id": tile_id}, "u": {"$set": fields}, "upsert": True})
    for attempt in range(1, attempts + 1):
        errors = update_unordered(db, TILES, updates)
        if not errors:
            break
        raced = all(e.get("code") == DUPLICATE_KEY for e in errors)
        if not raced or attempt == attempts:
            raise write_errors(errors)
    return len(updates)


def write_positions(db: Any, positions: Iterable[dict[str, Any]], attempts: int = 5) -> int:
    """Upsert latest positions that are newer than the stored ones; never back in time.

    A stored report at least as new stays, as SPEC 3 wants: it is left out before the write, and
    a report stored by another writer in the meantime makes the conditional upsert try an
    insert, which the unique index refuses with E11000. Two writers inserting one new vehicle at
    once race the same way. Either way the positions are read and tried again.

    Parameters
    ----------
    positions : iterable of dict
        At most one per (provider, vehicleId): the newest of the batch.

    Returns
    -------
    int
        How many positions were offered to the store.
    """
    docs = [position_document(p) for p in positions]
    pending = docs
    for _attempt in range(attempts):
        # Reports no newer than the stored ones (a vehicle polled again, a batch run again after
        # a crash) are left out, by one read of their ids: no write is sent that would not apply.
        # New vehicles are inserted (an upsert that finds nothing scans the collection on
        # FerretDB 1.24); the others are updated only over an older report.
        stored = _stored_ts(db, [d["_id"] for d in pending])
        pending = [d for d in pending if stored.get(d["_id"], -math.inf) < date_to_ms(d["ts"])]
        if not pending:
            return len(docs)
        updates = []
        for doc in pending:
            if doc["_id"] not in stored:
                continue
            update: dict[str, Any] = {"$set": _without_id(doc)}
            absent = {name: "" for name in EXTENSION_FIELDS if name not in doc}
            if absent:
                # A newer report replaces the whole position: extensions it lacks are removed.
                update["$unset"] = absent
            query = {"_id": doc["_id"], "ts": {"$lt": doc["ts"]}}
            updates.append({"q": query, "u": update, "upsert": True})
        errors = insert_unordered(db, POSITIONS, [d for d in pending if d["_id"] not in stored])
        errors += update_unordered(db, POSITIONS, updates)
        if not errors:
            return len(docs)
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise write_errors(errors)
        # Another writer stored one of these vehicles first. Some servers (FerretDB) stop an
        # unordered command at its first error, so every position is checked again.
    raise RuntimeError(f"positions kept racing with other writers after {attempts} tries")


#: Writes of one update command at most (WRITES_PER_COMMAND of src/store/mongo-store.ts).
#: FerretDB 1.24 keeps a database connection open for every update of an existing document until
#: the command ends, and its pool holds 100: one command of 300 updates hung the server for good.
#: Parts of 40 leave room for the job's other query and the API's readers.
WRITES_PER_COMMAND = 40


def update_unordered(
    db: Any, collection: str, updates: list[dict], chunk: int = WRITES_PER_COMMAND
) -> list:
    """Run updates as unordered ``update`` commands of at most ``chunk``; return their errors.

    The command is sent as it is, not through ``bulk_write``: FerretDB 1.24 answers a bulk that
    has write errors without ``n`` and ``nModified``, and pymongo 4.20's bulk_write then fails
    with a KeyError instead of reporting the duplicate-key errors this sink expects.
    """
    return _unordered_in_parts(db, "update", "updates", collection, updates, chunk)


def insert_unordered(
    db: Any, collection: str, docs: list[dict], chunk: int = WRITES_PER_COMMAND
) -> list:
    """Run inserts as unordered ``insert`` commands of at most ``chunk``; return their errors."""
    return _unordered_in_parts(db, "insert", "documents", collection, docs, chunk)


def _unordered_in_parts(
    db: Any, verb: str, field: str, collection: str, items: list[dict], chunk: int
) -> list:
    # Each part is one command; the errors' indexes are made to count from the first item.
    errors: list = []
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        reply = db.command({verb: collection, field: part, "ordered": False})
        for error in reply.get("writeErrors", []):
            errors.append({**error, "index": error.get("index", 0) + start})
    return errors


def write_errors(errors: list) -> BulkWriteError:
    """Write errors of ``insert_unordered`` and ``update_unordered`` as pymongo's exception."""
    return BulkWriteError({"writeErrors": errors, "nInserted": 0, "nUpserted": 0})


def _stored_ts(db: Any, ids: list[str]) -> dict[str, int]:
    """The stored report time (epoch ms) of the positions of ``ids`` that exist."""
    found = db[POSITIONS].find({"_id": {"$in": ids}}, {"ts": 1})
    return {s["_id"]: date_to_ms(s["ts"]) for s in found}


def _without_id(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "_id"}


def next_commit_seq(db: Any, attempts: int = 3) -> int:
    """Increment the commit counter that every engine of the database shares.

    Two writers creating the counter at once race on its ``_id``: the loser's duplicate-key
    error means the counter exists now, and its next try increments it. MongoDB retries such an
    upsert itself; FerretDB does not.

    Returns
    -------
    int
        The counter's new value: it orders commits, and so dead letters, across engines.
    """
    for attempt in range(1, attempts + 1):
        try:
            counter = db[CHECKPOINTS].find_one_and_update(
                {"_id": "~commit-seq"},
                {"$inc": {"commitSeq": 1}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
            return counter["commitSeq"]
        except DuplicateKeyError:
            if attempt == attempts:
                raise
    raise ValueError(f"attempts must be at least 1, not {attempts}")


def write_dead_letters(
    db: Any,
    letter_ids: list[str],
    letters: list[dict[str, Any]],
    limit: int = DEAD_LETTER_LIMIT,
) -> int:
    """Keep a micro-batch's rejected messages in ``dead_letters``, as the TypeScript store does.

    Each letter's ``_id`` names the micro-batch and the letter's place in it, so a micro-batch
    run again after a crash inserts nothing new (``$setOnInsert``). Letters are ordered by the
    shared commit counter, then by place; the oldest beyond ``limit`` are deleted, so that a
    feed of bad messages cannot fill the disk (their counts stay in the counters).

    Parameters
    ----------
    letter_ids : list of str
        The letters' ids (dead_letter_id_of), in the order of ``letters``.
    letters : list of dict
        reason, detail, raw (the message text), and provider when known, in log order.

    Returns
    -------
    int
        How many letters were offered to the store.
    """
    if not letters:
        return 0
    commit_seq = next_commit_seq(db)
    at = datetime.now(UTC)
    updates = []
    for seq, (letter_id, letter) in enumerate(zip(letter_ids, letters, strict=True)):
        doc = dead_letter_document(letter, letter_id, commit_seq, seq, at)
        del doc["_id"]
        updates.append({"q": {"_id": letter_id}, "u": {"$setOnInsert": doc}, "upsert": True})
    errors = update_unordered(db, DEAD_LETTERS, updates)
    if errors:
        raise write_errors(errors)
    cut = next(
        db[DEAD_LETTERS]
        .find({}, {"commitSeq": 1, "seq": 1})
        .sort([("commitSeq", DESCENDING), ("seq", DESCENDING)])
        .skip(limit)
        .limit(1),
        None,
    )
    if cut is not None:
        older = {"$lt": cut["commitSeq"]}
        db[DEAD_LETTERS].delete_many(
            {
                "$or": [
                    {"commitSeq": older},
                    {"commitSeq": cut["commitSeq"], "seq": {"$lte": cut["seq"]}},
                ]
            }
        )
    return len(letters)


def read_stats(db: Any, engine_id: str) -> dict[str, Any] | None:
    """The counters an engine stored last (EngineStats of src/store/store.ts), or None."""
    doc = db[CHECKPOINTS].find_one({"_id": engine_id}, {"stats": 1})
    return None if doc is None or "stats" not in doc else json.loads(doc["stats"])


def write_stats(db: Any, engine_id: str, stats: dict[str, Any]) -> None:
    """Store an engine's counters where ``GET /api/stats`` reads them.

    As the TypeScript store does, the document of ``checkpoints`` keyed by the engine's id holds
    the counters as JSON text and the value of a commit counter shared by every engine, so the
    API shows the engine that committed last.
    """
    db[CHECKPOINTS].update_one(
        {"_id": engine_id},
        {"$set": {"stats": json.dumps(stats), "commitSeq": next_commit_seq(db)}},
        upsert=True,
    )


def open_client(uri: str) -> MongoClient:
    """One client for the life of the job (pymongo pools connections; reuse it)."""
    return MongoClient(
        uri,
        serverSelectionTimeoutMS=10_000,
        appname="mobility-heatmap-spark",
        # Dates before year 1 come back as DatetimeMS instead of failing the read.
        datetime_conversion=DatetimeConversion.DATETIME_AUTO,
    )
