// What the host does with the state store (state-store.ts) around a daemon's
// life: a plugin's first load gets the state kept at the last stop; at a
// graceful stop, each stateful plugin is frozen and its snapshot written.
// `plugins.<name>.persist: false` keeps a plugin out of it (and drops a file
// kept before). Nothing here fails a start or a stop: a state that cannot be
// read or written is logged, and the plugin goes on without it.

import type { Logger } from 'pino';
import { messageOf } from './errors.js';
import { CorruptStateError, type StateStore } from './state-store.js';
import type { CarriedState, PluginSupervisor } from './supervisor.js';

export class StateKeeper {
  constructor(
    private readonly store: StateStore,
    private readonly persists: (plugin: string) => boolean,
    private readonly logger: Logger,
  ) {}

  /** The state `plugin` first starts with: what the last stop kept, if anything can be read back. */
  atStart(plugin: string): CarriedState | undefined {
    if (!this.persists(plugin)) {
      this.drop(plugin);
      return undefined;
    }
    try {
      const state = this.store.read(plugin);
      if (state)
        this.logger.info(
          { plugin, file: this.store.fileOf(plugin) },
          `plugin ${plugin}: restoring the state kept at the last stop`,
        );
      return state;
    } catch (error) {
      if (!(error instanceof CorruptStateError)) throw error;
      const aside = this.setAside(plugin);
      this.logger.error(
        { plugin, file: error.file, movedTo: aside },
        `${error.message}; moved to ${aside}; plugin ${plugin} starts empty`,
      );
      return undefined;
    }
  }

  /** Freezes a stateful plugin and writes its snapshot; a failure keeps the previous file. The plugin stays frozen until unloaded. */
  async atStop(plugin: PluginSupervisor): Promise<void> {
    const { name } = plugin;
    if (!this.persists(name)) {
      this.drop(name);
      return;
    }
    try {
      const frozen = await plugin.freeze();
      if (!frozen) return;
      this.store.save(name, frozen.value);
      this.logger.info(
        { plugin: name, file: this.store.fileOf(name) },
        `plugin ${name}: state kept for the next start`,
      );
    } catch (error) {
      this.logger.error(
        { plugin: name, reason: messageOf(error) },
        `plugin ${name}: state not saved at stop (${messageOf(error)}); the previous one, if any, is kept`,
      );
    }
  }

  private drop(plugin: string): void {
    try {
      if (this.store.remove(plugin))
        this.logger.info({ plugin }, `plugin ${plugin}: kept state removed (persist: false)`);
    } catch (error) {
      this.logger.error(
        { plugin, reason: messageOf(error) },
        `plugin ${plugin}: cannot remove its kept state: ${messageOf(error)}`,
      );
    }
  }

  private setAside(plugin: string): string {
    try {
      return this.store.setAside(plugin);
    } catch (error) {
      return `nowhere (${messageOf(error)})`;
    }
  }
}
