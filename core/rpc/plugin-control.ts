// What the built-in methods need of the plugins (`plugins.*`, `daemon.reload`)
// and the views they answer with, declared here so that rpc does not import
// the host: the plugin host satisfies this interface as it is.

export type PluginStateName = 'discovered' | 'loading' | 'ready' | 'draining' | 'stopped' | 'crashed' | 'backoff' | 'failed';

/** One plugin as `plugins.list` and `plugins.status` show it. */
export interface PluginView {
  name: string;
  version?: string;
  state: PluginStateName;
  path: string;
  entry: string;
  methods: string[];
  threadId?: number;
  served: number;
  inFlight: number;
  restarts: number;
  reloads: number;
  lastError?: string;
  lastErrorAt?: string;
  nextRestartAt?: string;
  readySince?: string;
  paused: boolean;
  heap?: { used: number; limit: number };
  eventLoopUtilization?: number;
  loops?: { iterations: number; errors: number };
}

/** An entry of the plugin folder that was not loaded, and why. */
export interface SkippedView {
  path: string;
  reason: string;
}

/** What a rescan of the plugin folder did. */
export interface RescanView {
  loaded: string[];
  reloaded: string[];
  unchanged: string[];
  unloaded: string[];
  failed: Array<{ name: string; error: string }>;
  skipped: SkippedView[];
}

export interface ReloadView {
  name: string;
  changed: boolean;
}

export interface PluginControl {
  list(): PluginView[];
  status(name: string): PluginView;
  setPaused(name: string, paused: boolean): Promise<PluginView>;
  loadPath(path: string): Promise<PluginView>;
  unload(name: string): Promise<void>;
  reloadOne(name: string, force: boolean): Promise<ReloadView>;
  rescan(force: boolean): Promise<RescanView>;
}
