// The Action's entry: do not add any logic to this file (see run.ts).
import { run } from './run.js';

void run();
