/**
 * The store flags shared by `engine`, `serve` and `stack`: `--store sqlite` (the file of --db,
 * the default) or `--store mongo` (the database MONGO_DB on the server MONGO_URI, SPEC 6 and 7),
 * and the one function that opens the chosen store.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULTS } from '../config.js';
import { UsageError } from '../errors.js';
import { openMongoStore, redactMongoUri } from '../store/mongo-store.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/store.js';

/** The kinds of store a command can use. */
export const STORE_KINDS = ['sqlite', 'mongo'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** The store settings of parsed options. */
export interface StoreChoice {
  kind: StoreKind;
  /** The SQLite file. */
  db: string;
  mongoUri: string;
  mongoDb: string;
}

function envOr(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

function mongoDbName(value: string): string {
  // MongoDB's rule for database names: no /\. "$*<>:|? or space, under 64 bytes.
  if (!/^[^/\\. "$*<>:|?]{1,63}$/.test(value)) {
    throw new UsageError(`--mongo-db ${JSON.stringify(value)} is not a MongoDB database name`);
  }
  return value;
}

/** Adds --store, --mongo-uri and --mongo-db to a command (which has --db already). */
export function addStoreOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--store <kind>',
        'where tiles and positions are kept: the SQLite --db, or MongoDB',
      )
        .choices(STORE_KINDS)
        .default('sqlite'),
    )
    .option(
      '--mongo-uri <uri>',
      'MongoDB server, with --store mongo (env MONGO_URI)',
      envOr('MONGO_URI', DEFAULTS.mongoUri),
    )
    .option(
      '--mongo-db <name>',
      'MongoDB database (env MONGO_DB)',
      mongoDbName,
      mongoDbName(envOr('MONGO_DB', DEFAULTS.mongoDb)),
    );
}

/** The store settings from parsed options of addStoreOptions. */
export function storeChoiceOf(opts: Record<string, unknown>): StoreChoice {
  return {
    kind: opts.store as StoreKind,
    db: opts.db as string,
    mongoUri: opts.mongoUri as string,
    mongoDb: opts.mongoDb as string,
  };
}

/**
 * Opens the chosen store: the SQLite file (its folder created unless read-only) or MongoDB (its
 * indexes created at start-up).
 *
 * @param choice - the parsed store settings
 * @param readonly - for `serve`: the SQLite file is opened read-only; MongoDB gets no indexes
 * @returns the store
 * @throws StoreError when the file or the server cannot be opened
 */
export async function openChosenStore(choice: StoreChoice, readonly = false): Promise<Store> {
  if (choice.kind === 'mongo') {
    return openMongoStore({ uri: choice.mongoUri, db: choice.mongoDb, readonly });
  }
  if (!readonly) mkdirSync(dirname(choice.db), { recursive: true });
  return openSqliteStore(choice.db, { readonly });
}

/** Where the chosen store is, for logs and messages (never a password). */
export function describeStore(choice: StoreChoice): string {
  return choice.kind === 'mongo'
    ? `mongodb ${redactMongoUri(choice.mongoUri)}/${choice.mongoDb}`
    : `sqlite ${choice.db}`;
}
