// The buttons that act (reload, pause, resume, unload, rescan) and the line
// that shows how the last one went: done, or the JSON-RPC error with its code.

import { useState } from 'preact/hooks';
import { call, describeError } from './rpc.js';

export interface Outcome {
  ok: boolean;
  text: string;
}

/** Runs an action and remembers its outcome for the page to show; never rejects (a failure is the outcome). */
export function useAction(): [Outcome | undefined, (label: string, method: string, params?: unknown) => Promise<void>] {
  const [outcome, setOutcome] = useState<Outcome>();
  const run = async (label: string, method: string, params?: unknown) => {
    setOutcome({ ok: true, text: `${label}…` });
    try {
      await call(method, params);
      setOutcome({ ok: true, text: `${label}: done` });
    } catch (error) {
      setOutcome({ ok: false, text: `${label}: ${describeError(error)}` });
    }
  };
  return [outcome, run];
}

export function OutcomeLine({ outcome }: { outcome: Outcome | undefined }) {
  return (
    <p class={outcome && !outcome.ok ? 'outcome bad' : 'outcome'} role="status" aria-live="polite">
      {outcome?.text ?? ''}
    </p>
  );
}

interface RowActionsProps {
  name: string;
  paused: boolean;
  run: (label: string, method: string, params?: unknown) => Promise<void>;
}

/** Reload always replaces the worker (force), even when the code did not change. */
export function RowActions({ name, paused, run }: RowActionsProps) {
  return (
    <div class="actions">
      <button
        type="button"
        aria-label="Reload"
        title={`Reload ${name}`}
        onClick={() => void run(`reload ${name}`, 'plugins.reload', { name, force: true })}
      >
        Reload
      </button>
      {paused ? (
        <button
          type="button"
          aria-label="Resume"
          title={`Resume ${name}`}
          onClick={() => void run(`resume ${name}`, 'plugins.resume', { name })}
        >
          Resume
        </button>
      ) : (
        <button
          type="button"
          aria-label="Pause"
          title={`Pause ${name}`}
          onClick={() => void run(`pause ${name}`, 'plugins.pause', { name })}
        >
          Pause
        </button>
      )}
      <button
        type="button"
        class="danger"
        aria-label="Unload"
        title={`Unload ${name}`}
        onClick={() => void run(`unload ${name}`, 'plugins.unload', { name })}
      >
        Unload
      </button>
    </div>
  );
}
