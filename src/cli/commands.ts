/**
 * The commands beside `aggregate`, gathered in one place so main.ts stays a thin shell.
 */
import type { Command } from 'commander';
import { benchCommand } from './bench-command.js';
import { demoCommand } from './demo-command.js';
import { engineCommand } from './engine-command.js';
import { produceCommand } from './produce-command.js';
import { serveCommand } from './serve-command.js';
import { stackCommand } from './stack-command.js';

/** Every command other than `aggregate`. */
export function extraCommands(): Command[] {
  return [
    demoCommand(),
    produceCommand(),
    engineCommand(),
    serveCommand(),
    stackCommand(),
    benchCommand(),
  ];
}
