// Native code, the reason process isolation exists: an addon that
// dereferences null kills only its plugin's process ("auto" puts it there
// without any config), where in a thread it takes the daemon down; an addon
// that is not context-aware (NODE_MODULE) reloads in a fresh process each
// time. The addons are built here with the machine's compiler against Node's
// own headers.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';
import { childrenOf, pluginNamed, processAlive } from './process-cases.js';

const NODE_HEADERS = '/usr/include/node';

const NULL_ADDON = `
#include <node_api.h>
static napi_value Crash(napi_env env, napi_callback_info info) { *(volatile int *)0 = 1; return NULL; }
NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "crash", NAPI_AUTO_LENGTH, Crash, NULL, &fn);
  napi_set_named_property(env, exports, "crash", fn);
  return exports;
}
`;

/** Registered the old way (NODE_MODULE): it loads once per process, never in a second context. */
const LEGACY_ADDON = `
#include <node.h>
static void Hello(const v8::FunctionCallbackInfo<v8::Value>& args) {
  args.GetReturnValue().Set(v8::String::NewFromUtf8(args.GetIsolate(), "legacy").ToLocalChecked());
}
static void Init(v8::Local<v8::Object> exports) { NODE_SET_METHOD(exports, "hello", Hello); }
NODE_MODULE(legacy, Init)
`;

