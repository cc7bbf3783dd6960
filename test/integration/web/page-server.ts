/**
 * A tiny HTTP server for the browser test: the built page (dist/web) under the sub-path
 * `/heatmap/`, as a reverse proxy would mount it, and fixture answers for `/heatmap/api/*`. It
 * records every request, so the test can tell that the page asked nothing of the server's root
 * (relative URLs) and stopped asking while its tab was hidden.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { positionsOf, statsOf, tilesOf } from './fixture-api.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.map': 'application/json',
};

/** What the fixture API answers; the test changes it between refreshes. */
export interface FixtureState {
  version: 1 | 2;
  /** When true every API route answers 503, as a restarting server would. */
  down: boolean;
  refreshMs: number;
  tileUrl: string | null;
}

/** The running server, its fixture state and its request log. */
export interface PageServer {
  /** `http://127.0.0.1:<port>/heatmap/` */
  pageUrl: string;
  origin: string;
  state: FixtureState;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Starts the server on a free port of 127.0.0.1.
 *
 * @param webRoot - the built page (dist/web)
 * @returns the running server and its mutable fixture state
 */
export async function startPageServer(webRoot: string): Promise<PageServer> {
  const state: FixtureState = { version: 1, down: false, refreshMs: 800, tileUrl: null };
  const requests: string[] = [];

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url.pathname + url.search);
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const json = (body: unknown) => send(200, 'application/json', JSON.stringify(body));

    // API routes, under the sub-path only.
    if (url.pathname.startsWith('/heatmap/api/')) {
      if (state.down) return send(503, 'application/json', '{"error":"unavailable"}');
      const route = url.pathname.slice('/heatmap/api/'.length);
      if (route === 'config')
        return json({
          refreshMs: state.refreshMs,
          tileUrl: state.tileUrl,
          attribution: '&copy; <a href="https://example.org">Test tiles</a>',
        });
      if (route === 'tiles/latest' || route === 'tiles/range') return json(tilesOf(state.version));
      if (route === 'positions/latest') return json(positionsOf(state.version));
      if (route === 'stats') return json(statsOf(state.version));
      return send(404, 'application/json', '{"error":"no such route"}');
    }

    // Static files of the page; anything else (tiles of a dead tile server included) is a 404.
    if (url.pathname === '/heatmap') {
      res.writeHead(301, { location: '/heatmap/' });
      return res.end();
    }
    if (!url.pathname.startsWith('/heatmap/') || url.pathname.startsWith('/heatmap/tiles/')) {
      return send(404, 'text/plain', 'not found');
    }
    const relative = normalize(url.pathname.slice('/heatmap/'.length) || 'index.html');
    if (relative.startsWith('..')) return send(400, 'text/plain', 'bad path');
    readFile(join(webRoot, relative)).then(
      (body) => send(200, TYPES[extname(relative)] ?? 'application/octet-stream', body),
      () => send(404, 'text/plain', 'not found'),
    );
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    pageUrl: `${origin}/heatmap/`,
    origin,
    state,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
