/** Argument parsing shared by every command (node:util parseArgs, strict). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './context.js';

export type Format = 'text' | 'json' | 'ndjson' | 'markdown' | 'github';

export const COMMON_OPTIONS = {
  repo: { type: 'string', default: '.' },
  ref: { type: 'string' },
  format: { type: 'string', default: 'text' },
  help: { type: 'boolean', short: 'h', default: false },
  verbose: { type: 'boolean', default: false },
} as const satisfies ParseArgsConfig['options'];

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: readonly string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

export function checkFormat(format: string, allowed: readonly Format[]): Format {
  if (!(allowed as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${allowed.join(', ')} (got '${format}')`);
  }
  return format as Format;
}
