// `plugd dev <path>`: a foreground daemon for one plugin under development.
// Each save reloads it; one line says so (`reloaded mine in 23 ms`), or gives
// the compile error with its file:line while the last good version keeps
// serving. Its home is a hidden folder beside the plugin.

import type { Command } from 'commander';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { inspectCandidate, isSkipped } from '../host/discovery.js';
import { reportLog } from './dev-report.js';
import { NotFoundError, PluginError } from '../contract/errors.js';

export function registerDevCommand(program: Command): void {
  program
    .command('dev <path>')
    .description('run a foreground daemon serving one plugin, reloaded on every save')
    .action(async (path: string, _options, command: Command) => {
      const plugin = resolve(path);
      let isFolder: boolean;
      try {
        isFolder = statSync(plugin).isDirectory();
      } catch {
        throw new NotFoundError(`no plugin at ${plugin}`);
      }
      // Checked before the home is made: a mistyped path leaves nothing behind.
      const candidate = inspectCandidate(plugin);
      if (isSkipped(candidate)) throw new PluginError(`${plugin} is not a plugin: ${candidate.reason}`);
      const home =
        command.optsWithGlobals<{ home?: string }>().home ?? join(isFolder ? plugin : dirname(plugin), '.plugd-dev');
      const plugins = join(home, 'plugins');
      mkdirSync(plugins, { recursive: true, mode: 0o700 });
      const { start } = await import('./start.js');
      reportLog(join(home, 'plugd.log'));
      await start({ home, plugins, foreground: true, develop: plugin });
    });
}
