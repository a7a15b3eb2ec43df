// One plugin: its state and last error, 10 minutes of charts, its log lines
// as they come, and a console to call each of its methods.

import { useEffect, useState } from 'preact/hooks';
import { OutcomeLine, RowActions, useAction } from './actions.js';
import { Chart } from './chart.js';
import type { FeedState } from './feed.js';
import { MethodConsole, type Signature } from './method-console.js';
import { call, describeError } from './rpc.js';
import { uptimeText } from '../core/contract/units.js';
import { shownState } from '../core/contract/verdicts.js';

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export function PluginPage({ name, feed }: { name: string; feed: FeedState }) {
  const [outcome, run] = useAction();
  const plugin = feed.figures?.plugins.find((candidate) => candidate.name === name);
  const methodList = plugin?.methods.join(' ') ?? '';
  const [signatures, setSignatures] = useState<Signature[]>();
  const [loadError, setLoadError] = useState<string>();
  useEffect(() => {
    if (!methodList) return;
    Promise.all(methodList.split(' ').map((method) => call<Signature>('system.methodSignature', { method }))).then(
      setSignatures,
      (error) => setLoadError(describeError(error)),
    );
  }, [methodList]);

  if (!feed.figures) return <p>Connecting…</p>;
  if (!plugin)
    return (
      <p>
        No plugin named {name} is loaded. <a href="#/">Back to the overview</a>
      </p>
    );
  const points = feed.charts[name] ?? [];
  const logs = feed.logs.filter((entry) => entry.plugin === name).slice(-100);
  return (
    <>
      <div class="toolbar">
        <h1>{name}</h1>
        <RowActions name={name} paused={plugin.paused} run={run} />
      </div>
      <OutcomeLine outcome={outcome} />
      <dl class="facts">
        <dt>State</dt>
        <dd class={`state ${shownState(plugin)}`} data-testid="state">
          {shownState(plugin)}
        </dd>
        <dt>Activation</dt>
        <dd data-testid="activation">{plugin.activation === 'onCall' ? 'on call (idle between calls)' : 'eager'}</dd>
        <dt>Uptime</dt>
        <dd>{uptimeText(plugin, feed.figures.takenAt)}</dd>
        <dt>Restarts</dt>
        <dd>{plugin.restarts}</dd>
        <dt>Last error</dt>
        <dd class={plugin.lastError ? 'bad' : ''}>
          {plugin.lastError === undefined
            ? 'none'
            : `${plugin.lastError} (${plugin.lastErrorAt === undefined ? '?' : new Date(plugin.lastErrorAt).toISOString()})`}
        </dd>
      </dl>
      <section class="charts" aria-label="Charts">
        <Chart title="Calls/s" points={points} value={(point) => point.rate} unit="/s" />
        <Chart title="p99 latency" points={points} value={(point) => point.p99} unit="ms" />
        <Chart title="Errors" points={points} value={(point) => point.errors} unit="/s" />
      </section>
      <h2>Methods</h2>
      {loadError && <p class="bad">{loadError}</p>}
      {signatures?.map((signature) => (
        <MethodConsole key={signature.name} signature={signature} />
      ))}
      <h2>Log</h2>
      <ol class="log" aria-live="polite">
        {logs.map((entry) => (
          <li class={entry.level >= 50 ? 'bad' : entry.level >= 40 ? 'warn' : ''}>
            <time>{new Date(entry.time).toLocaleTimeString()}</time>{' '}
            <span class="level">{LEVELS[entry.level] ?? entry.level}</span> {entry.msg}
          </li>
        ))}
      </ol>
    </>
  );
}
