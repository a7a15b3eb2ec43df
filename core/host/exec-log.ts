// `plugd.log {level, msg, ...fields}` from a stdio plugin, made into a log
// record like the lines a JS plugin's `ctx.log` writes (pino's JSON: numeric
// level, time, pid, the plugin's name), below the daemon's level dropped.

/** pino's levels. */
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** The record's line, or undefined when it is below `daemonLevel` or its params are no object. */
export function execLogRecord(plugin: string, pid: number, params: unknown, daemonLevel: string): string | undefined {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return undefined;
  const { level, msg, ...fields } = params as Record<string, unknown>;
  const value = typeof level === 'number' ? level : (LEVELS[String(level)] ?? LEVELS.info);
  if (value < (LEVELS[daemonLevel] ?? LEVELS.info)) return undefined;
  // The plugin's fields first: what names the record (plugin, time, pid) is the daemon's to say.
  return JSON.stringify({
    ...fields,
    level: value,
    time: Date.now(),
    pid,
    plugin,
    msg: typeof msg === 'string' ? msg : JSON.stringify(msg ?? ''),
  });
}
