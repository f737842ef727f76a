import { parse } from '../args.js';
import { EXIT_INVALID, EXIT_OK, type CliContext } from '../context.js';

export const appHelp = `Usage: edgeops app

Starts the edgeops GitHub App (probot): plans every pull request, posts a check
run named edgeops and one sticky comment, answers /edgeops explain <device> and
/edgeops plan. Configured by the environment:

  APP_ID                     the App's id (required)
  PRIVATE_KEY                the App's private key, PEM (or PRIVATE_KEY_PATH, a .pem file)
  WEBHOOK_SECRET             the webhook secret (required)
  WEBHOOK_PATH               default /api/github/webhooks
  PORT, HOST                 default 3000, localhost
  LOG_LEVEL, LOG_FORMAT      info; pretty or json
  WEBHOOK_PROXY_URL          a smee.io channel, for local development
  GHE_HOST, GHE_PROTOCOL     GitHub Enterprise Server (REST at PROTOCOL://HOST/api/v3)
  REDIS_URL                  shared rate limiting between replicas
  EDGEOPS_CACHE_DIR          where cloned repositories are cached (default: under the OS temp dir)

Exit code 2 when a setting is missing or malformed (the message names it).
`;

export async function appCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    ctx.stdout.write(appHelp);
    return EXIT_OK;
  }
  if (!ctx.launchApp) {
    ctx.stderr.write('edgeops app: the GitHub App is not part of this build\n');
    return EXIT_INVALID;
  }
  return ctx.launchApp({ env: ctx.env, stderr: ctx.stderr });
}
