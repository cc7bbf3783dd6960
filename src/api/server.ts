/**
 * The HTTP server of the read-only API (SPEC 5): Fastify with the map and status routes, the
 * OpenAPI document, error answers, and the page's files when a folder is given. It only reads
 * the store; the caller listens (`app.listen`) and closes it.
 *
 * Logging: Fastify's pino logger is the `api` part's logger (level from LOG_LEVEL or
 * LOG_LEVEL_API). Fastify's own per-request lines are off: the page polls every 5 s, so a line
 * per request at info would drown the lifecycle lines. Instead each answer is one debug line
 * with the route's pattern, never the URL, so a query string never reaches a log.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { loggerFor, type Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { ApiContext, DependencyHealth } from './api-context.js';
import { answerFrameworkError, registerErrorReplies } from './error-replies.js';
import { buildOpenApiDocument } from './openapi.js';
import { checkPageConfig, DEFAULT_PAGE_CONFIG, type PageConfig } from './page-config.js';
import { registerMapRoutes } from './routes-map.js';
import { registerStatusRoutes } from './routes-status.js';

/** Options of buildApiServer. */
export interface ApiServerOptions {
  /** The store to read; the server never writes to it and does not close it. */
  store: Store;
  /** Whose counters and watermark to serve; by default the store picks. */
  engineId?: string;
  /** A pino logger, true for the `api` part's logger (the default), false for none. */
  logger?: boolean | Logger;
  /** A folder of the page's files (the built dist/web), served at `/`. */
  staticDir?: string;
  /** What `/api/config` tells the page; refresh every 5 s and no base map by default. */
  pageConfig?: PageConfig;
  /** The health of the log, when the process runs one; shown by `/api/health`. */
  logHealth?: () => Promise<DependencyHealth>;
  /** The wall clock in epoch ms (for tests); Date.now by default. */
  now?: () => number;
}

/**
 * Builds the API server, ready for `inject` or `listen`.
 *
 * @param opts - the store and the server's settings
 * @returns the Fastify instance
 * @throws UsageError when the page configuration contains the value of a secret variable
 */
export async function buildApiServer(opts: ApiServerOptions): Promise<FastifyInstance> {
  // Settings: checked before anything listens.
  const now = opts.now ?? Date.now;
  const context: ApiContext = {
    store: opts.store,
    engineId: opts.engineId,
    now,
    pageConfig: checkPageConfig(opts.pageConfig ?? DEFAULT_PAGE_CONFIG),
    logHealth: opts.logHealth,
    startedAtMs: now(),
  };

  // Server: one logger for Fastify and the routes; no per-request lines from Fastify itself.
  const logger = opts.logger ?? true;
  const common = {
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: answerFrameworkError,
  };
  const app = (
    logger === false
      ? Fastify({ logger: false, ...common })
      : Fastify({ loggerInstance: logger === true ? loggerFor('api') : logger, ...common })
  ) as FastifyInstance;

  // Hooks: API answers are live data, never to be cached (the page polls for fresh ones).
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'not found';
    const ms = Math.round(reply.elapsedTime * 10) / 10;
    request.log.debug(
      { method: request.method, route, statusCode: reply.statusCode, ms },
      'answered',
    );
  });

  // Routes.
  registerErrorReplies(app);
  registerMapRoutes(app, context);
  registerStatusRoutes(app, context);
  const openApi = buildOpenApiDocument();
  app.get('/api/openapi.json', async () => openApi);

  // Page: its files, when the folder is there.
  if (opts.staticDir !== undefined) await serveStatic(app, resolve(opts.staticDir));
  return app;
}

async function serveStatic(app: FastifyInstance, root: string): Promise<void> {
  if (!isDirectory(root)) {
    // Limitation: a missing page folder (the page not built yet) leaves the API running alone.
    app.log.warn({ staticDir: root }, 'page folder missing; serving the API only');
    return;
  }
  await app.register(fastifyStatic, { root, prefix: '/', index: 'index.html' });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
