// Every error a CLI user or a library user (`createDaemon`) can meet, made in
// this one file. Each carries a stable `code` (`PLUGD_ERR_…`, as undici's
// `UND_ERR_…` and avvio's `AVV_ERR_…`) and keeps the error that caused it as
// `cause`, so a caller branches on the code, never on the message. The
// JSON-RPC errors of the wire (`RpcError`, numeric codes) are another matter:
// core/rpc/errors.ts.

/** The codes, one per kind of failure (README, "Error codes"). */
export const PlugdErrorCode = {
  ALREADY_RUNNING: 'PLUGD_ERR_ALREADY_RUNNING',
  SOCKET_IN_USE: 'PLUGD_ERR_SOCKET_IN_USE',
  NOT_RUNNING: 'PLUGD_ERR_NOT_RUNNING',
  NOT_STARTED: 'PLUGD_ERR_NOT_STARTED',
  START_FAILED: 'PLUGD_ERR_START_FAILED',
  CONNECTION_CLOSED: 'PLUGD_ERR_CONNECTION_CLOSED',
  CLOSED: 'PLUGD_ERR_CLOSED',
  CONFIG: 'PLUGD_ERR_CONFIG',
  INVALID_ADDRESS: 'PLUGD_ERR_INVALID_ADDRESS',
  HOME: 'PLUGD_ERR_HOME',
  TOKEN: 'PLUGD_ERR_TOKEN',
  PERMISSION: 'PLUGD_ERR_PERMISSION',
  TIMEOUT: 'PLUGD_ERR_TIMEOUT',
  INVALID_INPUT: 'PLUGD_ERR_INVALID_INPUT',
  NOT_FOUND: 'PLUGD_ERR_NOT_FOUND',
  EXISTS: 'PLUGD_ERR_EXISTS',
  PLUGIN: 'PLUGD_ERR_PLUGIN',
  UPGRADE: 'PLUGD_ERR_UPGRADE',
  INSTALL: 'PLUGD_ERR_INSTALL',
} as const;
export type PlugdErrorCode = (typeof PlugdErrorCode)[keyof typeof PlugdErrorCode];

/** The base of every plugd error: a code to branch on, the cause kept. */
export abstract class PlugdError extends Error {
  abstract readonly code: PlugdErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** True when `error` is a plugd error with this code: how callers branch, never on a message. */
export function hasCode(error: unknown, code: PlugdErrorCode): boolean {
  return error instanceof PlugdError && error.code === code;
}

/** Another plugd serves this home (its pidfile names a live plugd). */
export class AlreadyRunningError extends PlugdError {
  readonly code = PlugdErrorCode.ALREADY_RUNNING;

  constructor(
    readonly pid: number,
    options?: ErrorOptions,
  ) {
    super(`plugd is already running (pid ${pid})`, options);
  }
}

/** Another process answers on the socket path (no pidfile of a live plugd names it). */
export class SocketInUseError extends PlugdError {
  readonly code = PlugdErrorCode.SOCKET_IN_USE;

  constructor(
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(`another process is listening on ${path}`, options);
  }
}

/** No daemon answers (a client command, `plugd stop`). */
export class NotRunningError extends PlugdError {
  readonly code = PlugdErrorCode.NOT_RUNNING;

  constructor(
    readonly address: string,
    unix = true,
    options?: ErrorOptions,
  ) {
    super(
      unix ? `plugd is not running (no socket at ${address})` : `plugd is not running (nothing listens on ${address})`,
      options,
    );
  }
}

/** A `Daemon` asked for what only a started one has (`status()` before `start()`). */
export class NotStartedError extends PlugdError {
  readonly code = PlugdErrorCode.NOT_STARTED;

  constructor(what: string, options?: ErrorOptions) {
    super(`the daemon is not started: ${what} needs start() first`, options);
  }
}

/**
 * The daemon `plugd start` ran detached failed to start. Its error crossed as
 * text: the code is the daemon's error's own when it had one.
 */
export class StartFailedError extends PlugdError {
  readonly code: PlugdErrorCode;

  constructor(message: string, code: PlugdErrorCode | undefined, options?: ErrorOptions) {
    super(message, options);
    this.code = code ?? PlugdErrorCode.START_FAILED;
  }
}

/** The daemon closed the connection before answering (it stopped, or was stopped). */
export class ConnectionClosedError extends PlugdError {
  readonly code = PlugdErrorCode.CONNECTION_CLOSED;

  constructor(options?: ErrorOptions) {
    super('connection closed by the daemon', options);
  }
}

/** A part asked to start once the daemon is closing or closed. */
export class ClosedError extends PlugdError {
  readonly code = PlugdErrorCode.CLOSED;

  constructor(part: string, options?: ErrorOptions) {
    super(`cannot start ${part}: the daemon is stopping`, options);
  }
}

/** `plugd.json`, a flag or an option that cannot be used as given. */
export class ConfigError extends PlugdError {
  readonly code = PlugdErrorCode.CONFIG;
}

/** A `HOST:PORT` that does not parse. */
export class InvalidAddressError extends PlugdError {
  readonly code = PlugdErrorCode.INVALID_ADDRESS;

  constructor(
    readonly address: string,
    options?: ErrorOptions,
  ) {
    super(`invalid address "${address}": expected HOST:PORT, e.g. 127.0.0.1:10042`, options);
  }
}

/** The home (or a file in it) cannot be used safely: not ours, open to others, a link, a path too long. */
export class HomeError extends PlugdError {
  readonly code = PlugdErrorCode.HOME;
}

/** The TCP listener's token: missing, too short, empty or refused. */
export class TokenError extends PlugdError {
  readonly code = PlugdErrorCode.TOKEN;
}

/** The operating system says no (niceness, running as another user, a file a plugin's user cannot read). */
export class PermissionError extends PlugdError {
  readonly code = PlugdErrorCode.PERMISSION;
}

/** Something did not happen within its deadline (`plugd stop`). */
export class TimeoutError extends PlugdError {
  readonly code = PlugdErrorCode.TIMEOUT;
}

/** A command's input that cannot be used (not JSON, options that do not combine, a bad plugin name). */
export class InvalidInputError extends PlugdError {
  readonly code = PlugdErrorCode.INVALID_INPUT;
}

/** What was asked for is not there (a log, a plugin path, a dashboard, a user, a free port). */
export class NotFoundError extends PlugdError {
  readonly code = PlugdErrorCode.NOT_FOUND;
}

/** What would be made is there already (a plugin's folder or file, a method name). */
export class ExistsError extends PlugdError {
  readonly code = PlugdErrorCode.EXISTS;
}

/** A plugin cannot load as it is (its engines, its build, its schemas, its settings). */
export class PluginError extends PlugdError {
  readonly code = PlugdErrorCode.PLUGIN;
}

/** `plugd upgrade` did not hand over (the old daemon serves on). */
export class UpgradeError extends PlugdError {
  readonly code = PlugdErrorCode.UPGRADE;
}

/** plugd's own install is broken (its package.json cannot be found). */
export class InstallError extends PlugdError {
  readonly code = PlugdErrorCode.INSTALL;
}
