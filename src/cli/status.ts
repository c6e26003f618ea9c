import { Command } from 'commander';
import type { CliContext } from './main.js';

// Placeholder until the command is built; replaced by its owner.
export function statusCommand(_ctx: CliContext): Command {
  return new Command('status').description('(not built yet)');
}
