#!/usr/bin/env node
/**
 * The `mobility-heatmap` command line. Usage errors exit with 2, failures with 1, and every
 * failure is one structured log line with the error's code and a hint of what to do.
 */
import { Command, CommanderError } from 'commander';
import { ERROR_CODES, HeatmapError } from '../errors.js';
import { loggerFor } from '../logger.js';
import { aggregateCommand } from './aggregate-command.js';
import { extraCommands } from './commands.js';

/** Builds the program; reading the environment's settings may throw a UsageError. */
function buildProgram(): Command {
  const program = new Command('mobility-heatmap')
    .description(
      'Real-time H3 heatmap of moving things: buses, trains, aircraft, simulated fleets.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addCommand(aggregateCommand());
  for (const command of extraCommands()) program.addCommand(command);
  for (const command of program.commands) {
    command.exitOverride().showHelpAfterError('(run with --help for usage)');
  }
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version exit 0; anything else commander reports is a usage error.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof HeatmapError) {
    // The user reads one line saying what is wrong and what to do; the log keeps the details
    // (the stack only for failures, not for usage errors the user can fix from the message).
    const hint = ERROR_CODES[err.code];
    const usage = err.code === 'HM_USAGE';
    loggerFor('cli').error(
      { code: err.code, ...(usage ? {} : { err }) },
      usage ? err.message : 'failed',
    );
    process.stderr.write(`mobility-heatmap: ${err.message}\n  (${err.code}: ${hint})\n`);
    process.exitCode = usage ? 2 : 1;
  } else {
    loggerFor('cli').error({ err }, 'failed');
    process.stderr.write(`mobility-heatmap: ${(err as Error).message ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
