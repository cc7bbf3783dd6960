/**
 * How failures answer: a bad parameter is 400 and names it, a failing store is 503, an unknown
 * route is 404, and anything else is 500, which only a bug can cause. Bodies are JSON with a
 * stable `error` word and a `message` for people; stack traces and causes go to the log only.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadParameterError, StoreError } from '../errors.js';

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: string;
  message: string;
  /** The query parameter at fault, for `bad_parameter`. */
  parameter?: string;
}

/** An error answer: its status and body. */
export interface ErrorReply {
  statusCode: number;
  body: ErrorBody;
}

/** Seconds a client should wait before asking again after a retriable store failure. */
export const RETRY_AFTER_SEC = 5;

/**
 * Decides the answer to an error thrown while serving a request.
 *
 * @param err - what a route or Fastify threw
 * @returns the status and body to send
 */
export function errorToReply(err: unknown): ErrorReply {
  if (err instanceof BadParameterError) {
    return {
      statusCode: 400,
      body: { error: 'bad_parameter', parameter: err.parameter, message: err.message },
    };
  }
  if (err instanceof StoreError) {
    return { statusCode: 503, body: { error: 'store_unavailable', message: err.message } };
  }
  // Fastify's own client errors (a body it cannot parse, a media type it does not take).
  const statusCode = (err as Partial<FastifyError> | null)?.statusCode;
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    const message = err instanceof Error ? err.message : 'bad request';
    return { statusCode, body: { error: 'bad_request', message } };
  }
  return { statusCode: 500, body: { error: 'internal_error', message: 'internal error' } };
}

/**
 * Answers what Fastify refuses before any route runs (a path that is not valid percent-encoding,
 * FST_ERR_BAD_URL) in the same JSON shape as every other error; pass it as `frameworkErrors`.
 *
 * @param err - Fastify's error
 * @param request - the request, whose URL is not echoed
 * @param reply - the reply to send
 */
export function answerFrameworkError(
  err: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const statusCode = err.statusCode !== undefined && err.statusCode < 500 ? err.statusCode : 500;
  const body: ErrorBody =
    statusCode === 500
      ? { error: 'internal_error', message: 'internal error' }
      : { error: 'bad_request', message: 'the URL is not valid (bad percent-encoding?)' };
  request.log.debug({ code: err.code, statusCode }, 'request refused');
  void reply.code(statusCode).header('cache-control', 'no-store').send(body);
}

/**
 * Installs the error and not-found handlers on a server.
 *
 * @param app - the Fastify server
 */
export function registerErrorReplies(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { statusCode, body } = errorToReply(err);
    const route = request.routeOptions.url;

    if (statusCode === 503) {
      request.log.error({ err, route }, 'store failed');
      if (err instanceof StoreError && err.retriable) reply.header('retry-after', RETRY_AFTER_SEC);
    } else if (statusCode === 500) {
      request.log.error({ err, route }, 'request failed');
    } else {
      request.log.debug({ route, statusCode, parameter: body.parameter }, 'request refused');
    }
    return reply.code(statusCode).send(body);
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const body: ErrorBody = {
      error: 'not_found',
      message: `no route ${request.method} ${pathOf(request)}`,
    };
    return reply.code(404).send(body);
  });
}

/** The path without its query string, which could one day carry something private. */
function pathOf(request: FastifyRequest): string {
  const path = request.url.split('?', 1)[0] ?? '';
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}
