/**
 * Listening for the commands that serve the map: a port that is taken becomes a usage error
 * that says how to choose another, rather than a stack trace.
 */
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { UsageError } from '../errors.js';

/**
 * Starts listening.
 *
 * @param app - the API server
 * @param host - address, e.g. 127.0.0.1
 * @param port - port, 0 for any free one
 * @returns the URL of the page
 * @throws UsageError when the port is taken or the address cannot be used
 */
export async function listenOrExplain(
  app: FastifyInstance,
  host: string,
  port: number,
): Promise<string> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new UsageError(
        `port ${port} on ${host} is already in use: stop the program using it, or choose another port with --port (make demo PORT=5001)`,
        { cause: err },
      );
    }
    if (code === 'EADDRNOTAVAIL' || code === 'EACCES') {
      throw new UsageError(
        `cannot listen on ${host}:${port} (${code}): choose another --host or --port`,
        { cause: err },
      );
    }
    throw err;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`;
}

/**
 * Checks that a port is free by listening on it briefly, before anything destructive (the demo
 * deletes its database file) is done for a server that could not start anyway.
 *
 * @throws UsageError as listenOrExplain does
 */
export async function ensurePortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ host, port }, () => probe.close(() => resolve()));
  }).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new UsageError(
        `port ${port} on ${host} is already in use (another demo?): stop the program using it, or choose another port with --port (make demo PORT=5001)`,
        { cause: err },
      );
    }
    throw new UsageError(
      `cannot listen on ${host}:${port} (${code ?? String(err)}): choose another --host or --port`,
      {
        cause: err,
      },
    );
  });
}
