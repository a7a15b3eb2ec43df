// A child process the bench depends on (the daemon, the bare echo server):
// started, waited for until it prints that it is ready, and always ended,
// gracefully by `stop()` or by SIGKILL from the cleanup on any error.

import { spawn } from 'node:child_process';
import { killIfAlive, onCleanup } from './cleanup.js';

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
/** Enough of the child's output to explain a failed start. */
const KEPT_OUTPUT_CHARS = 8192;

export interface ReadyCondition {
  /** The stream the ready line comes on; the other one is discarded. */
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface RunningChild {
  pid: number;
  /** SIGTERM, then SIGKILL if it lingers; resolves once it is gone. */
  stop(): Promise<void>;
}

/** Runs `node ...args` and resolves once `ready.text` appears on `ready.stream`. */
export async function startChild(args: string[], ready: ReadyCondition): Promise<RunningChild> {
  const stdio =
    ready.stream === 'stdout' ? (['ignore', 'pipe', 'ignore'] as const) : (['ignore', 'ignore', 'pipe'] as const);
  const child = spawn(process.execPath, args, { stdio: [...stdio] });
  const pid = child.pid!;
  const forget = onCleanup(() => killIfAlive(pid));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const output = child[ready.stream]!;
  try {
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(
        () => reject(new Error(`not ready within ${READY_TIMEOUT_MS} ms: node ${args.join(' ')}\n${seen}`)),
        READY_TIMEOUT_MS,
      );
      output.setEncoding('utf8');
      output.on('data', (chunk: string) => {
        seen = (seen + chunk).slice(-KEPT_OUTPUT_CHARS);
        if (seen.includes(ready.text)) {
          clearTimeout(timer);
          resolve();
        }
      });
      // `exited` never rejects; once ready, this late reject is a no-op.
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`exited before it was ready: node ${args.join(' ')}\n${seen}`));
      });
    });
  } catch (error) {
    killIfAlive(pid);
    forget();
    throw error;
  }
  return {
    pid,
    async stop() {
      child.kill('SIGTERM');
      const lingering = setTimeout(() => killIfAlive(pid), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(lingering);
      forget();
    },
  };
}
