/**
 * `mobility-heatmap stack`: the distributed transport on one development machine. It starts the
 * local Kafka broker (scripts/kafka-broker.sh), then a producer (the recordings replayed by
 * default, or the simulator), the TypeScript engine consuming every partition of the topic (or,
 * with `--engine spark`, the PySpark job of spark/ writing MongoDB), and the API with the page,
 * and stops them all on Ctrl-C, the broker last; a broker that was already running is used and
 * left running.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import { openKafkaLog } from '../log/kafka-log.js';
import { loggerFor, type Logger } from '../logger.js';
import { addEngineSettingOptions, engineSettingsOf } from './engine-settings-options.js';
import {
  addLiveSourceOptions,
  LIVE_SOURCES,
  liveSourceFromKeys,
  liveSourceOf,
  type LiveSourceKind,
} from './live-source-options.js';
import { addKafkaOptions, logChoiceOf } from './log-options.js';
import { startPipelineStack } from './pipeline-stack.js';
import {
  defaultSparkCheckpoint,
  ENGINE_KINDS,
  sparkJobCommand,
  startSparkJob,
  validateEngineChoice,
  type EngineKind,
  type SparkJobOptions,
} from './spark-engine.js';
import { addStoreOptions, describeStore, openChosenStore, storeChoiceOf } from './store-options.js';
import {
  addFeedOptions,
  addServeOptions,
  recordedSourceOf,
  serveUntilStopped,
  sharedStackOptionsOf,
} from './stack-options.js';

/** The broker script of a checkout (dist/src/cli is three folders below the repository root). */
const BROKER_SCRIPT = fileURLToPath(new URL('../../../scripts/kafka-broker.sh', import.meta.url));

/** The broker script's environment: KAFKA_PORT from the first host:port of `bootstrap`. */
function brokerScriptEnv(bootstrap: string): NodeJS.ProcessEnv {
  const port = bootstrap.split(',')[0]!.split(':')[1] ?? '9092';
  return { ...process.env, KAFKA_PORT: process.env.KAFKA_PORT ?? port };
}

/** @throws UsageError when the checkout has no broker script (an installed package) */
function checkBrokerScript(): void {
  if (!existsSync(BROKER_SCRIPT)) {
    throw new UsageError(
      `no local broker script at ${BROKER_SCRIPT}: run from a checkout, or start Kafka yourself and pass --no-broker`,
    );
  }
}

/**
 * Runs the local broker's script, its output going to this process's standard error.
 *
 * @param command - start or stop
 * @param bootstrap - the first host:port of it gives the broker's port
 * @throws UsageError when the script is missing or fails
 */
function runBrokerScript(command: 'start' | 'stop', bootstrap: string, logger: Logger): void {
  checkBrokerScript();
  const env = brokerScriptEnv(bootstrap);
  logger.info({ command, port: env.KAFKA_PORT }, 'local broker');
  const run = spawnSync('bash', [BROKER_SCRIPT, command], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
  });
  if (run.status !== 0) {
    throw new UsageError(
      `the local broker did not ${command} (scripts/kafka-broker.sh ${command} exited ${run.status}); see its message above`,
    );
  }
}

/**
 * Whether the local broker (the one scripts/kafka-broker.sh keeps in its data folder) runs.
 *
 * @throws UsageError when the script is missing or cannot tell (it then says why)
 */
function isLocalBrokerRunning(bootstrap: string): boolean {
  checkBrokerScript();
  const run = spawnSync('bash', [BROKER_SCRIPT, 'status'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: brokerScriptEnv(bootstrap),
  });
  if (run.status === 0 || run.status === 3) return run.status === 0;
  throw new UsageError(
    `cannot tell whether the local broker runs (scripts/kafka-broker.sh status exited ${run.status}); see its message above, or start Kafka yourself and pass --no-broker`,
  );
}

