#!/usr/bin/env node
/**
 * Writes the GTFS-Realtime protobuf fixture of the source tests from its hand-written
 * description, so that the binary in the repository always has a readable origin:
 *
 *   node scripts/write-gtfsrt-fixture.mjs
 *
 * Input: test/fixtures/sources/gtfsrt-vehicle-positions.description.json (a FeedMessage in the
 * object form of gtfs-realtime-bindings: camelCase names, enums by name). Output: the .pb beside
 * it. A field left out of the description stays unset on the wire; a field given as 0 is written
 * as 0, which is what the tests tell apart. test/sources/gtfs-realtime.test.ts checks that the
 * committed .pb equals what this script writes.
 */
import GtfsRealtimeBindings from 'gtfs-realtime-bindings';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const { FeedMessage } = GtfsRealtimeBindings.transit_realtime;
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../test/fixtures/sources');
const description = JSON.parse(
  readFileSync(join(fixtures, 'gtfsrt-vehicle-positions.description.json'), 'utf8'),
);

const message = FeedMessage.fromObject(description);
const problem = FeedMessage.verify(message);
if (problem !== null) throw new Error(`the description is not a FeedMessage: ${problem}`);

const bytes = FeedMessage.encode(message).finish();
writeFileSync(join(fixtures, 'gtfsrt-vehicle-positions.pb'), bytes);
console.log(`wrote gtfsrt-vehicle-positions.pb (${bytes.length} bytes)`);
