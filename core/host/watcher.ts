// Watches the plugin folder (chokidar) and reports which top-level entry
// changed, once per burst of writes: an editor's save or a build touches
// several files, and one reload should follow, not five.

import { relative, join, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

/**
 * Longer than chokidar's own 50 ms window in which it drops further `change`
 * events for a path: a write inside that window sends no event, so the reload
 * must start after it ends to read what that write left.
 */
const DEBOUNCE_MS = 60;

export class PluginWatcher {
  private watcher: FSWatcher | undefined;
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly dir: string,
    private readonly onChange: (candidate: string) => void,
  ) {}

  start(): Promise<void> {
    this.watcher = watch(this.dir, {
      ignoreInitial: true,
      depth: 4,
      ignored: (path) => this.isIgnored(path),
    });
    this.watcher.on('all', (_event, path) => this.changed(path));
    return new Promise((resolve) => this.watcher!.once('ready', () => resolve()));
  }

  async close(): Promise<void> {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await this.watcher?.close();
  }

  /** Hidden files, build output and dependencies never make a plugin change. */
  private isIgnored(path: string): boolean {
    const parts = relative(this.dir, path).split(sep);
    return parts.some((part) => (part.startsWith('.') && part !== '.' && part !== '..') || part === 'node_modules');
  }

  private changed(path: string): void {
    const top = relative(this.dir, path).split(sep)[0];
    if (!top || top.startsWith('..')) return;
    clearTimeout(this.timers.get(top));
    this.timers.set(
      top,
      setTimeout(() => {
        this.timers.delete(top);
        this.onChange(join(this.dir, top));
      }, DEBOUNCE_MS),
    );
  }
}
