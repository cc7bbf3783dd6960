import { describe, expect, it } from 'vitest';
import { syncLayers, type LayerSyncHooks } from '../../src/web/layer-sync.js';

interface Feature {
  id: string;
  value: number;
}

interface Layer {
  id: string;
  value: number;
  serial: number;
}

function recordingHooks() {
  const log: string[] = [];
  let serial = 0;
  const hooks: LayerSyncHooks<Feature, Layer> = {
    keyOf: (f) => f.id,
    create: (f, key) => {
      log.push(`create ${key}`);
      serial += 1;
      return { id: f.id, value: f.value, serial };
    },
    update: (layer, f, key) => {
      log.push(`update ${key}`);
      layer.value = f.value;
    },
    remove: (_layer, key) => log.push(`remove ${key}`),
  };
  return { hooks, log };
}

describe('syncLayers', () => {
  it('creates a layer for every feature of the first refresh', () => {
    const layers = new Map<string, Layer>();
    const { hooks } = recordingHooks();
    const counts = syncLayers(
      layers,
      [
        { id: 'a', value: 1 },
        { id: 'b', value: 2 },
      ],
      hooks,
    );
    expect(counts).toEqual({ added: 2, updated: 0, removed: 0 });
    expect([...layers.keys()]).toEqual(['a', 'b']);
  });

  it('updates the layers of ids seen before in place, keeping the same objects', () => {
    const layers = new Map<string, Layer>();
    const { hooks } = recordingHooks();
    syncLayers(layers, [{ id: 'a', value: 1 }], hooks);
    const first = layers.get('a');
    const counts = syncLayers(layers, [{ id: 'a', value: 5 }], hooks);
    expect(counts).toEqual({ added: 0, updated: 1, removed: 0 });
    expect(layers.get('a')).toBe(first);
    expect(layers.get('a')?.value).toBe(5);
  });

  it('removes the layers of ids gone and adds the new ones', () => {
    const layers = new Map<string, Layer>();
    const { hooks, log } = recordingHooks();
    syncLayers(
      layers,
      [
        { id: 'a', value: 1 },
        { id: 'b', value: 2 },
      ],
      hooks,
    );
    log.length = 0;
    const counts = syncLayers(
      layers,
      [
        { id: 'b', value: 3 },
        { id: 'c', value: 4 },
      ],
      hooks,
    );
    expect(counts).toEqual({ added: 1, updated: 1, removed: 1 });
    expect(log).toEqual(['update b', 'create c', 'remove a']);
    expect([...layers.keys()].sort()).toEqual(['b', 'c']);
  });

  it('removes everything for an empty refresh', () => {
    const layers = new Map<string, Layer>();
    const { hooks } = recordingHooks();
    syncLayers(
      layers,
      [
        { id: 'a', value: 1 },
        { id: 'b', value: 2 },
      ],
      hooks,
    );
    expect(syncLayers(layers, [], hooks)).toEqual({ added: 0, updated: 0, removed: 2 });
    expect(layers.size).toBe(0);
  });

  it('keeps one layer for two features with one id, the later one winning', () => {
    const layers = new Map<string, Layer>();
    const { hooks } = recordingHooks();
    syncLayers(
      layers,
      [
        { id: 'a', value: 1 },
        { id: 'a', value: 9 },
      ],
      hooks,
    );
    expect(layers.size).toBe(1);
    expect(layers.get('a')?.value).toBe(9);
  });

  it('does not grow across many refreshes of a changing set', () => {
    const layers = new Map<string, Layer>();
    const { hooks } = recordingHooks();
    for (let round = 0; round < 50; round += 1) {
      const features = Array.from({ length: 100 }, (_, i) => ({
        id: `v${(i + round * 7) % 180}`,
        value: round,
      }));
      syncLayers(layers, features, hooks);
      expect(layers.size).toBe(100);
    }
  });
});
