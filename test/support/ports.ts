/**
 * A free TCP port for a test's server: the system picks one, which is closed again at once for
 * the server under test to take.
 */
import { createServer } from 'node:net';

/** @returns a port on 127.0.0.1 nothing listened on a moment ago */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
