/**
 * The commands beside `aggregate`, gathered in one place so main.ts stays a thin shell.
 */
import type { Command } from 'commander';

/** Every command other than `aggregate`. */
export function extraCommands(): Command[] {
  return [];
}
