/**
 * The page's view of the HTTP API (SPEC section 5): the JSON each route answers, as the page reads
 * it. Geometry is GeoJSON (RFC 7946), so every coordinate pair here is [longitude, latitude].
 * Fields the page can live without are optional, so that an older or newer server still draws.
 */

/** [longitude, latitude], GeoJSON order (RFC 7946, section 3.1.1). */
export type LngLat = [number, number];

/** `GET /api/config`: how often to refresh and which base map to draw, if any. */
export interface PageConfig {
  refreshMs: number;
  /** A Leaflet URL template such as `https://tile.example/{z}/{x}/{y}.png`; null draws no base map. */
  tileUrl: string | null;
  /** Credit for the base map; may hold HTML from the operator's configuration. */
  attribution?: string;
}

/** Properties of one hexagon of `GET /api/tiles/latest` or `/api/tiles/range`. */
export interface TileProperties {
  cellId: string;
  provider: string;
  windowStart: string;
  windowEnd: string;
  count: number;
  vehicles: number;
  avgSpeedKmh: number | null;
  /** Not promised by SPEC 5; used to weigh speeds when the server sends it. */
  speedSamples?: number;
}

/** A GeoJSON Polygon (RFC 7946, section 3.1.6): one hexagon. */
export interface PolygonGeometry {
  type: 'Polygon';
  /** Linear rings; the first is the outline, closed (first position repeated last). */
  coordinates: LngLat[][];
}

/** One hexagon of one provider. */
export interface TileFeature {
  type: 'Feature';
  geometry: PolygonGeometry;
  properties: TileProperties;
}

/** The hexagons of one window (latest) or of several merged windows (range). */
export interface TileCollection {
  type: 'FeatureCollection';
  features: TileFeature[];
  windowStart?: string | null;
  windowEnd?: string | null;
  complete?: boolean;
  truncated?: boolean;
}

/** Properties of one vehicle of `GET /api/positions/latest`. */
export interface VehicleProperties {
  vehicleId: string;
  provider: string;
  ts: string;
  speedKmh?: number | null;
  bearing?: number | null;
  label?: string | null;
  routeId?: string | null;
  altitudeM?: number | null;
  onGround?: boolean | null;
  /** Kind of vehicle when the source says (bus, rail, aircraft...). */
  mode?: string | null;
  /** Seconds between this report and the stream's clock. */
  ageSec?: number | null;
}

/** A GeoJSON Point (RFC 7946, section 3.1.2). */
export interface PointGeometry {
  type: 'Point';
  coordinates: LngLat;
}

/** One vehicle at its latest position. */
export interface VehicleFeature {
  type: 'Feature';
  geometry: PointGeometry;
  properties: VehicleProperties;
}

/** `GET /api/positions/latest`: one point per vehicle seen within the API's maxAgeSec. */
export interface VehicleCollection {
  type: 'FeatureCollection';
  features: VehicleFeature[];
  truncated?: boolean;
}

/** `GET /api/stats`: the engine's counters (SPEC 5); times are ISO-8601 UTC. */
export interface StatsResponse {
  accepted: number;
  duplicates: number;
  late: number;
  rejected: Record<string, number>;
  watermark?: string | null;
  newestEvent?: string | null;
  /** How far the page's data trails; a number of seconds or an object with seconds in it. */
  lag?: unknown;
  [other: string]: unknown;
}
