/**
 * The map page in a real browser: Debian's Chromium, driven by playwright-core, opens the built
 * page (dist/web, rebuilt here) under a sub-path of a tiny fixture server and is checked through
 * what it draws and through `window.__heatmap` (hexagons and markers live on a canvas, so the DOM
 * cannot count them). Screenshots go to .data/screenshots/ for a human to look at.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSpeedScale, colorOf } from '../../../src/web/color-scale.js';
import { REPO_ROOT } from '../../support/recordings.js';
import { HOSTILE_LABEL, HOSTILE_KEY, cellsOf, speedOf } from './fixture-api.js';
import { startPageServer, type PageServer } from './page-server.js';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH);
const SCREENSHOTS = join(REPO_ROOT, '.data', 'screenshots');

interface PageLog {
  errors: string[];
}

async function openPage(browser: Browser, url: string, viewport = { width: 1280, height: 800 }) {
  // A viewer in Boston: the header then shows local time and, on a line of its own, UTC.
  const page = await browser.newPage({ viewport, timezoneId: 'America/New_York' });
  const log: PageLog = { errors: [] };
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') log.errors.push(message.text());
  });
  page.on('pageerror', (error) => log.errors.push(`pageerror: ${error.message}`));
  page.on('dialog', (dialog) => {
    log.errors.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(url);
  return { page, log };
}

async function hook<T>(page: Page, read: string): Promise<T> {
  return page.evaluate(`window.__heatmap.${read}`) as Promise<T>;
}

describe.skipIf(!HAVE_CHROMIUM)(
  `the map page in Chromium (skipped when ${CHROMIUM_PATH} is missing: apt-get install -y chromium, or set CHROMIUM_PATH)`,
  () => {
    let server: PageServer;
    let browser: Browser;

    beforeAll(async () => {
      // The page under test is the one built from the current sources.
      const build = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-web.mjs')], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      });
      expect(build.status, build.stderr).toBe(0);
      await mkdir(SCREENSHOTS, { recursive: true });
      server = await startPageServer(join(REPO_ROOT, 'dist', 'web'));
      browser = await chromium.launch({
        executablePath: CHROMIUM_PATH,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
    });

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    it('draws every hexagon and vehicle, escapes labels, updates in place and switches to speed', async () => {
      server.state.version = 1;
      const { page, log } = await openPage(browser, server.pageUrl);

      // First load: 331 cells (cells of two providers merged into one hexagon), 250 vehicles.
      await page.waitForFunction(() => (window.__heatmap?.hexagons ?? 0) > 0);
      expect(await hook(page, 'hexagons')).toBe(cellsOf(1).length);
      expect(await hook(page, 'markers')).toBe(250);
      expect(await hook(page, 'baseMap')).toBe('none');
      expect(await page.textContent('#window-state')).toBe('complete');
      expect(await page.textContent('#window-utc')).toContain('14:05–14:10');
      expect(await page.textContent('.stat-accepted .stat-value')).toBe('49,211');
      expect(await page.textContent('.stat-rejected .stat-value')).toBe('44');
      const providers = await page.$$eval('#provider-list label', (labels) =>
        labels.map((l) => l.textContent),
      );
      expect(providers).toEqual([
        expect.stringContaining('gtfsrt.mbta'),
        expect.stringContaining('mbta'),
        expect.stringContaining('opensky'),
        expect.stringContaining('sim'),
      ]);
      const countLegend = await hook<string[]>(page, 'legend');
      expect(countLegend.length).toBeGreaterThanOrEqual(4);
      await page.screenshot({ path: join(SCREENSHOTS, 'page.png') });

      // Escaping: a real click on the hostile vehicle opens a popup that shows its label as text.
      const point = await page.evaluate(
        (key) => window.__heatmap?.markerClientPoint(key),
        HOSTILE_KEY,
      );
      expect(point).not.toBeNull();
      await page.mouse.click(point!.x, point!.y);
      await page.waitForSelector('.leaflet-popup-content .popup-title-text');
      expect(await page.textContent('.leaflet-popup-content .popup-title-text')).toBe(
        HOSTILE_LABEL,
      );
      expect(await page.$$('.leaflet-popup-content img, .leaflet-popup-content b')).toHaveLength(0);
      expect(await page.textContent('.leaflet-popup-content')).toContain('12.5 km/h');
      expect(await page.textContent('.leaflet-popup-content')).toContain('<b>SL1</b>');
      await page.screenshot({ path: join(SCREENSHOTS, 'page-popup.png') });

      // Second refresh with changed data: same layers for the ids that stay, same view, popup kept.
      const keptCell = cellsOf(1)[0] as string;
      const before = {
        view: await hook<object>(page, 'mapView()'),
        cellLayer: await page.evaluate((c) => window.__heatmap?.hexagonLayerId(c), keptCell),
        markerLayer: await page.evaluate(() => window.__heatmap?.markerLayerId('mbta:v0')),
        hostileLayer: await page.evaluate((k) => window.__heatmap?.markerLayerId(k), HOSTILE_KEY),
      };
      server.state.version = 2;
      await page.waitForFunction((n) => window.__heatmap?.hexagons === n, cellsOf(2).length);
      await page.waitForFunction(() => window.__heatmap?.markers === 246);
      expect(await hook(page, 'mapView()')).toEqual(before.view);
      expect(await page.evaluate((c) => window.__heatmap?.hexagonLayerId(c), keptCell)).toBe(
        before.cellLayer,
      );
      expect(await page.evaluate(() => window.__heatmap?.markerLayerId('mbta:v0'))).toBe(
        before.markerLayer,
      );
      expect(await page.evaluate((k) => window.__heatmap?.markerLayerId(k), HOSTILE_KEY)).toBe(
        before.hostileLayer,
      );
      expect(await page.evaluate(() => window.__heatmap?.markerLayerId('mbta:v240'))).toBeNull();
      await page.waitForFunction(() =>
        document.querySelector('.leaflet-popup-content')?.textContent?.includes('31.5 km/h'),
      );
      expect(await page.$$('.leaflet-popup')).toHaveLength(1);
      expect(await page.textContent('#window-state')).toBe('still filling');

      // Colour by speed: the fixed km/h legend, and each hexagon in its speed class.
      await page.click('label[for="color-by-speed"]');
      await page.waitForFunction(() => window.__heatmap?.colorBy === 'speed');
      const speedLegend = await hook<string[]>(page, 'legend');
      expect(speedLegend[0]).toBe('≥ 400 km/h');
      expect(speedLegend).toContain('< 5 km/h');
      expect(speedLegend.at(-1)).toMatch(/^no speed reported/);
      const scale = buildSpeedScale();
      const centre = cellsOf(2)[0] as string; // mbta and gtfsrt.mbta (20 km/h) and opensky (650 km/h)
      const plain = cellsOf(2)[1] as string; // mbta only
      const noSpeed = cellsOf(2)[3] as string; // mbta without speed
      expect(await page.evaluate((c) => window.__heatmap?.hexagonFill(c), plain)).toBe(
        colorOf(scale, speedOf(1)),
      );
      expect(await page.evaluate((c) => window.__heatmap?.hexagonFill(c), noSpeed)).toBe(
        colorOf(scale, null),
      );
      expect(await page.evaluate((c) => window.__heatmap?.hexagonFill(c), centre)).not.toBe(
        colorOf(scale, null),
      );
      await page.keyboard.press('Escape');
      await page.screenshot({ path: join(SCREENSHOTS, 'page-speed.png') });

      // Hiding the markers drops them; showing them again draws every vehicle anew.
      await page.uncheck('#show-vehicles');
      expect(await hook(page, 'markers')).toBe(0);
      expect(await page.isVisible('#legend-markers')).toBe(false);
      await page.check('#show-vehicles');
      expect(await hook(page, 'markers')).toBe(246);

      // Provider filter: unticking a provider drops its markers and asks the server without it.
      const mbtaLayer = await page.evaluate(() => window.__heatmap?.markerLayerId('mbta:v0'));
      await page.uncheck('#provider-list input[value="opensky"]');
      expect(await page.evaluate(() => window.__heatmap?.markerLayerId('opensky:v4'))).toBeNull();
      expect(await page.evaluate(() => window.__heatmap?.markerLayerId('mbta:v0'))).toBe(mbtaLayer);
      await expect
        .poll(() =>
          server.requests.some((p) => p.endsWith('tiles/latest?provider=gtfsrt.mbta%2Cmbta%2Csim')),
        )
        .toBe(true);
      await page.check('#provider-list input[value="opensky"]');
      expect(
        await page.evaluate(() => window.__heatmap?.markerLayerId('opensky:v4')),
      ).not.toBeNull();

      // Time span: the last 15 minutes come from the range route and say so in the header.
      await page.selectOption('#span-select', '15');
      await expect
        .poll(() => server.requests.some((p) => p.endsWith('tiles/range?minutes=15')))
        .toBe(true);
      await page.waitForFunction(
        () => document.querySelector('#window-state')?.textContent === 'merged windows',
      );
      expect(await page.textContent('#window-kind')).toBe('Last 15 min');
      expect(await hook(page, 'span')).toBe(15);

      // Nothing but the page's own server was asked, and only under its sub-path.
      expect(server.requests.filter((path) => !path.startsWith('/heatmap/'))).toEqual([]);
      expect(log.errors).toEqual([]);
      await page.close();
    });

    it('opens on the hexagons, shrinks markers and outlines as it zooms out, and fits again on request', async () => {
      server.state.version = 1;
      const { page, log } = await openPage(browser, server.pageUrl);
      try {
        await page.waitForFunction(() => (window.__heatmap?.hexagons ?? 0) > 0);
        type View = { lat: number; lng: number; zoom: number };
        type Styles = { marker: { radius: number }; hexagon: { weight: number } };
        // Leaflet drops a zoom asked for during its zoom animation (the map container carries
        // `leaflet-zoom-anim` meanwhile) and restyles on `zoomend`, so each step waits it out.
        const settledAt = (zoom: number) =>
          page.waitForFunction(
            (z) =>
              window.__heatmap!.mapView().zoom === z &&
              document.querySelector('.leaflet-zoom-anim') === null,
            zoom,
          );
        const zoomBy = async (steps: number) => {
          const button = steps > 0 ? '.leaflet-control-zoom-in' : '.leaflet-control-zoom-out';
          for (let i = 0; i < Math.abs(steps); i += 1) {
            const from = (await hook<View>(page, 'mapView()')).zoom;
            await page.click(button);
            await settledAt(from + Math.sign(steps));
          }
        };

        // The first view frames the disk of hexagons around 42.36,-71.06 (about 17 km across).
        const fitted = await hook<View>(page, 'mapView()');
        const fittedStyles = await hook<Styles>(page, 'drawStyles()');
        // (The centre sits a little west of the data: the view leaves room for the legend.)
        expect(Math.abs(fitted.lat - 42.36)).toBeLessThan(0.05);
        expect(Math.abs(fitted.lng - -71.06)).toBeLessThan(0.1);
        expect(fitted.zoom).toBeGreaterThanOrEqual(11);
        expect(fitted.zoom).toBeLessThanOrEqual(13);

        // Zoomed out to the region, the markers are small and the hexagons lose their outline.
        await zoomBy(-2);
        const wide = await hook<Styles>(page, 'drawStyles()');
        expect(wide.marker.radius).toBeLessThanOrEqual(3);
        expect(wide.hexagon.weight).toBe(0);

        // Zoomed in to the streets, the markers are a size to click and the hexagons are outlined.
        await zoomBy(4);
        const close = await hook<Styles>(page, 'drawStyles()');
        expect(close.marker.radius).toBeGreaterThan(wide.marker.radius);
        expect(close.hexagon.weight).toBeGreaterThan(0);

        // "Fit map to data" brings back the first view and its styles.
        await page.click('#fit-button');
        await settledAt(fitted.zoom);
        const refitted = await hook<View>(page, 'mapView()');
        expect(refitted.lat).toBeCloseTo(fitted.lat, 4);
        expect(refitted.lng).toBeCloseTo(fitted.lng, 4);
        expect(await hook<Styles>(page, 'drawStyles()')).toEqual(fittedStyles);
        expect(log.errors).toEqual([]);
      } finally {
        await page.close();
      }
    });

    it('says when the API cannot be reached, keeps the map, and recovers', async () => {
      server.state.version = 1;
      const { page } = await openPage(browser, server.pageUrl);
      await page.waitForFunction(() => (window.__heatmap?.hexagons ?? 0) > 0);

      server.state.down = true;
      await page.waitForSelector('#banner:not([hidden])');
      expect(await page.textContent('#banner')).toMatch(
        /cannot be reached.*keeps the last data.*Retrying in/,
      );
      expect(await hook(page, 'hexagons')).toBe(cellsOf(1).length);
      await page.screenshot({ path: join(SCREENSHOTS, 'page-offline.png') });

      server.state.down = false;
      await page.waitForSelector('#banner', { state: 'hidden', timeout: 15_000 });
      expect(await hook(page, 'failures')).toBe(0);
      await page.close();
    });

    it('stops asking while the tab is hidden and resumes when it is shown', async () => {
      const { page } = await openPage(browser, server.pageUrl);
      await page.waitForFunction(() => (window.__heatmap?.refreshes ?? 0) >= 2);

      // Chromium headless never hides a tab, so the Page Visibility API is played here.
      const setHidden = (hidden: boolean) =>
        page.evaluate((h) => {
          Object.defineProperty(document, 'hidden', { value: h, configurable: true });
          document.dispatchEvent(new Event('visibilitychange'));
        }, hidden);
      await setHidden(true);
      await page.waitForTimeout(300);
      const asked = server.requests.length;
      const refreshes = await hook<number>(page, 'refreshes');
      await page.waitForTimeout(2_500);
      expect(server.requests.length).toBe(asked);
      expect(await hook(page, 'refreshes')).toBe(refreshes);
      expect(await page.textContent('#live-text')).toContain('Paused');

      await setHidden(false);
      await page.waitForFunction((n) => (window.__heatmap?.refreshes ?? 0) > n, refreshes);
      await page.close();
    });

    it('gives up a failing base map quietly and shows a plain background', async () => {
      server.state.tileUrl = `${server.origin}/heatmap/tiles/{z}/{x}/{y}.png`;
      try {
        const { page } = await openPage(browser, server.pageUrl);
        await page.waitForFunction(() => window.__heatmap?.baseMap === 'failed');
        const tileRequests = () =>
          server.requests.filter((p) => p.startsWith('/heatmap/tiles/')).length;
        const asked = tileRequests();
        await page.mouse.move(640, 400);
        await page.mouse.down();
        await page.mouse.move(400, 300, { steps: 5 });
        await page.mouse.up();
        await page.waitForTimeout(500);
        expect(tileRequests()).toBe(asked);
        expect(await page.$$('.leaflet-tile')).toHaveLength(0);
        expect(await page.isVisible('#basemap-note')).toBe(true);
        await page.close();
      } finally {
        server.state.tileUrl = null;
      }
    });

    it('fits a phone screen', async () => {
      const { page, log } = await openPage(browser, server.pageUrl, { width: 390, height: 844 });
      await page.waitForFunction(() => (window.__heatmap?.hexagons ?? 0) > 0);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(SCREENSHOTS, 'page-phone.png'), fullPage: true });
      expect(log.errors).toEqual([]);
      await page.close();
    });
  },
);
