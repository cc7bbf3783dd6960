/**
 * readRecordingFile on the real recordings: counts and oddities as PROVENANCE.md gives them.
 * Skipped, saying so, when the shared recordings are not there.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import type { InputRecord } from '../../src/event/position-event.js';
import { validateEvent } from '../../src/event/validate-event.js';
import { listRecordingFiles, readRecordingFile } from '../../src/sources/read-recording.js';
import type { RecordBatch } from '../../src/sources/record-batch.js';
import { HAVE_RECORDINGS, RECORDINGS_DIR, recording } from '../support/recordings.js';

type Event = Record<string, unknown>;

async function read(
  path: string,
  feed?: string,
): Promise<{ batches: RecordBatch[]; records: InputRecord[]; events: Event[] }> {
  const batches = await readRecordingFile(recording(path), feed === undefined ? {} : { feed });
  const records = batches.flatMap((b) => b.records);
  const events = records.flatMap((r) => (r.kind === 'event' ? [r.event] : []));
  return { batches, records, events };
}

function countOf(records: InputRecord[], reason: string): number {
  return records.filter((r) => r.kind === 'rejected' && r.reason === reason).length;
}

/** Records and `no_position` records per file, as PROVENANCE.md counts vehicles, states and entities. */
const COUNTS: [string, number, number][] = [
  ['mbta/2019-03-13_ShiqingLiuMIT-hw4_db.json', 1_038, 0],
  ['mbta/2022-02-11T150128Z_richardachen-starter-realtime-richard_mbta.json', 7, 0],
  ['mbta-gtfsrt/2017-12-18T184604Z_mbta-concentrate_vehiclepositions.pb', 48, 0],
  ['mbta-gtfsrt/2018-05-29T144929Z_mbta-concentrate_VehiclePositions_enhanced.json', 550, 0],
  ['mbta-gtfsrt/2019-04-11T150444Z_mbta-skate_concentrate_VehiclePositions.json', 565, 0],
  ['mbta-gtfsrt/2019-05-17T170907Z_mbta-skate_VehiclePositions.json', 559, 0],
  ['mbta-gtfsrt/2019-12-12T000009Z_mbta-lamp_VehiclePositions_enhanced.json', 735, 0],
  ['mbta-gtfsrt/2022-01-01T000002Z_mbta-lamp_VehiclePositions_enhanced.json.gz', 426, 0],
  ['mbta-gtfsrt/2022-07-05T123514Z_mbta-lamp_VehiclePositions_enhanced.json.gz', 683, 0],
  ['mbta-gtfsrt/2022-11-16T161311Z_robertej19-CCMF_VehiclePositions.pb', 449, 0],
  [
    'mbta-gtfsrt/2023-07-26T155031Z_christiansicari-protobuff-over-http_VehiclePositions.pb',
    363,
    0,
  ],
  ['opensky/2021-10-17T114950Z_bao-eng-opensky-plot_opensky.json', 5_485, 101],
  [
    'opensky/2022-04-08T043739Z_jungwonsherryzang-Cloud-based-Web-Application-with-ADS-B-real-time-data_opensky.json',
    4_181,
    56,
  ],
  ['opensky/2023-06-20_renghen-opensky-json_all_1.json', 7_128, 103],
  ['opensky/2023-06-20_renghen-opensky-json_netherlands.json', 123, 0],
  ['opensky/2025-01-31T221302Z_dan-pacia-capstone_repo_opensky.json', 6_109, 0],
  ['opensky/2025-12-28T021419Z_HusainCode-AirspaceLiveSim_opensky.json', 6_553, 67],
  ['gtfsrt-delhi-otd/2018-12-12T143440Z_innocent-rajan-test-api_VehiclePositions.pb', 89, 0],
  [
    'gtfsrt-delhi-otd/2025-04-20T130819Z_AnanyaWarrierXD-automated-bus-scheduling-and-route-management-system_VehiclePositions.pb',
    2_088,
    0,
  ],
  [
    'gtfsrt-delhi-otd/2025-09-11T094016Z_binaryecheos-dtc-route-rationalization_VehiclePositions.pb',
    1_715,
    0,
  ],
  ['gtfsrt-edmonton-ets/2018-03-18T020102Z_BaihongQi-RealTime-Traffic_VehiclePositions.pb', 132, 0],
  ['gtfsrt-estonia/2020-05-04T090218Z_maanteeamet-gtfs-rt-server_VehiclePositions.pb', 7, 0],
  [
    'gtfsrt-caltrain/2023-11-08T010559Z_interline-io-transitland-lib_ct-vehicle-positions.pb',
    14,
    0,
  ],
  ['gtfsrt-koleje-dolnoslaskie/2023-03-20T111247Z_kwiekiera-gtfs_vehicle_positions.pb', 18, 0],
  [
    'gtfsrt-louisville-tarc/2013-09-04T180620Z_bretwalker-gtfs-realtime-display_VehiclePositions.pb',
    149,
    0,
  ],
  [
    'gtfsrt-seattle-kcm/2023-04-11T215313Z_michaelgaunt404-RTGTFS_auto_query_vehiclepositions.pb',
    522,
    0,
  ],
];

