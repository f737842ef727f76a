/** What a command gets from the outside world: handed in, so tests run commands in-process. */
import { createStyle, wantsColor, type Style } from '../render/style.js';

export interface CliContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
}

export const styleFor = (ctx: CliContext): Style => createStyle(wantsColor(ctx.stdout.isTTY, ctx.env));

/** A usage mistake: printed with the command's help hint, exit code 2. */
export class UsageError extends Error {}

export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;
