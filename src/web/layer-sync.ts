/**
 * Keeps one map layer per feature id across refreshes. Each refresh brings the whole current set
 * of hexagons or vehicles; instead of clearing the map and drawing everything again (a flicker,
 * closed popups, and garbage for the collector every few seconds), the layers of ids seen before
 * are updated in place, the layers of ids gone are removed, and only new ids get new layers.
 * Leaflet stays out of this module, so that the bookkeeping is tested on its own.
 */

/** What the caller does with layers; the sync decides when. */
export interface LayerSyncHooks<F, L> {
  /** The stable id of a feature: a cellId, or provider and vehicleId. */
  keyOf(feature: F): string;
  /** Makes and adds the layer of a feature seen for the first time. */
  create(feature: F, key: string): L;
  /** Brings an existing layer up to date (style, position, open popup). */
  update(layer: L, feature: F, key: string): void;
  /** Takes a layer off the map; the sync forgets it afterwards. */
  remove(layer: L, key: string): void;
}

/** How many layers one sync added, updated and removed. */
export interface SyncCounts {
  added: number;
  updated: number;
  removed: number;
}

/**
 * Brings a keyed set of layers in line with the current features.
 *
 * @param layers - the layers drawn now, by key; changed in place
 * @param features - every feature that should be drawn; of two with one key, the later wins
 * @param hooks - how to key, create, update and remove
 * @returns the counts of layers added, updated and removed
 * @throws whatever a hook throws; the map then holds the layers handled so far, all tracked
 */
export function syncLayers<F, L>(
  layers: Map<string, L>,
  features: Iterable<F>,
  hooks: LayerSyncHooks<F, L>,
): SyncCounts {
  const counts: SyncCounts = { added: 0, updated: 0, removed: 0 };
  const seen = new Set<string>();

  // Update or create: every feature lands on exactly one layer.
  for (const feature of features) {
    const key = hooks.keyOf(feature);
    seen.add(key);
    const existing = layers.get(key);
    if (existing === undefined) {
      layers.set(key, hooks.create(feature, key));
      counts.added += 1;
    } else {
      hooks.update(existing, feature, key);
      counts.updated += 1;
    }
  }

  // Remove: layers whose id is not in this refresh.
  for (const [key, layer] of layers) {
    if (seen.has(key)) continue;
    hooks.remove(layer, key);
    layers.delete(key);
    counts.removed += 1;
  }
  return counts;
}