function compilerMissing(): string | undefined {
  if (!existsSync(join(NODE_HEADERS, 'node_api.h'))) return `no Node headers in ${NODE_HEADERS}`;
  try {
    execFileSync('g++', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'no C++ compiler (g++)';
  }
  return undefined;
}

const missing = compilerMissing();
const built = mkdtempSync(join(tmpdir(), 'plugd-addons-'));
process.once('exit', () => rmSync(built, { recursive: true, force: true }));

function buildAddon(name: string, source: string, compiler: string, extension: string): string {
  const file = join(built, `${name}.${extension}`);
  writeFileSync(file, source);
  const output = join(built, `${name}.node`);
  execFileSync(compiler, ['-shared', '-fPIC', '-O0', `-I${NODE_HEADERS}`, '-o', output, file], { stdio: 'pipe' });
  return output;
}

/** A folder plugin whose `build/` holds the addon: the `.node` file that "auto" looks for. */
function addonPlugin(pluginDir: string, name: string, addon: string, body: string): void {
  const dir = join(pluginDir, name);
  mkdirSync(join(dir, 'build'), { recursive: true });
  copyFileSync(addon, join(dir, 'build', 'addon.node'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', plugd: {} }));
  writeAddonEntry(dir, body);
}

function writeAddonEntry(dir: string, body: string): void {
  const addon = join(dir, 'build', 'addon.node');
  writeFileSync(
    join(dir, 'index.js'),
    `import { createRequire } from 'node:module';
const addon = createRequire(${JSON.stringify(addon)})(${JSON.stringify(addon)});
export default { setup(ctx) { ${body} } };
`,
  );
}

const NULL_PLUGIN = `
  ctx.rpc.method('crash', {}, () => addon.crash());
  ctx.rpc.method('wait', {}, () => new Promise((resolve) => setTimeout(resolve, 30_000)));
  ctx.rpc.method('ok', {}, () => 'ok');
`;

const supervision = {
  callTimeoutMs: 60_000,
  restart: { initialDelayMs: 100, maxDelayMs: 1000, maxCrashes: 5, windowMs: 60_000 },
};

async function nullDaemon(t: any, config: object): Promise<TestDaemon> {
  const addon = buildAddon('null', NULL_ADDON, 'gcc', 'c');
  const daemon = await startDaemon(t, { examples: true, config: { supervision, ...config } });
  addonPlugin(daemon.pluginDir, 'nul', addon, NULL_PLUGIN);
  await daemon.call('plugins.load', { path: join(daemon.pluginDir, 'nul') });
  return daemon;
}

const nativeTest = missing ? test.skip : test.serial;
if (missing) test.skip(`native addon tests: ${missing}`, () => undefined);

nativeTest(
  'auto: a plugin with a .node file runs in a process; its SIGSEGV costs its own calls only, and it comes back',
  async (t) => {
    const daemon = await nullDaemon(t, {});
    const before = await pluginNamed(daemon, 'nul');
    t.like(before, { isolation: 'process', state: 'ready' });
    t.true(childrenOf(daemon.pid).includes(before.pid));
    t.like(
      await pluginNamed(daemon, 'echo'),
      { isolation: 'thread' },
      'a plugin without native code stays in a thread',
    );
    const inFlight = t.throwsAsync<any>(daemon.call('nul.wait'));
    await until(
      () => pluginNamed(daemon, 'nul'),
      (plugin) => plugin.inFlight === 1,
    );
    const [crash, waiting, echo] = await Promise.all([
      t.throwsAsync<any>(daemon.call('nul.crash')),
      inFlight,
      daemon.call('echo.say', { text: 'meanwhile' }),
    ]);
    for (const error of [crash, waiting]) {
      t.is(error!.code, -32001, error!.message);
      t.regex(error!.message, /killed by SIGSEGV/);
    }
    t.deepEqual(echo, { text: 'meanwhile' });
    t.is((await daemon.call('daemon.status')).pid, daemon.pid);
    const back = await until(
      () => pluginNamed(daemon, 'nul'),
      (plugin) => plugin.state === 'ready' && plugin.pid !== before.pid,
    );
    t.like(back, { restarts: 1, lastError: 'killed by SIGSEGV' });
    t.false(processAlive(before.pid));
    t.is(await daemon.call('nul.ok'), 'ok');
    t.regex(daemon.output(), /plugin nul crashed: killed by SIGSEGV/);
  },
);

nativeTest('thread: the same fault takes the whole daemon down (why "auto" exists)', async (t) => {
  const daemon = await nullDaemon(t, { isolation: 'thread' });
  t.like(await pluginNamed(daemon, 'nul'), { isolation: 'thread' });
  await t.throwsAsync(daemon.call('nul.crash'));
  await daemon.exited;
  t.is(daemon.child.signalCode, 'SIGSEGV');
});

nativeTest(
  'a plugin with a non-context-aware addon reloads 20 times in process mode, each reload serving the new version',
  async (t) => {
    t.timeout(120_000);
    const addon = buildAddon('legacy', LEGACY_ADDON, 'g++', 'cc');
    const daemon = await startDaemon(t, { config: { isolation: 'process' } });
    const dir = join(daemon.pluginDir, 'legacy');
    const entry = (version: number) =>
      `ctx.rpc.method('get', {}, () => ({ version: ${version}, hello: addon.hello(), pid: process.pid }));`;
    addonPlugin(daemon.pluginDir, 'legacy', addon, entry(0));
    await daemon.call('plugins.load', { path: dir });
    t.like(await daemon.call('legacy.get'), { version: 0, hello: 'legacy' });
    for (let version = 1; version <= 20; version++) {
      writeAddonEntry(dir, entry(version));
      t.deepEqual(await daemon.call('plugins.reload', { name: 'legacy' }), { name: 'legacy', changed: true });
      t.like(await daemon.call('legacy.get'), { version, hello: 'legacy' });
    }
    t.like(await pluginNamed(daemon, 'legacy'), { state: 'ready', reloads: 20, restarts: 0, isolation: 'process' });
  },
);

nativeTest('thread: the same addon fails its first reload, the old version still holding it', async (t) => {
  const addon = buildAddon('legacy', LEGACY_ADDON, 'g++', 'cc');
  const daemon = await startDaemon(t, { config: { isolation: 'thread' } });
  const dir = join(daemon.pluginDir, 'legacy');
  addonPlugin(daemon.pluginDir, 'legacy', addon, `ctx.rpc.method('get', {}, () => addon.hello());`);
  await daemon.call('plugins.load', { path: dir });
  const error = await t.throwsAsync<any>(daemon.call('plugins.reload', { name: 'legacy', force: true }));
  t.regex(error!.message, /did not self-register/);
  t.is(await daemon.call('legacy.get'), 'legacy');
});
