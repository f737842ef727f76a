/** The `edgeops` command: dispatches to one command per file; only bin/ calls process.exit. */
import { createRequire } from 'node:module';
import { applyCommand, applyHelp } from './commands/apply.js';
import { explainCommand, explainHelp } from './commands/explain.js';
import { planCommand, planHelp } from './commands/plan.js';
import { resolveCommand, resolveHelp } from './commands/resolve.js';
import { validateCommand, validateHelp } from './commands/validate.js';
import { GitDataError } from '../io/git.js';
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE, UsageError, type CliContext } from './context.js';

type Command = { run: (args: readonly string[], ctx: CliContext) => Promise<number>; help: string; summary: string };

const COMMANDS: Record<string, Command> = {
  validate: { run: validateCommand, help: validateHelp, summary: 'check deployments and fleet files' },
  resolve: { run: resolveCommand, help: resolveHelp, summary: 'the winning deployment of every device' },
  explain: { run: explainCommand, help: explainHelp, summary: 'why a device gets what it gets' },
  plan: { run: planCommand, help: planHelp, summary: 'what a change does to the fleet, and why' },
  apply: { run: applyCommand, help: applyHelp, summary: "write every device's effective manifest to a sink" },
};

export const mainHelp = `Usage: edgeops <command> [options]

GitOps for fleets of Azure IoT Edge devices: deployments and the fleet as YAML in git.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run 'edgeops <command> --help' for a command's options.
Exit codes: 0 ok, 1 the repository is invalid or the operation failed, 2 usage error.
`;

export async function run(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(mainHelp);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version') {
    ctx.stdout.write(`${(createRequire(import.meta.url)('../../package.json') as { version: string }).version}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS[name];
  if (!command) {
    ctx.stderr.write(`edgeops: unknown command '${name}'\n\n${mainHelp}`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(args, ctx);
  } catch (e) {
    if (e instanceof UsageError) {
      ctx.stderr.write(`edgeops ${name}: ${e.message}\nRun 'edgeops ${name} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    if (e instanceof GitDataError) {
      // Missing or damaged git data: an error of the run, not of its usage.
      ctx.stderr.write(`edgeops ${name}: ${e.message}\n`);
      return EXIT_INVALID;
    }
    throw e;
  }
}
