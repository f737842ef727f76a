/** What a command gets from the outside world: handed in, so tests run commands in-process. */
import { Writable } from 'node:stream';
import type { Write } from '../render/json-stream.js';
import { createStyle, wantsColor, type Style } from '../render/style.js';

export interface CliContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(chunk: string | Uint8Array, written?: () => void): unknown; isTTY?: boolean; once?(event: 'drain', listener: () => void): unknown };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  /** A monotonic clock in milliseconds, for `--verbose` (default: performance.now). */
  readonly now?: () => number;
  /**
   * Starts the GitHub App and resolves with its exit code when it stops. Handed in by
   * the binary (the composition root): the CLI face never imports the App face.
   */
  readonly launchApp?: (host: { env: CliContext['env']; stderr: CliContext['stderr'] }) => Promise<number>;
}

/**
 * Progress on stderr, only on a terminal (never in a pipe or a CI log): one line,
 * rewritten in place; `end()` clears it before the result is printed.
 */
export function progress(ctx: CliContext): { readonly onStage?: (message: string) => void; end(): void } {
  if (!ctx.stderr.isTTY) return { end: () => undefined };
  let shown = false;
  return {
    onStage(message) {
      ctx.stderr.write(`\r\x1b[K${message}…`);
      shown = true;
    },
    end() {
      if (shown) ctx.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

/**
 * Writes and waits while the stream is full, so large outputs do not pile up in memory.
 * A stream takes bytes as they are; a collector handed in instead (a test's) gets text.
 */
export const writer =
  (ctx: CliContext): Write =>
  (chunk, written) => {
    const data = typeof chunk === 'string' || ctx.stdout instanceof Writable ? chunk : new TextDecoder().decode(chunk);
    if (ctx.stdout.write(data, written) === false && ctx.stdout.once) return new Promise((resolve) => void ctx.stdout.once!('drain', resolve));
  };

export const styleFor = (ctx: CliContext): Style => createStyle(wantsColor(ctx.stdout.isTTY, ctx.env));

/** A usage mistake: printed with the command's help hint, exit code 2. */
export class UsageError extends Error {}

/** The command line was right but the operation could not run (e.g. an unknown ref): printed, exit code 1. */
export class OperationError extends Error {}

export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;
