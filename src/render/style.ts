/** Colours for terminal output; off unless the caller says the terminal wants them. */
import pc from 'picocolors';

export type Style = Pick<ReturnType<typeof pc.createColors>, 'bold' | 'dim' | 'red' | 'yellow' | 'green' | 'cyan'>;

export const createStyle = (enabled: boolean): Style => pc.createColors(enabled);

/** Colour on a TTY only; NO_COLOR (any value) turns it off, FORCE_COLOR on. */
export function wantsColor(isTTY: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(isTTY) && env.TERM !== 'dumb';
}
