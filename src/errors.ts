/**
 * Every error the product raises on purpose, each with a stable code. Callers decide retry,
 * dead-letter or exit by `code` and `retriable`, never by message text (STYLE.md, habit 7).
 * A test keeps the codes unique and documented (test/errors.test.ts).
 */

export interface HeatmapErrorOptions {
  cause?: unknown;
  retriable?: boolean;
}

/** Base class: a coded error with a message that names the bad value. */
export class HeatmapError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: HeatmapErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** The user must act: a bad flag, option or environment variable (exit code 2). */
export class UsageError extends HeatmapError {
  constructor(message: string, options?: HeatmapErrorOptions) {
    super('HM_USAGE', message, options);
  }
}

/** A file or folder the user named cannot be read or recognised. */
export class InputFileError extends HeatmapError {
  constructor(message: string, options?: HeatmapErrorOptions) {
    super('HM_INPUT_FILE', message, options);
  }
}

/** A provider response that cannot be decoded (counted once as `decode_error`). */
export class DecodeError extends HeatmapError {
  constructor(message: string, options?: HeatmapErrorOptions) {
    super('HM_DECODE', message, options);
  }
}

/** The store failed; `retriable` when the failure may pass (a busy database, a lost connection). */
export class StoreError extends HeatmapError {
  constructor(message: string, options?: HeatmapErrorOptions) {
    super('HM_STORE', message, options);
  }
}

/** The log failed; `retriable` as for StoreError. */
export class LogError extends HeatmapError {
  constructor(message: string, options?: HeatmapErrorOptions) {
    super('HM_LOG', message, options);
  }
}

/** A checkpoint does not fit the running engine (other resolution or window length). */
export class CheckpointMismatchError extends HeatmapError {
  constructor(message: string, options?: HeatmapErrorOptions) {
    super('HM_CHECKPOINT_MISMATCH', message, options);
  }
}

/** An HTTP query parameter is invalid; the API answers 400 with this message. */
export class BadParameterError extends HeatmapError {
  readonly parameter: string;

  constructor(parameter: string, message: string, options?: HeatmapErrorOptions) {
    super('HM_BAD_PARAMETER', message, options);
    this.parameter = parameter;
  }
}

/** An upstream (a live API) answered with an error; retriable for 429 and 5xx. */
export class UpstreamError extends HeatmapError {
  constructor(message: string, options?: HeatmapErrorOptions) {
    super('HM_UPSTREAM', message, options);
  }
}

/** A string is not a valid H3 cell id (a tile read from a store that should only hold valid cells). */
export class InvalidCellError extends HeatmapError {
  constructor(message: string, options?: HeatmapErrorOptions) {
    super('HM_BAD_CELL', message, options);
  }
}

/** Options of the upstream errors that carry the HTTP status the API answered with. */
export interface UpstreamStatusErrorOptions extends HeatmapErrorOptions {
  /** The HTTP status, e.g. 401. */
  status: number;
}

/**
 * A live API refused the credentials (HTTP 401 or 403): the user must fix a key, a token or a
 * client secret; trying again as is cannot help.
 */
export class UpstreamAuthError extends HeatmapError {
  readonly status: number;

  constructor(message: string, options: UpstreamStatusErrorOptions) {
    super('HM_UPSTREAM_AUTH', message, { cause: options.cause, retriable: false });
    this.status = options.status;
  }
}

/**
 * A live API refused the request itself (a 4xx other than 401, 403, 408 and 429): a wrong URL,
 * filter or bounding box; the user must change the command, trying again cannot help.
 */
export class UpstreamRequestError extends HeatmapError {
  readonly status: number;

  constructor(message: string, options: UpstreamStatusErrorOptions) {
    super('HM_UPSTREAM_REQUEST', message, { cause: options.cause, retriable: false });
    this.status = options.status;
  }
}

/**
 * A live API answered 429 Too Many Requests and the retries of one call are used up; retriable,
 * after `retryAfterMs` (what the server asked for: Retry-After or a provider's own header).
 */
export class UpstreamRateLimitError extends HeatmapError {
  readonly retryAfterMs: number;

  constructor(message: string, options: HeatmapErrorOptions & { retryAfterMs: number }) {
    super('HM_UPSTREAM_RATE_LIMIT', message, { cause: options.cause, retriable: true });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** All codes, for documentation and the uniqueness test. */
export const ERROR_CODES: Record<string, string> = {
  HM_USAGE: 'a bad flag, option or environment variable; fix the command line',
  HM_INPUT_FILE: 'an input file or folder cannot be read or recognised',
  HM_DECODE: 'a provider response cannot be decoded; counted as decode_error',
  HM_STORE: 'the store failed; retried when retriable',
  HM_LOG: 'the log failed; retried when retriable',
  HM_CHECKPOINT_MISMATCH:
    'the checkpoint was written with other engine settings; use a new database',
  HM_BAD_PARAMETER: 'an HTTP query parameter is invalid; answered with 400',
  HM_UPSTREAM: 'a live API answered with an error; retried on 429 and 5xx',
  HM_BAD_CELL: 'a string is not a valid H3 cell id; the store holds a corrupt tile',
  HM_UPSTREAM_AUTH:
    'a live API refused the credentials (401/403); fix the key, token or client secret',
  HM_UPSTREAM_REQUEST: 'a live API refused the request (4xx); fix the URL, filter or bounding box',
  HM_UPSTREAM_RATE_LIMIT:
    'a live API answered 429; the source waits as long as the server asks, then tries again',
};
