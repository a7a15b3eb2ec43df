// The POSIX signal-to-event bridge: each handled signal is published on
// `hooks.signal.for(NAME)`. What a signal means (stop, reload) is decided by
// taps on that hook, not here.

import type { CoreHooks } from './hooks.js';

/** The signals the daemon takes over. SIGUSR1 stays Node's (the inspector). */
export const BRIDGED_SIGNALS = ['SIGHUP', 'SIGUSR2', 'SIGWINCH', 'SIGTERM', 'SIGINT'] as const;
export type BridgedSignal = (typeof BRIDGED_SIGNALS)[number];

/** Installs the bridge; returns a function that removes it. */
export function installSignalBridge(hooks: CoreHooks): () => void {
  const listeners = BRIDGED_SIGNALS.map((name) => {
    const listener = () => hooks.signal.for(name).call(name);
    process.on(name, listener);
    return [name, listener] as const;
  });
  return () => {
    for (const [name, listener] of listeners) process.off(name, listener);
  };
}
