// A latch to prove a call was in flight across an event (a reload, a stop):
// a plugin method that notes its call, then answers only once the test
// releases it. No timer decides the order, so a slow machine cannot let the
// call finish before the event it is meant to outlast. The latch is a pair of
// files, as the worker that holds the call is no longer reachable by RPC.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { until } from './until.js';

/**
 * Source of a handler that appends a byte to `params.entered`, then answers
 * `answer` (a JS expression) once the file `params.release` exists.
 */
export const heldHandler = (answer: string) => `async ({ entered, release }) => {
  const fs = await import('node:fs');
  fs.appendFileSync(entered, '.');
  await new Promise((resolve) => {
    const poll = setInterval(() => {
      if (!fs.existsSync(release)) return;
      clearInterval(poll);
      resolve();
    }, 5);
  });
  return ${answer};
}`;

export interface Latch {
  /** The params a held call takes. */
  params: { entered: string; release: string };
  /** Resolves once `count` held calls have started. */
  entered(count?: number): Promise<void>;
  /** Lets every held call answer. */
  release(): void;
}

/** A latch whose files live in `dir` (a test's home). */
export function latch(dir: string): Latch {
  const params = { entered: join(dir, 'latch.entered'), release: join(dir, 'latch.release') };
  const started = async () => (existsSync(params.entered) ? readFileSync(params.entered, 'utf8').length : 0);
  return {
    params,
    async entered(count = 1) {
      await until(started, (calls) => calls >= count);
    },
    release: () => writeFileSync(params.release, ''),
  };
}
