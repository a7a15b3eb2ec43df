// esbuild runs as a service: a child process of the daemon that keeps the
// memory of every build it made (about 0.4 MB a plugin after a first start of a
// hundred; `pss.idle.100plugins.shared` in the bench measures the daemon
// without it). It is stopped once no build has run for ESBUILD_IDLE_MS, and
// the next build starts it again, which costs a few milliseconds of a reload.

import type { BuildOptions, BuildResult } from 'esbuild';

const ESBUILD_IDLE_MS = 5000;

let building = 0;
let idleTimer: NodeJS.Timeout | undefined;

/** The exact options `build` takes, as esbuild declares them (its SameShape is not exported). */
type ExactOptions<Options extends BuildOptions> = Options & {
  [Key in Exclude<keyof Options, keyof BuildOptions>]: never;
};

/** esbuild's `build`, counted so that the service stops once none has run for a while. */
export async function esbuild<Options extends BuildOptions>(
  options: ExactOptions<Options>,
): Promise<BuildResult<Options>> {
  // esbuild loads with the first plugin to compile.
  const service = await import('esbuild');
  building++;
  clearTimeout(idleTimer);
  try {
    return await service.build(options);
  } finally {
    if (--building === 0) idleTimer = setTimeout(() => void service.stop(), ESBUILD_IDLE_MS).unref();
  }
}
