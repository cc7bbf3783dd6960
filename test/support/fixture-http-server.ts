/**
 * A local HTTP server for the live sources' tests (node:http on 127.0.0.1, port 0): each
 * request is recorded and answered by a handler, which may also drop the connection, never
 * answer, or stream server-sent events.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/** A request as the server saw it. */
export interface FixtureRequest {
  method: string;
  /** The path with its query string, e.g. `/vehicles?page%5Boffset%5D=2`. */
  path: string;
  /** The full URL, for its search parameters. */
  url: URL;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the server answers one request. */
export type FixtureReply =
  | { status?: number; headers?: Record<string, string>; body?: string | Uint8Array }
  /** Closes the connection without an answer: the client sees a network error. */
  | { drop: true }
  /** Never answers; the connection stays open until the client gives up or the server closes. */
  | { hang: true }
  /** Answers `text/event-stream` and writes the chunks in order, then ends (or stays open). */
  | { events: string[]; keepOpen?: boolean };

/** Answers the n-th request (0 first). */
export type FixtureHandler = (
  request: FixtureRequest,
  index: number,
) => FixtureReply | Promise<FixtureReply>;

/** A running fixture server. */
export interface FixtureServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  url: string;
  /** Every request so far, in order of arrival. */
  requests: FixtureRequest[];
  close(): Promise<void>;
}

/**
 * Starts a fixture server.
 *
 * @param handler - answers each request
 * @returns the server, listening
 */
export async function startFixtureServer(handler: FixtureHandler): Promise<FixtureServer> {
  const requests: FixtureRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const request: FixtureRequest = {
        method: req.method ?? 'GET',
        path,
        url: new URL(path, 'http://127.0.0.1'),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      Promise.resolve(handler(request, requests.length - 1))
        .then((reply) => answer(reply, res))
        .catch((err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`fixture handler failed: ${String(err)}`);
        });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Gives a test file one way to start fixture servers, and closes every server it started after
 * each test. Call it once, at the top level of the file.
 *
 * @returns `serve`: starts a server with the handler and resolves when it listens
 */
export function serveInEachTest(): (handler: FixtureHandler) => Promise<FixtureServer> {
  const running: FixtureServer[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.close()));
  });
  return async (handler) => {
    const server = await startFixtureServer(handler);
    running.push(server);
    return server;
  };
}

async function answer(reply: FixtureReply, res: ServerResponse): Promise<void> {
  if ('drop' in reply) {
    res.socket?.destroy();
    return;
  }
  if ('hang' in reply) return;
  if ('events' in reply) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const chunk of reply.events) {
      res.write(chunk);
      // Let each chunk leave on its own, as a server's events would, one after the other.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (!reply.keepOpen) res.end();
    return;
  }
  const body = reply.body ?? '';
  res.writeHead(reply.status ?? 200, {
    'content-type': typeof body === 'string' ? 'application/json' : 'application/octet-stream',
    ...reply.headers,
  });
  res.end(body);
}

/**
 * Builds a handler that gives the replies in order and repeats the last one.
 *
 * @param replies - at least one reply
 * @returns the handler
 */
export function inTurn(...replies: FixtureReply[]): FixtureHandler {
  return (_request, index) => replies[Math.min(index, replies.length - 1)]!;
}