describe.skipIf(!HAVE_RECORDINGS)(
  'readRecordingFile on the shared recordings (skipped when they are absent)',
  () => {
    it('reads every file without throwing, and decodes every recording that listRecordingFiles lists', async () => {
      const everything = readdirSync(RECORDINGS_DIR, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name !== 'PROVENANCE.md')
        .map((entry) => join(entry.parentPath, entry.name));
      const listed = new Set(await listRecordingFiles(RECORDINGS_DIR));
      expect(listed.size).toBeGreaterThanOrEqual(48);

      for (const path of everything) {
        const records = (await readRecordingFile(path)).flatMap((b) => b.records);
        const undecoded = countOf(records, 'decode_error');
        // Trace seeds (CSV) are not provider responses: listed nowhere, one decode_error when forced.
        expect(undecoded, relative(RECORDINGS_DIR, path)).toBe(listed.has(path) ? 0 : 1);
      }
    }, 120_000);

    it.each(COUNTS)(
      'gives %s one record per vehicle (%i), %i of them no_position',
      async (path, total, noPosition) => {
        const { records } = await read(path);
        expect(records).toHaveLength(total);
        expect(countOf(records, 'no_position')).toBe(noPosition);
      },
    );

    describe('keeps the oddities of PROVENANCE.md for the engine to judge', () => {
      it('passes on the 50 Delhi buses at (0, 0) as events, which the engine then rejects as null_island', async () => {
        const { events } = await read(
          'gtfsrt-delhi-otd/2025-04-20T130819Z_AnanyaWarrierXD-automated-bus-scheduling-and-route-management-system_VehiclePositions.pb',
          'delhi',
        );
        const atZero = events.filter((e) => e.lat === 0 && e.lon === 0);
        expect(atZero).toHaveLength(50);
        expect(atZero[0]!.provider).toBe('gtfsrt.delhi');
        const nowMs = Date.parse('2025-04-20T13:10:00Z');
        expect(atZero.every((e) => validateEvent(e, nowMs).ok === false)).toBe(true);
        expect(
          new Set(atZero.map((e) => (validateEvent(e, nowMs) as { reason: string }).reason)),
        ).toEqual(new Set(['null_island']));
        // The 54 dated years ahead are events too; the engine calls them future_timestamp.
        expect(
          events.filter((e) => Date.parse(e.ts as string) > Date.parse('2030-01-01T00:00:00Z')),
        ).toHaveLength(54);
      });

      it('dates the Estonian buses, which have no timestamp, with the header time', async () => {
        const { events } = await read(
          'gtfsrt-estonia/2020-05-04T090218Z_maanteeamet-gtfs-rt-server_VehiclePositions.pb',
        );
        expect(new Set(events.map((e) => e.ts))).toEqual(new Set(['2020-05-04T09:02:18.000Z']));
        expect(events.some((e) => e.label === '535 Paldiski')).toBe(true);
      });

      it('leaves out the empty Caltrain labels', async () => {
        const { events } = await read(
          'gtfsrt-caltrain/2023-11-08T010559Z_interline-io-transitland-lib_ct-vehicle-positions.pb',
        );
        expect(events.filter((e) => 'label' in e)).toHaveLength(0);
        expect(new Set(events.map((e) => e.ts))).toEqual(new Set(['2023-11-08T01:05:49.000Z']));
      });

      it('keeps the float-looking Koleje vehicle ids and the simulator dated two months ahead', async () => {
        const { events } = await read(
          'gtfsrt-koleje-dolnoslaskie/2023-03-20T111247Z_kwiekiera-gtfs_vehicle_positions.pb',
        );
        expect(events.every((e) => /^\d+\.0$/.test(e.vehicleId as string))).toBe(true);
        expect(events.find((e) => e.vehicleId === '9212.0')).toMatchObject({
          label: 'KD Symulator',
          ts: '2023-05-29T17:32:19.000Z',
        });
      });

      it('leaves out the callsign of 8 spaces and reads OpenSky time from `time`', async () => {
        const { batches, events } = await read(
          'opensky/2025-12-28T021419Z_HusainCode-AirspaceLiveSim_opensky.json',
        );
        expect(events.find((e) => e.vehicleId === '514004')).not.toHaveProperty('label');
        expect(batches[0]!.captureMs).toBe(1766888059_000);
      });

      it('infers the capture time of a bare OpenSky array from last_contact, and passes an absurd speed on', async () => {
        const { batches, events } = await read(
          'opensky/2023-06-20_renghen-opensky-json_all_1.json',
        );
        expect(new Date(batches[0]!.captureMs!).toISOString()).toBe('2023-06-20T11:31:14.000Z');
        expect(events.find((e) => e.vehicleId === '155c1f')!.speedKmh).toBeCloseTo(
          1684.22 * 3.6,
          6,
        );
      });

      it('keeps the local offsets of MBTA V3 times, -04:00 in March 2019 and -05:00 in February 2022', async () => {
        const hw4 = await read('mbta/2019-03-13_ShiqingLiuMIT-hw4_db.json');
        expect(hw4.events.every((e) => (e.ts as string).endsWith('-04:00'))).toBe(true);
        expect(new Set(hw4.events.map((e) => e.vehicleId)).size).toBe(5);
        expect(new Date(hw4.batches[0]!.captureMs!).toISOString()).toBe('2019-03-13T05:34:34.000Z');
        const richard = await read(
          'mbta/2022-02-11T150128Z_richardachen-starter-realtime-richard_mbta.json',
        );
        expect(richard.events.every((e) => (e.ts as string).endsWith('-05:00'))).toBe(true);
      });

      it('keys Louisville vehicles, which have only a label, by entity id', async () => {
        const { events } = await read(
          'gtfsrt-louisville-tarc/2013-09-04T180620Z_bretwalker-gtfs-realtime-display_VehiclePositions.pb',
        );
        expect(events.every((e) => typeof e.vehicleId === 'string' && e.vehicleId !== '')).toBe(
          true,
        );
      });

      it('prefers the vehicle descriptor id to the entity id (Edmonton 2018: entity 4449 is vehicle 2213)', async () => {
        const { events } = await read(
          'gtfsrt-edmonton-ets/2018-03-18T020102Z_BaihongQi-RealTime-Traffic_VehiclePositions.pb',
        );
        expect(events.find((e) => e.label === '4449')!.vehicleId).toBe('2213');
      });

      it('dates the Seattle placeholders at (0, 0), which have no timestamp, with the header time', async () => {
        const { events } = await read(
          'gtfsrt-seattle-kcm/2023-04-11T215313Z_michaelgaunt404-RTGTFS_auto_query_vehiclepositions.pb',
        );
        const placeholders = events.filter((e) => e.lat === 0 && e.lon === 0);
        expect(placeholders).toHaveLength(13);
        expect(new Set(placeholders.map((e) => e.ts))).toEqual(
          new Set(['2023-04-11T21:53:13.000Z']),
        );
      });

      it('passes MBTA bearings of 360 and -1 and the sentinel position on unchanged', async () => {
        const ccmf = await read(
          'mbta-gtfsrt/2022-11-16T161311Z_robertej19-CCMF_VehiclePositions.pb',
        );
        expect(ccmf.events.find((e) => e.vehicleId === 'y1703')!.bearing).toBe(360);
        const busloc = await read(
          'mbta-gtfsrt/2018-05-29T144929Z_mbta-concentrate_VehiclePositions_enhanced.json',
        );
        expect(busloc.events.filter((e) => e.bearing === -1)).toHaveLength(6);
        expect(busloc.events.find((e) => e.vehicleId === '1433')).toMatchObject({
          lat: -1.6777216,
          lon: 0,
        });
      });

      it('keeps an on-ground OpenSky aircraft without altitudes, with its speed', async () => {
        const { events } = await read(
          'opensky/2021-03-07T090650Z_MarciMilligan-pythons-on-a-plane_opensky.json',
        );
        const iberia = events.find((e) => e.vehicleId === '34520b')!;
        expect(iberia).toMatchObject({ onGround: true, label: 'IBE6177', speedKmh: 42.18 * 3.6 });
        expect(iberia).not.toHaveProperty('altitudeM');
      });
    });
  },
);
