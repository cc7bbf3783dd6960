/**
 * The log flags shared by `produce`, `engine` and `stack`: `--log embedded` (a table in the
 * SQLite file of --db, the default) or `--log kafka` (the topic KAFKA_TOPIC on the broker
 * KAFKA_BOOTSTRAP, SPEC 6), and the one function that opens the chosen log.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULTS } from '../config.js';
import { UsageError } from '../errors.js';
import { openEmbeddedLog } from '../log/embedded-log.js';
import type { EventLog } from '../log/event-log.js';
import { openKafkaLog } from '../log/kafka-log.js';

/** The kinds of log a command can use. */
export const LOG_KINDS = ['embedded', 'kafka'] as const;
export type LogKind = (typeof LOG_KINDS)[number];

/** A log as commands use it: readable, writable, with a health probe. */
export type OpenedLog = EventLog & { health(): Promise<{ ok: boolean; detail: string }> };

/** The log settings of parsed options. */
export interface LogChoice {
  kind: LogKind;
  /** The SQLite file of the embedded log. */
  db: string;
  kafkaBootstrap: string;
  kafkaTopic: string;
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

function kafkaTopic(value: string): string {
  // Kafka's own rule for topic names (Topic.java: legal characters, at most 249).
  if (!TOPIC_NAME.test(value) || value === '.' || value === '..') {
    throw new UsageError(`--kafka-topic ${JSON.stringify(value)} is not a Kafka topic name`);
  }
  return value;
}

function envOr(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

/** Adds --kafka-bootstrap and --kafka-topic to a command. */
export function addKafkaOptions(command: Command): Command {
  const topic = envOr('KAFKA_TOPIC', DEFAULTS.kafkaTopic);
  return command
    .option(
      '--kafka-bootstrap <hosts>',
      'Kafka brokers, host:port[,host:port] (env KAFKA_BOOTSTRAP)',
      envOr('KAFKA_BOOTSTRAP', DEFAULTS.kafkaBootstrap),
    )
    .option(
      '--kafka-topic <name>',
      'events topic (env KAFKA_TOPIC)',
      kafkaTopic,
      kafkaTopic(topic),
    );
}

/** Adds --log, --kafka-bootstrap and --kafka-topic to a command (which has --db already). */
export function addLogOptions(command: Command): Command {
  return addKafkaOptions(
    command.addOption(
      new Option('--log <kind>', 'where events travel: the embedded log of --db, or Kafka')
        .choices(LOG_KINDS)
        .default('embedded'),
    ),
  );
}

/** The log settings from parsed options of addLogOptions (Kafka with addKafkaOptions alone). */
export function logChoiceOf(opts: Record<string, unknown>): LogChoice {
  return {
    kind: (opts.log as LogKind | undefined) ?? 'kafka',
    db: opts.db as string,
    kafkaBootstrap: opts.kafkaBootstrap as string,
    kafkaTopic: opts.kafkaTopic as string,
  };
}

/**
 * Opens the chosen log: the embedded one (its file and folder are created) or Kafka (its topics
 * are created when missing).
 *
 * @param choice - the parsed log settings
 * @param clientId - names the Kafka client in the broker's logs
 * @returns the open log
 * @throws LogError when the file cannot be opened or the broker cannot be reached
 */
export async function openChosenLog(choice: LogChoice, clientId: string): Promise<OpenedLog> {
  if (choice.kind === 'kafka') {
    return openKafkaLog({ bootstrap: choice.kafkaBootstrap, topic: choice.kafkaTopic, clientId });
  }
  mkdirSync(dirname(choice.db), { recursive: true });
  return openEmbeddedLog(choice.db);
}

/** Where the chosen log is, for logs and messages. */
export function describeLog(choice: LogChoice): string {
  return choice.kind === 'kafka'
    ? `kafka ${choice.kafkaBootstrap} ${choice.kafkaTopic}`
    : `embedded ${choice.db}`;
}
