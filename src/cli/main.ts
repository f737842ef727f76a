/** The `edgeops` command: dispatches to one command per file; only bin/ calls process.exit. */
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE, OperationError, UsageError, type CliContext } from './context.js';
import { VERSION } from '../generated/version.js';

type CommandModule = { run: (args: readonly string[], ctx: CliContext) => Promise<number> };
type Command = { load: () => Promise<CommandModule>; summary: string };

// Each command's module (and what it needs: yaml, ajv, isomorphic-git) is loaded only
// when that command runs: `edgeops --version` and `--help` start in a few milliseconds.
const COMMANDS: Record<string, Command> = {
  validate: { load: async () => ({ run: (await import('./commands/validate.js')).validateCommand }), summary: 'check deployments and fleet files' },
  resolve: { load: async () => ({ run: (await import('./commands/resolve.js')).resolveCommand }), summary: 'the winning deployment of every device' },
  explain: { load: async () => ({ run: (await import('./commands/explain.js')).explainCommand }), summary: 'why a device gets what it gets' },
  plan: { load: async () => ({ run: (await import('./commands/plan.js')).planCommand }), summary: 'what a change does to the fleet, and why' },
  apply: { load: async () => ({ run: (await import('./commands/apply.js')).applyCommand }), summary: "write every device's effective manifest to a sink" },
  status: { load: async () => ({ run: (await import('./commands/status.js')).statusCommand }), summary: 'deployment status from device reports' },
  simulate: {
    load: async () => ({ run: (await import('./commands/simulate.js')).simulateCommand }),
    summary: 'devices that receive the rendering and report (no real fleet)',
  },
  app: { load: async () => ({ run: (await import('./commands/app.js')).appCommand }), summary: 'run the GitHub App (probot server)' },
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
  const [first, ...rest] = argv.filter((a) => a !== '--no-color');
  // `edgeops help <command>` is `edgeops <command> --help`.
  const helpFor = first === 'help' && rest.length > 0;
  const [name, ...args] = helpFor ? [rest[0], '--help'] : [first, ...rest];
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(mainHelp);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    ctx.stdout.write(`${VERSION}\n`);
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
  try {
    const code = await (await command.load()).run(args, ctx);
    if (args.includes('--verbose')) ctx.stderr.write(`edgeops ${name}: done in ${((now() - started) / 1000).toFixed(2)} s\n`);
    return code;
  } catch (e) {
    if (e instanceof UsageError) {
      ctx.stderr.write(`edgeops ${name}: ${e.message}\nRun 'edgeops ${name} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    // Missing or damaged git data (GitDataError, matched by name so the git module loads only when used): an error of the run.
    if (e instanceof OperationError || (e instanceof Error && e.name === 'GitDataError')) {
      ctx.stderr.write(`edgeops ${name}: ${e.message}\n`);
      return EXIT_INVALID;
    }
    throw e;
  }
}
