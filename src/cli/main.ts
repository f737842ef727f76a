/** The `edgeops` command: dispatches to one command per file; only bin/ calls process.exit. */
import { createRequire } from 'node:module';
import { applyCommand, applyHelp } from './commands/apply.js';
import { appCommand, appHelp } from './commands/app.js';
import { explainCommand, explainHelp } from './commands/explain.js';
import { planCommand, planHelp } from './commands/plan.js';
import { resolveCommand, resolveHelp } from './commands/resolve.js';
import { validateCommand, validateHelp } from './commands/validate.js';
import { RefError } from '../io/git.js';
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE, UsageError, type CliContext } from './context.js';

type Command = { run: (args: readonly string[], ctx: CliContext) => Promise<number>; help: string; summary: string };

const COMMANDS: Record<string, Command> = {
  validate: { run: validateCommand, help: validateHelp, summary: 'check deployments and fleet files' },
  resolve: { run: resolveCommand, help: resolveHelp, summary: 'the winning deployment of every device' },
  explain: { run: explainCommand, help: explainHelp, summary: 'why a device gets what it gets' },
  plan: { run: planCommand, help: planHelp, summary: 'what a change does to the fleet, and why' },
  apply: { run: applyCommand, help: applyHelp, summary: "write every device's effective manifest to a sink" },
  app: { run: appCommand, help: appHelp, summary: 'run the GitHub App (probot server)' },
};

export const mainHelp = `Usage: edgeops <command> [options]

GitOps for fleets of Azure IoT Edge devices: deployments and the fleet as YAML in git.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Options for every command: --repo DIR, --ref REF, --format FORMAT, --no-color, --verbose, -h/--help.
  -v, --version   print the version

Run 'edgeops help <command>' (or 'edgeops <command> --help') for a command's options and examples.
Exit codes: 0 ok, 1 the repository is invalid or the operation failed, 2 usage error.
`;

export async function run(argv: readonly string[], context: CliContext): Promise<number> {
  // --no-color anywhere: the same as NO_COLOR=1.
  const ctx = argv.includes('--no-color') ? { ...context, env: { ...context.env, NO_COLOR: '1' } } : context;
  const [name, ...args] = argv.filter((a) => a !== '--no-color');
  if (name === 'help' && args.length > 0) {
    const command = COMMANDS[args[0]];
    if (command) ctx.stdout.write(command.help);
    else ctx.stderr.write(`edgeops: unknown command '${args[0]}'\n\n${mainHelp}`);
    return command ? EXIT_OK : EXIT_USAGE;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(mainHelp);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    ctx.stdout.write(`${(createRequire(import.meta.url)('../../package.json') as { version: string }).version}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS[name];
  if (!command) {
    ctx.stderr.write(`edgeops: unknown command '${name}'\n\n${mainHelp}`);
    return EXIT_USAGE;
  }
  // --verbose: the whole run's time at the end, on stderr (stdout stays the result).
  const now = ctx.now ?? (() => performance.now());
  const started = now();
  const took = () => {
    if (args.includes('--verbose')) ctx.stderr.write(`edgeops ${name}: done in ${((now() - started) / 1000).toFixed(2)} s\n`);
  };
  try {
    const code = await command.run(args, ctx);
    took();
    return code;
  } catch (e) {
    if (e instanceof UsageError) {
      ctx.stderr.write(`edgeops ${name}: ${e.message}\nRun 'edgeops ${name} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    // A ref that names nothing is a failed operation (exit 1), not a misuse of the command line.
    if (e instanceof RefError) {
      ctx.stderr.write(`edgeops ${name}: ${e.message}\n`);
      return EXIT_INVALID;
    }
    throw e;
  }
}
