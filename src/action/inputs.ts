/** The Action's inputs (action.yml), read with @actions/core; secrets are masked as soon as they are read. */
import * as core from '@actions/core';
import path from 'node:path';
import { isPullRequest, type ActionContext } from './context.js';

export const COMMANDS = ['apply', 'plan', 'validate', 'status'] as const;
export type ActionCommand = (typeof COMMANDS)[number];

export interface ActionInputs {
  readonly command: ActionCommand;
  readonly sink: string;
  /** As given (relative to the working directory), or '' for the sink's default. */
  readonly to: string;
  readonly branch: string;
  readonly iothubConnectionString: string;
  readonly token: string;
  readonly comment: boolean;
  /** Absolute. */
  readonly workingDirectory: string;
  /** A percentage, or undefined when not set. */
  readonly failOnFailure: number | undefined;
}

/** A failure whose message says everything (a bad input, a refused target): no stack in the debug log. */
export class ActionError extends Error {}

function defaultCommand(eventName: string): ActionCommand {
  if (eventName === 'push') return 'apply';
  if (isPullRequest(eventName)) return 'plan';
  throw new ActionError(`there is no default command for the '${eventName || 'unknown'}' event: set the \`command\` input (${COMMANDS.join(', ')})`);
}

/** Masks a secret and the parts of it that could appear alone (a connection string's key). */
function mask(secret: string): void {
  if (secret === '') return;
  core.setSecret(secret);
  for (const part of secret.split(';')) {
    const key = /^SharedAccessKey=(.+)$/i.exec(part.trim());
    if (key) core.setSecret(key[1]);
  }
}

export function readInputs(context: ActionContext): ActionInputs {
  const token = core.getInput('token');
  const iothubConnectionString = core.getInput('iothub-connection-string');
  mask(token);
  mask(iothubConnectionString);
  const given = core.getInput('command');
  if (given !== '' && !(COMMANDS as readonly string[]).includes(given)) {
    throw new ActionError(`command '${given}' is not one of ${COMMANDS.join(', ')}`);
  }
  const command = given === '' ? defaultCommand(context.eventName) : (given as ActionCommand);
  const comment = core.getInput('comment') === '' ? isPullRequest(context.eventName) : core.getBooleanInput('comment');
  const failOnFailure = core.getInput('fail-on-failure');
  const percent = failOnFailure === '' ? undefined : Number(failOnFailure.replace(/%$/, ''));
  if (percent !== undefined && !(percent >= 0 && percent <= 100)) {
    throw new ActionError(`fail-on-failure '${failOnFailure}' is not a percentage from 0 to 100`);
  }
  return {
    command,
    sink: core.getInput('sink'),
    to: core.getInput('to'),
    branch: core.getInput('branch'),
    iothubConnectionString,
    token,
    comment,
    workingDirectory: path.resolve(context.workspace, core.getInput('working-directory') || '.'),
    failOnFailure: percent,
  };
}
