// What a worker may send the core, checked before anything uses it. A plugin
// is untrusted (docs/ARCHITECTURE.md, "Protocol violations"): each check
// answers the shape it found, or why it is not one; the caller then reports a
// violation and the worker is ended as a crash. Ids are checked by their
// owners (PendingCalls, WorkerControl): only they know which ids were sent.

import {
  HEALTH_CELLS,
  type ControlReply,
  type LogReport,
  type WorkerReport,
  type WorkerToCore,
} from '../channel/protocol.js';

/** A check's verdict: the value, typed, or why it breaks the protocol. */
export type Checked<T> = { ok: T } | { violation: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

/** A result, or an error for a call, as the channel delivered it. */
export function checkChannelMessage(message: unknown): Checked<WorkerToCore> {
  if (!isRecord(message) || !isId(message.id)) return { violation: 'a channel message without a valid id' };
  if (message.t === 'result') {
    if (typeof message.json !== 'string' || !isOneJsonValue(message.json)) {
      return { violation: `the result for call ${message.id} is not one JSON value` };
    }
    return { ok: message as unknown as WorkerToCore };
  }
  if (message.t === 'error') {
    const error = message.error;
    if (!isRecord(error) || !Number.isSafeInteger(error.code) || typeof error.message !== 'string') {
      return { violation: `the error for call ${message.id} is not a JSON-RPC error object` };
    }
    return { ok: message as unknown as WorkerToCore };
  }
  return { violation: `a channel message of unknown type ${JSON.stringify(String(message.t)).slice(0, 40)}` };
}

/**
 * Whether `text` is exactly one JSON value, on one line: what the worker's
 * JSON.stringify makes, and all an answer line may carry (answer-text.ts
 * splices it in unparsed). JSON.parse is the check: V8's parser, without
 * keeping what it builds, costs less than a scanner in JavaScript
 * (bench/json-check.ts measures both).
 */
export function isOneJsonValue(text: string): boolean {
  // A raw line break can only be whitespace between tokens, which JSON.stringify never writes: it would end the answer line.
  if (text.length === 0 || text.includes('\n') || text.includes('\r')) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A control reply or a log line, as the control port delivered it. */
export function checkReport(report: unknown): Checked<WorkerReport> {
  if (!isRecord(report)) return { violation: 'a report that is not an object' };
  if ('t' in report) {
    if (report.t === 'log' && typeof report.line === 'string') return { ok: report as unknown as LogReport };
    return { violation: 'a log report without a text line' };
  }
  if (!isId(report.id)) return { violation: 'a control reply without a valid id' };
  if (report.ok === true || (report.ok === false && typeof report.message === 'string'))
    return { ok: report as unknown as ControlReply };
  return { violation: `the reply to order ${report.id} is malformed` };
}

/** The health cells and event-loop use a process reports every heartbeat. */
export function checkHealth(health: unknown): Checked<{ cells: number[]; elu: number }> {
  if (!isRecord(health) || !Array.isArray(health.cells) || health.cells.length !== HEALTH_CELLS) {
    return { violation: 'a health report without its cells' };
  }
  if (!health.cells.every((cell) => Number.isInteger(cell) && (cell | 0) === cell))
    return { violation: 'a health cell that is not an Int32' };
  if (typeof health.elu !== 'number' || !(health.elu >= 0 && health.elu <= 1))
    return { violation: 'a health report with an invalid event-loop use' };
  return { ok: health as { cells: number[]; elu: number } };
}

/** A log record a plugin's `ctx.log` wrote: one JSON object, re-serialised with the plugin's name set here (a name it wrote is replaced). */
export function checkLogRecord(line: string, plugin: string): Checked<string> {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return { violation: 'a log line that is not JSON' };
  }
  if (!isRecord(record)) return { violation: 'a log line that is not a JSON object' };
  return { ok: JSON.stringify({ ...record, plugin }) };
}
