// The log lines the dashboard shows: each JSON line the daemon writes (its
// own, and its plugins' workers'), cut down to what a person reads, and the
// last few kept per plugin so a page opened now has some history.

import type { LogEntry } from '../contract/dashboard.js';

const KEPT_PER_SOURCE = 100;

export function parseLogLine(line: string): LogEntry | undefined {
  try {
    const record = JSON.parse(line) as { time?: unknown; level?: unknown; msg?: unknown; plugin?: unknown };
    if (typeof record !== 'object' || record === null) return undefined;
    return {
      time: typeof record.time === 'number' ? record.time : Date.now(),
      level: typeof record.level === 'number' ? record.level : 30,
      msg: typeof record.msg === 'string' ? record.msg : '',
      ...(typeof record.plugin === 'string' && { plugin: record.plugin }),
    };
  } catch {
    return undefined;
  }
}

export class RecentLogs {
  private readonly bySource = new Map<string, LogEntry[]>();

  add(entry: LogEntry): void {
    const key = entry.plugin ?? '';
    const lines = this.bySource.get(key) ?? [];
    lines.push(entry);
    if (lines.length > KEPT_PER_SOURCE) lines.shift();
    this.bySource.set(key, lines);
  }

  all(): LogEntry[] {
    return [...this.bySource.values()].flat().sort((a, b) => a.time - b.time);
  }
}
