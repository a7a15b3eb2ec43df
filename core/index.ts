// plugd as a library: build your own daemon on the same core the CLI uses.

export { createDaemon, Daemon, type DaemonOptions, type DaemonState } from './daemon.js';
export {
  AlreadyRunningError,
  ClosedError,
  ConfigError,
  ConnectionClosedError,
  ExistsError,
  hasCode,
  HomeError,
  InstallError,
  InvalidAddressError,
  InvalidInputError,
  NotFoundError,
  NotRunningError,
  NotStartedError,
  PermissionError,
  PluginError,
  PlugdError,
  PlugdErrorCode,
  SocketInUseError,
  StartFailedError,
  TimeoutError,
  TokenError,
  UpgradeError,
} from './contract/errors.js';
export { createHooks, type CoreHooks, type CallInfo, type PluginEvent, type ReloadRequest } from './hooks.js';
export { ErrorCode, RpcError } from './rpc/errors.js';
export type { MethodDefinition, DaemonMethodHandler } from './rpc/registry.js';
export type { Config, ConfigFile, Supervision } from './config/config.js';
export { Type, type Static } from '@sinclair/typebox';
