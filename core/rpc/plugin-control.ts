// What the built-in methods need of the plugins (`plugins.*`, `daemon.reload`),
// declared here so that rpc does not import the host: the plugin host
// satisfies this interface as it is. The views are the contract's answer shapes (core/contract/).

import type { PluginStatus, ReloadOne, RescanSummary } from '../contract/plugin-status.js';

export interface PluginControl {
  list(): PluginStatus[];
  status(name: string): PluginStatus;
  setPaused(name: string, paused: boolean): Promise<PluginStatus>;
  loadPath(path: string): Promise<PluginStatus>;
  unload(name: string): Promise<void>;
  reloadOne(name: string, force: boolean): Promise<ReloadOne>;
  rescan(force: boolean): Promise<RescanSummary>;
}
