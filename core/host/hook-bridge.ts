// The bridge that forwards signals and hook events into the workers that
// asked for them. Plugin taps live behind one core tap per hook, so they
// vanish with the plugin (tapable has no untap).

import type { CoreHooks } from '../hooks.js';
import { BRIDGED_SIGNALS } from '../signals.js';
import { FORWARDED_HOOKS, type ForwardedHook } from '../channel/protocol.js';
import type { PluginSupervisor } from './supervisor.js';

/** Taps each bridged signal and forwarded core hook once, and forwards it to every plugin in `plugins`. */
export function bridgeHooks(hooks: CoreHooks, plugins: ReadonlyMap<string, PluginSupervisor>): void {
  const broadcast = (hook: ForwardedHook, args: unknown[]) => {
    for (const plugin of plugins.values()) plugin.forward({ t: 'hook', hook, args });
  };
  for (const signal of BRIDGED_SIGNALS) {
    hooks.signal.for(signal).tap('plugd:plugins', () => {
      for (const plugin of plugins.values()) plugin.forward({ t: 'signal', signal });
      broadcast('signal', [signal]);
    });
  }
  // The other forwarded hooks are core hooks of the same name (see FORWARDED_HOOKS).
  for (const hook of FORWARDED_HOOKS) {
    if (hook === 'signal') continue;
    const core = hooks[hook] as { tap(name: string, fn: (...args: unknown[]) => void): void };
    core.tap('plugd:plugins', (...args) => broadcast(hook, args));
  }
}
