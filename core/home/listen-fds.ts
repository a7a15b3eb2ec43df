// Listening sockets this process was handed instead of binding its own:
// systemd's socket activation (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES; see
// sd_listen_fds(3)), or an upgrade's predecessor, which passes the same
// variables (it cannot know its successor's pid, so `trusted` skips that check).
// Descriptors start at 3. Named `unix`, `tcp` and `metrics`; unnamed (or named
// otherwise: systemd's default name is the socket unit's), by position: the
// first is the unix socket, the second the TCP listener, the third metrics.

export type ListenerName = 'unix' | 'tcp' | 'metrics';

export const LISTENER_NAMES: readonly ListenerName[] = ['unix', 'tcp', 'metrics'];

/** The first passed descriptor (SD_LISTEN_FDS_START). */
const FIRST_FD = 3;

export type InheritedListeners = Partial<Record<ListenerName, number>>;

/**
 * The passed sockets by name, or undefined when none were passed to this
 * process. The variables are removed, so nothing this process starts takes
 * them as its own.
 */
export function takeInheritedListeners(
  env: NodeJS.ProcessEnv = process.env,
  trusted = false,
): InheritedListeners | undefined {
  const count = Number(env.LISTEN_FDS);
  const forUs = trusted || Number(env.LISTEN_PID) === process.pid;
  const names = env.LISTEN_FDNAMES?.split(':');
  delete env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDNAMES;
  if (!forUs || !Number.isInteger(count) || count <= 0) return undefined;
  const listeners: InheritedListeners = {};
  for (let index = 0; index < count; index++) {
    const given = names?.[index] as ListenerName | undefined;
    const name = given && LISTENER_NAMES.includes(given) ? given : LISTENER_NAMES[index];
    if (name) listeners[name] = FIRST_FD + index;
  }
  return listeners;
}

/** The environment that passes `fds` (in this order, from fd 3) to a child. */
export function listenerEnvironment(names: ListenerName[]): Record<string, string> {
  return { LISTEN_FDS: String(names.length), LISTEN_FDNAMES: names.join(':') };
}
