import test from 'ava';
import { defineMethod, MethodRegistry } from '../../../core/rpc/registry.js';
import { StateHandover, restoreStates, type StatefulPlugins } from '../../../core/upgrade/state-handover.js';

/** One stateful plugin, `tally`, whose `incr` counts here; `echo` keeps no state. */
function setup() {
  const registry = new MethodRegistry();
  let count = 0;
  const restored: Record<string, unknown> = {};
  let released = 0;
  registry.add(defineMethod('tally.incr', 'tally', {}, () => ++count, 'tally'));
  registry.add(defineMethod('echo.say', 'echo', {}, () => 'said', 'echo'));
  const plugins: StatefulPlugins = {
    statefulPlugins: () => ['tally'],
    freeze: async () => ({ value: count, release: () => (released += 1) }),
    handoverRestore: async (name, state) => {
      restored[name] = state;
    },
  };
  const call = (name: string) => registry.get(name)!.handler({}, { method: name, params: {} });
  return { registry, plugins, call, count: () => count, restored, released: () => released };
}

test('freeze snapshots the stateful plugins and holds their calls; forwarded, they run in the successor, the others here', async (t) => {
  const { registry, plugins, call, count } = setup();
  await call('tally.incr');
  const handover = new StateHandover(plugins, registry);
  t.deepEqual(await handover.freeze(), { tally: 1 });
  const held = call('tally.incr');
  t.is(await call('echo.say'), 'said', 'a plugin without state serves on');
  const forwarded: string[] = [];
  handover.forwardTo(async (method) => {
    forwarded.push(method);
    return 'from the successor';
  });
  t.is(await held, 'from the successor');
  t.is(await call('tally.incr'), 'from the successor');
  t.deepEqual(forwarded, ['tally.incr', 'tally.incr']);
  t.is(count(), 1, 'no call ran here after the snapshot');
});

test('thaw (a failed upgrade) runs the held calls here and gives the plugin its methods back', async (t) => {
  const { registry, plugins, call, count, released } = setup();
  const handover = new StateHandover(plugins, registry);
  await handover.freeze();
  const held = call('tally.incr');
  handover.thaw();
  t.is(released(), 1, "the plugin's gate is opened again");
  t.is(await held, 1);
  t.is(await call('tally.incr'), 2);
  t.is(count(), 2);
});

test('the successor restores each state it is given', async (t) => {
  const { plugins, restored } = setup();
  t.is(await restoreStates(plugins, { tally: 7 }, 1000), 1);
  t.deepEqual(restored, { tally: 7 });
});
