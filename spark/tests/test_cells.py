"""Cells, windows and rounding: the same values as the TypeScript engine's (h3-js 4.5.0)."""

import pandas as pd
import pytest

from heatmap.cells import (
    average_speed,
    cell_to_centroid,
    grid_name,
    lat_lng_to_cell_id,
    lat_lng_to_cell_ids,
    window_start_of,
)

# Expected ids printed by h3-js's latLngToCell (node -e, from the repository's node_modules).
H3_JS_CELLS = [
    (42.3601, -71.0589, 8, "882a306603fffff"),
    (51.4775, 0.0, 8, "88194ad231fffff"),
    (-33.8688, 151.2093, 9, "89be0e35cbbffff"),
    (0.0025, -71.047, 8, "888a4b844bfffff"),
    (89.9, 179.9, 5, "8503262bfffffff"),
    (-89.9, -179.9, 15, "8ff29395208dc5e"),
    (40.6892, -74.0445, 0, "802bfffffffffff"),
    (45.5017, -73.5673, 12, "8c2baa46a7acbff"),
]


@pytest.mark.parametrize("lat, lng, res, expected", H3_JS_CELLS)
def test_lat_lng_to_cell_id_gives_h3_js_ids(lat, lng, res, expected):
    assert lat_lng_to_cell_id(lat, lng, res) == expected


def test_lat_lng_to_cell_ids_gives_one_id_per_row_in_order():
    lats = pd.Series([p[0] for p in H3_JS_CELLS if p[2] == 8], index=[10, 11, 12])
    lngs = pd.Series([p[1] for p in H3_JS_CELLS if p[2] == 8], index=[10, 11, 12])
    ids = lat_lng_to_cell_ids(lats, lngs, 8)
    assert ids.tolist() == ["882a306603fffff", "88194ad231fffff", "888a4b844bfffff"]
    assert ids.index.tolist() == [10, 11, 12]


def test_cell_to_centroid_is_in_geojson_order_and_rounded_as_the_typescript_engine():
    # Expected values from h3-js's cellToLatLng (-71.062277729206, 42.361004072004306), rounded
    # to 1e-9 degrees as src/engine/window.ts cellToCentroid rounds them.
    assert cell_to_centroid("882a306603fffff") == (-71.062277729, 42.361004072)


def test_window_start_of_aligns_to_the_epoch_in_utc():
    five = 5 * 60_000
    assert window_start_of(1759572299999, five) == 1759572000000
    assert window_start_of(1759572300000, five) == 1759572300000
    assert window_start_of(-1, five) == -five


def test_average_speed_rounds_to_the_metre_per_hour():
    assert average_speed(0.0, 0) is None
    assert average_speed(10.0, 3) == 3.333
    assert average_speed(0.0005, 1) == 0.001
    assert average_speed(36 + 18 + 0, 3) == 18


def test_grid_name_names_the_resolution():
    assert grid_name(8) == "h3r8"