/** Builds the `stack` command. */
export function stackCommand(): Command {
  const command = new Command('stack')
    .summary(
      'run broker, producer, engine and API on Kafka for development (Ctrl-C stops what it started)',
    )
    .description(
      'Starts the local Kafka broker (make kafka), a producer publishing to the topic (a live API when its keys are set: MBTA_API_KEY, or OPENSKY_CLIENT_ID and OPENSKY_CLIENT_SECRET; else the recordings replayed, or --source sim|mbta|opensky|gtfsrt), the TypeScript engine consuming every partition into the store of --db (or with --engine spark the PySpark job of spark/, writing the MongoDB store of --store mongo), and the API serving the map; Ctrl-C stops them all (a broker that was already running is used and left running). The engine resumes from its checkpoint in --db; --fresh starts the store anew and reads the topic from its start.',
    );
  addFeedOptions(command, ['auto', 'replay', 'sim', ...LIVE_SOURCES])
    .option('--db <file>', 'SQLite file of the store and the checkpoint', '.data/stack.sqlite')
    .option('--fresh', 'delete the store first; the engine then reads the topic from its start')
    .option('--no-broker', 'use the broker of --kafka-bootstrap as it is; start none')
    .addOption(
      new Option(
        '--engine <kind>',
        'the TypeScript engine, or the PySpark job of spark/ (needs --store mongo and make spark-setup)',
      )
        .choices(ENGINE_KINDS)
        .default('ts'),
    )
    .option(
      '--spark-checkpoint <dir>',
      'with --engine spark: the job checkpoint folder (default: .data/stack-spark-checkpoint/<mongo db>.<topic>)',
    );
  addStoreOptions(addKafkaOptions(addLiveSourceOptions(command)));
  return addEngineSettingOptions(addServeOptions(command)).action(async (opts) => {
    const logger = loggerFor('cli');
    const choice = logChoiceOf(opts);
    const storeChoice = storeChoiceOf(opts);
    if (storeChoice.kind === 'mongo' && opts.fresh) {
      throw new UsageError(
        `--fresh deletes the SQLite --db only; to start a MongoDB store anew, drop the database "${storeChoice.mongoDb}" yourself (or pick another --mongo-db) and run again without --fresh`,
      );
    }
    const engineKind = opts.engine as EngineKind;
    validateEngineChoice(engineKind, storeChoice.kind);
    const sparkJob: SparkJobOptions | null =
      engineKind === 'spark'
        ? {
            kafkaBootstrap: choice.kafkaBootstrap,
            kafkaTopic: choice.kafkaTopic,
            mongoUri: storeChoice.mongoUri,
            mongoDb: storeChoice.mongoDb,
            settings: engineSettingsOf(opts),
            triggerMs: opts.triggerMs as number,
            checkpoint:
              (opts.sparkCheckpoint as string | undefined) ??
              defaultSparkCheckpoint(storeChoice.mongoDb, choice.kafkaTopic),
          }
        : null;
    if (sparkJob !== null) sparkJobCommand(sparkJob); // checks spark/.venv before anything starts
    // Live when keys are given (MBTA_API_KEY, or OpenSky's client id and secret), else replay.
    const live: LiveSourceKind | null =
      opts.source === 'auto'
        ? liveSourceFromKeys()
        : (LIVE_SOURCES as readonly string[]).includes(opts.source)
          ? opts.source
          : null;
    const recorded = live === null ? recordedSourceOf(opts, logger) : null;
    const makeSource = recorded ?? (async () => liveSourceOf(live!, opts));
    if (live !== null) liveSourceOf(live, opts); // checks its options before the broker starts

    // A broker already running (make kafka, an earlier stack) is used and left running: only
    // the broker this command starts is stopped with it.
    const ownsBroker = Boolean(opts.broker) && !isLocalBrokerRunning(choice.kafkaBootstrap);
    if (opts.broker && !ownsBroker) {
      logger.info({ bootstrap: choice.kafkaBootstrap, leftRunning: true }, 'local broker reused');
    }
    if (ownsBroker) runBrokerScript('start', choice.kafkaBootstrap, logger);
    let stack;
    try {
      stack = await startPipelineStack({
        dbFile: opts.db,
        fresh: Boolean(opts.fresh),
        openLog: () =>
          openKafkaLog({
            bootstrap: choice.kafkaBootstrap,
            topic: choice.kafkaTopic,
            clientId: 'stack',
          }),
        ...(storeChoice.kind === 'mongo'
          ? {
              openStore: () => openChosenStore(storeChoice),
              storeLabel: describeStore(storeChoice),
            }
          : {}),
        ...sharedStackOptionsOf(opts, makeSource),
        ...(sparkJob === null
          ? {}
          : { runEngine: (signal: AbortSignal) => startSparkJob(sparkJob, signal).done }),
      });
    } catch (err) {
      if (ownsBroker) runBrokerScript('stop', choice.kafkaBootstrap, logger);
      throw err;
    }
    try {
      await serveUntilStopped(
        stack,
        `Mobility Heatmap on Kafka ${choice.kafkaBootstrap} (${choice.kafkaTopic})`,
      );
    } finally {
      if (ownsBroker) runBrokerScript('stop', choice.kafkaBootstrap, logger);
    }
  });
}
