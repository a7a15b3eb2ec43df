// Packages a plugin worker loads at their first use, each from one file of
// dist/vendor (scripts/bundle.mjs): pino at the plugin's first `ctx.log`,
// tapable at its first hook tap. Evaluated at every worker's boot they cost
// each worker 1 MB resident (`npm run bench -- rss`: rss.idle.10plugins), and
// many plugins never log or tap a hook. A spare
// worker loads both while it waits, so a reload's setup never waits for them.

import { createRequire } from 'node:module';
import type pino from 'pino';
import type * as tapable from 'tapable';
import { built } from '../package-root.js';

const load = createRequire(import.meta.url);

export const loadPino = () => load(built.pino) as typeof pino;
export const loadTapable = () => load(built.tapable) as typeof tapable;
