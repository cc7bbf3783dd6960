/**
 * `mobility-heatmap serve`: the API and the page over a store another process writes (for
 * example `mobility-heatmap engine`), read-only.
 */
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { buildApiServer } from '../api/server.js';
import { DEFAULTS, refreshMsFromEnv, SETTING_RANGES } from '../config.js';
import { UsageError } from '../errors.js';
import { loggerFor } from '../logger.js';
import { addStoreOptions, describeStore, openChosenStore, storeChoiceOf } from './store-options.js';
import { WEB_DIR } from './pipeline-stack.js';
import { listenOrExplain } from './listen.js';
import { intInRange } from './options.js';

/** Builds the `serve` command. */
export function serveCommand(): Command {
  const command = new Command('serve')
    .summary('serve the API and the map over an existing store, read-only')
    .description(
      'Serves the HTTP API and the map page over the store that "mobility-heatmap engine" writes (the SQLite file of --db, or MongoDB with --store mongo), without writing to it. Several servers may read one store.',
    )
    .option('--db <file>', 'SQLite file written by the engine', DEFAULTS.dbFile)
    .option('--host <host>', 'address to listen on', DEFAULTS.host)
    .option('--port <n>', 'port to listen on', intInRange(...SETTING_RANGES.port), DEFAULTS.port)
    .option(
      '--refresh-ms <n>',
      'page refresh period (env REFRESH_MS)',
      intInRange(...SETTING_RANGES.refreshMs),
      refreshMsFromEnv(),
    )
    .option(
      '--tile-url <url>',
      'base-map tile URL template (env TILE_URL); none by default',
      process.env.TILE_URL,
    )
    .option('--attribution <text>', 'credit for the base map');
  return addStoreOptions(command).action(async (opts) => {
    const choice = storeChoiceOf(opts);
    if (choice.kind === 'sqlite' && !existsSync(opts.db)) {
      throw new UsageError(
        `--db ${opts.db} does not exist: run "mobility-heatmap engine" (or demo) first`,
      );
    }
    const store = await openChosenStore(choice, true);
    const tileUrl = opts.tileUrl && opts.tileUrl !== 'none' ? opts.tileUrl : null;
    const api = await buildApiServer({
      store,
      ...(existsSync(WEB_DIR) ? { staticDir: WEB_DIR } : {}),
      pageConfig: {
        refreshMs: opts.refreshMs,
        tileUrl,
        ...(opts.attribution ? { attribution: opts.attribution } : {}),
      },
    });
    await api.listen({ host: opts.host, port: opts.port });
    loggerFor('cli').info(
      { url: `http://${opts.host}:${opts.port}/`, store: describeStore(choice) },
      'serving the map',
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await api.close();
    await store.close();
  });
}
