"""The sink's writes on a real MongoDB-wire server (the FerretDB of ``make test``, named by
MONGO_TEST_URI): new vehicles inserted, known ones updated, positions never back in time, tiles
as totals, and two writers racing on the same new documents."""

import os
import threading
import uuid

import pytest
from bson.datetime_ms import DatetimeMS

from heatmap import mongo_sink

URI = os.environ.get("MONGO_TEST_URI")
pytestmark = pytest.mark.skipif(URI is None, reason="MONGO_TEST_URI unset: make test sets it")

T0 = 1_759_572_000_000  # 2025-10-04T10:00:00Z


@pytest.fixture
def db():
    client = mongo_sink.open_client(URI)
    name = f"pytest_sink_{uuid.uuid4().hex[:12]}"
    mongo_sink.ensure_indexes(client[name])
    yield client[name]
    client.drop_database(name)
    client.close()


def position(vehicle: str, ts_ms: int, **extra) -> dict:
    return {
        "provider": "sim",
        "vehicleId": vehicle,
        "lat": 42.3,
        "lon": -71.1,
        "tsMs": ts_ms,
        **extra,
    }


def tile(cell: str, count: int) -> dict:
    return {
        "provider": "sim",
        "grid": "h3r8",
        "cellId": cell,
        "windowStartMs": T0,
        "windowEndMs": T0 + 300_000,
        "count": count,
        "vehicles": 1,
        "speedSumKmh": 0.0,
        "speedSamples": 0,
        "avgSpeedKmh": None,
        "centroid": (-71.1, 42.3),
        "staleAtMs": T0 + 3_000_000,
    }


def stored_ts(db) -> dict[str, int]:
    return {d["vehicleId"]: mongo_sink.date_to_ms(d["ts"]) for d in db.positions_latest.find()}


def test_positions_are_inserted_then_move_only_forward_in_time(db):
    mongo_sink.write_positions(db, [position("a", T0, label="A"), position("b", T0)])
    # An older report and the same one again change nothing; a newer one replaces the whole
    # position, its missing extension removed.
    mongo_sink.write_positions(db, [position("a", T0 - 1_000), position("b", T0)])
    assert stored_ts(db) == {"a": T0, "b": T0}
    assert db.positions_latest.find_one({"vehicleId": "a"})["label"] == "A"
    mongo_sink.write_positions(db, [position("a", T0 + 1_000)])
    a = db.positions_latest.find_one({"vehicleId": "a"})
    assert (mongo_sink.date_to_ms(a["ts"]), "label" in a) == (T0 + 1_000, False)


def test_a_position_before_year_one_is_stored_and_compared(db):
    old = -62_135_600_400_000  # 0000-12-31T23:00:00Z
    mongo_sink.write_positions(db, [position("old", old)])
    assert db.positions_latest.find_one()["ts"] == DatetimeMS(old)
    mongo_sink.write_positions(db, [position("old", old - 1)])
    mongo_sink.write_positions(db, [position("old", old + 1)])
    assert stored_ts(db) == {"old": old + 1}


def test_two_writers_racing_on_new_vehicles_keep_the_newest_report_of_each(db):
    vehicles = [f"v{i}" for i in range(60)]
    barrier = threading.Barrier(2)
    failures = []

    def write(offset: int) -> None:
        client = mongo_sink.open_client(URI)
        try:
            barrier.wait()
            batch = [position(v, T0 + offset + i) for i, v in enumerate(vehicles)]
            mongo_sink.write_positions(client[db.name], batch)
        except Exception as err:  # noqa: BLE001 (reported below)
            failures.append(err)
        finally:
            client.close()

    writers = [threading.Thread(target=write, args=(o,)) for o in (0, 500)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    assert failures == []
    assert stored_ts(db) == {v: T0 + 500 + i for i, v in enumerate(vehicles)}


def test_tiles_are_set_to_their_totals_and_racing_writers_agree(db):
    assert mongo_sink.write_tiles(db, [tile("c1", 1), tile("c2", 1)]) == 2
    mongo_sink.write_tiles(db, [tile("c1", 3), tile("c3", 1)])
    counts = {d["cellId"]: d["count"] for d in db.tiles.find()}
    assert counts == {"c1": 3, "c2": 1, "c3": 1}

    barrier = threading.Barrier(2)
    failures = []

    def write() -> None:
        client = mongo_sink.open_client(URI)
        try:
            barrier.wait()
            mongo_sink.write_tiles(client[db.name], [tile(f"r{i}", 2) for i in range(60)])
        except Exception as err:  # noqa: BLE001 (reported below)
            failures.append(err)
        finally:
            client.close()

    writers = [threading.Thread(target=write) for _ in range(2)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    assert failures == []
    assert db.tiles.count_documents({"cellId": {"$regex": "^r"}}) == 60
