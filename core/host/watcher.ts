// Watches the plugin folder (chokidar) and reports which top-level entry
// changed, once per burst of writes: an editor's save or a build touches
// several files, and one reload should follow, not five. It also follows the
// files each plugin's build read (`follow`), wherever they lie: a change to
// one reports the plugin that imports it.

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
  /** Followed file → the candidates whose builds read it. */
  private readonly followers = new Map<string, Set<string>>();

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

  /** From now on, a change to any of `paths` (absolute) reports `candidate`; replaces what it followed before. */
  follow(paths: string[], candidate: string): void {
    for (const [path, candidates] of this.followers) {
      if (!candidates.delete(candidate) || candidates.size) continue;
      this.followers.delete(path);
      if (this.isOutside(path)) this.watcher?.unwatch(path);
    }
    for (const path of paths) {
      const candidates = this.followers.get(path) ?? new Set();
      if (!candidates.size && this.isOutside(path)) this.watcher?.add(path);
      this.followers.set(path, candidates.add(candidate));
    }
  }

  private isOutside(path: string): boolean {
    return relative(this.dir, path).startsWith('..');
  }

  /** Hidden files, build output and dependencies never make a plugin change. */
  private isIgnored(path: string): boolean {
    if (this.followers.has(path)) return false;
    const parts = relative(this.dir, path).split(sep);
    return parts.some((part) => (part.startsWith('.') && part !== '.' && part !== '..') || part === 'node_modules');
  }

  private changed(path: string): void {
    for (const candidate of this.followers.get(path) ?? []) this.report(candidate);
    const top = relative(this.dir, path).split(sep)[0];
    if (top && !top.startsWith('..')) this.report(join(this.dir, top));
  }

  private report(candidate: string): void {
    clearTimeout(this.timers.get(candidate));
    this.timers.set(
      candidate,
      setTimeout(() => {
        this.timers.delete(candidate);
        this.onChange(candidate);
      }, DEBOUNCE_MS),
    );
  }
}
