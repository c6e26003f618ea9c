import { Command } from 'commander';
import type { CliContext } from './main.js';

// Placeholder until the command is built; replaced by its owner.
export function validateCommand(_ctx: CliContext): Command {
  return new Command('validate').description('(not built yet)');
}
