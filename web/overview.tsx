// The overview: the daemon's figures, one row per plugin with its actions,
// the page's Rescan, and the latest events.

import type { PluginRow } from '../core/contract/figures.js';
import { formatDuration, formatMs, uptimeText } from '../core/contract/units.js';
import { heapWarning, shownState, trouble } from '../core/contract/verdicts.js';
import { OutcomeLine, RowActions, useAction } from './actions.js';
import type { FeedState } from './feed.js';
import { megabytes, percent } from './format.js';
import { Sparkline } from './sparkline.js';

const COLUMNS = ['Name', 'State', 'Uptime', 'Calls/s', 'p99 ms', 'Errors', 'Restarts', 'Heap', 'ELU', 'Actions'];

export function Overview({ feed }: { feed: FeedState }) {
  const [outcome, run] = useAction();
  const { figures } = feed;
  if (!figures) return <p>Connecting…</p>;
  const { daemon, plugins } = figures;
  const scale = Math.max(0, ...plugins.flatMap((plugin) => plugin.rateHistory));
  return (
    <>
      <section aria-label="Daemon" class="daemon">
        <Figure label="pid" value={String(daemon.pid)} />
        <Figure label="version" value={daemon.version} />
        <Figure label="uptime" value={formatDuration(daemon.uptime)} />
        <Figure label="RSS" value={megabytes(daemon.rss)} />
        <Figure label="event-loop delay p99" value={`${formatMs(daemon.eventLoopDelayP99Ms)} ms`} />
        <Figure label="calls/s" value={String(daemon.callsPerSecond)} />
        <Figure label="errors" value={String(daemon.errors)} />
      </section>
      <div class="toolbar">
        <h1>Plugins</h1>
        <button
          type="button"
          aria-label="Rescan"
          title="Re-read plugd.json and rescan the plugin folder, as SIGHUP"
          onClick={() => void run('rescan', 'daemon.reload', {})}
        >
          Rescan
        </button>
      </div>
      <OutcomeLine outcome={outcome} />
      <table class="plugins">
        <thead>
          <tr>
            {COLUMNS.map((column) => (
              <th scope="col">{column}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {plugins.map((plugin) => (
            <Row key={plugin.name} plugin={plugin} now={figures.takenAt} scale={scale} run={run} />
          ))}
        </tbody>
      </table>
      {plugins.length === 0 && <p>No plugins loaded.</p>}
      <h2>Events</h2>
      <ul class="events">
        {feed.events.map((event) => (
          <li>
            <time>{new Date(event.time).toLocaleTimeString()}</time> {event.name} {event.kind}
            {event.reason ? `: ${event.reason}` : ''}
          </li>
        ))}
      </ul>
    </>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div class="figure">
      <span class="label">{label}</span> <span class="value">{value}</span>
    </div>
  );
}

interface RowProps {
  plugin: PluginRow;
  now: number;
  scale: number;
  run: (label: string, method: string, params?: unknown) => Promise<void>;
}

function Row({ plugin, now, scale, run }: RowProps) {
  const { heap } = plugin;
  const state = shownState(plugin);
  return (
    <tr class={trouble(plugin, now) ?? ''} data-plugin={plugin.name}>
      <th scope="row">
        <a href={`#/plugins/${encodeURIComponent(plugin.name)}`}>{plugin.name}</a>
      </th>
      <td class={`state ${state}`}>{state}</td>
      <td class="num">{uptimeText(plugin, now)}</td>
      <td class="num">
        <Sparkline values={plugin.rateHistory} scale={scale} /> {plugin.callsPerSecond}
      </td>
      <td class="num">{plugin.p99Ms === undefined ? '-' : formatMs(plugin.p99Ms)}</td>
      <td class={plugin.errors > 0 ? 'num bad' : 'num'}>{plugin.errors}</td>
      <td class={plugin.restarts > 0 ? 'num warn' : 'num'} data-column="restarts">
        {plugin.restarts}
      </td>
      <td class={heapWarning(heap) ? 'num warn' : 'num'}>
        {heap ? `${megabytes(heap.used)} / ${megabytes(heap.limit)}` : '-'}
      </td>
      <td class="num">{plugin.eventLoopUtilization === undefined ? '-' : percent(plugin.eventLoopUtilization)}</td>
      <td>
        <RowActions name={plugin.name} paused={plugin.paused} run={run} />
      </td>
    </tr>
  );
}
