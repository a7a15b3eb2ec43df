// What crosses between a daemon and the successor it starts for `plugd
// upgrade`, declared once: the brief the successor is started with (in its
// environment) and the messages on the IPC channel between them.
//
//   old daemon                                 successor
//   spawn (listening sockets as fds 3.., brief) ─▶ reads the config, loads every plugin
//                                  ◀─ loaded     (or failed: the old serves on)
//   holds calls to stateful plugins,
//   snapshots them          state ─▶             restores them, accepts, pidfile, MAINPID=
//                                  ◀─ serving
//   forwards the held calls  call ─▶ / ◀─ answer  (one executor per stateful plugin)
//   drains, exits

import type { ConfigOverrides } from '../config/config.js';
import type { ListenerName } from '../home/listen-fds.js';

/** The environment variable that holds a successor's brief (JSON); the successor removes it. */
export const SUCCESSOR_ENV = 'PLUGD_UPGRADE_BRIEF';

/** What the command line set on the old daemon, carried to its successor (its home is the same; a library's file is not carried). */
export type CarriedOptions = Omit<ConfigOverrides, 'home' | 'file'> & { logToStdout?: boolean };

export interface SuccessorBrief {
  home: string;
  options: CarriedOptions;
  /** The old daemon, for `daemon.status`'s `upgradedFrom`. */
  from: { pid: number; version: string };
  /** Upgrades before this one, since the first daemon started. */
  upgrades: number;
  /** The sockets passed from fd 3 on, in order. */
  listeners: ListenerName[];
  /** Whether the socket path is the daemon's to remove at its final stop (not when systemd holds it). */
  ownsSocket: boolean;
  /** Plugins ready in the old daemon: each must be ready in the successor too. */
  expected: string[];
}

export type FromSuccessor =
  | { t: 'loaded'; plugins: number }
  | { t: 'serving'; pid: number }
  | { t: 'failed'; error: string }
  | { t: 'answer'; id: number; text: string };

export type ToSuccessor =
  { t: 'state'; states: Record<string, unknown> } | { t: 'call'; id: number; method: string; params: unknown };
