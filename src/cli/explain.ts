import { Command } from 'commander';
import type { CliContext } from './main.js';

// Placeholder until the command is built; replaced by its owner.
export function explainCommand(_ctx: CliContext): Command {
  return new Command('explain').description('(not built yet)');
}
