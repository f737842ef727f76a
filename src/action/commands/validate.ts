/** `command: validate`: every problem of the working directory's files, as annotations and a summary. */
import { diskSource } from '../../io/disk.js';
import { countsText } from '../../render/text/diagnostics.js';
import { validateMarkdown } from '../../render/validate-markdown.js';
import { validate } from '../../usecases/validate.js';
import type { ActionInputs } from '../inputs.js';
import type { Outcome } from '../outcome.js';

export async function validateAction(inputs: ActionInputs): Promise<Outcome> {
  const result = await validate(diskSource(inputs.workingDirectory));
  const { diagnostics } = result.loaded;
  return {
    outputs: { valid: result.valid },
    summary: validateMarkdown({ ...result, diagnostics }),
    diagnostics,
    failure: result.valid ? undefined : `the repository is invalid: ${countsText(diagnostics)}`,
  };
}
