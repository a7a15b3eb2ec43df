// The build cache under the home (core/host/build-cache.ts), filled by
// compilePlugin: builds kept private whatever the umask, a cache that cannot
// be written named in the error, and a build reused only while it is what
// this user wrote and no one else could have changed.

import test from 'ava';
import {
  chmodSync,
  chownSync,
  lstatSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildFolder, buildHash } from '../../../core/host/build-cache.js';
import { compilePlugin, type CompiledPlugin } from '../../../core/host/compile.js';
import { built } from '../../../core/package-root.js';
import { importBuild, tempDir, write } from '../../fixtures/host/plugin-builds.js';

test('builds live in the cache folder, 0700/0600 whatever the umask, and an unwritable cache fails with the reason', async (t) => {
  const root = tempDir(t);
  write(root, { 'm.plugin.ts': 'export default { setup() {} };' });
  const cache = join(tempDir(t), 'cache', 'builds');
  const umask = process.umask(0);
  let build: CompiledPlugin;
  try {
    build = await compilePlugin(join(root, 'm.plugin.ts'), cache);
  } finally {
    process.umask(umask);
  }
  const file = fileURLToPath(build.url);
  t.is(dirname(file), buildFolder(cache, join(root, 'm.plugin.ts')));
  for (const dir of [dirname(cache), cache, dirname(file)]) t.is(statSync(dir).mode & 0o777, 0o700, dir);
  for (const name of readdirSync(dirname(file))) t.is(statSync(join(dirname(file), name)).mode & 0o777, 0o600, name);

  // A file where the cache folder should be fails as a full disk would, even for root.
  const blocked = join(tempDir(t), 'builds');
  writeFileSync(blocked, '');
  await t.throwsAsync(compilePlugin(join(root, 'm.plugin.ts'), blocked), {
    message: /^cannot write the build of .*m\.plugin\.ts to /,
  });
});

/** A build planted in the cache of `entry`, recorded as valid: what a forger would write. */
function forge(cache: string, entry: string): { dir: string; bundle: string; record: string } {
  const code = 'export default { forged: true };';
  const hash = buildHash(entry, code);
  const dir = buildFolder(cache, entry);
  const bundle = join(dir, `f.plugin.${hash}.mjs`);
  const record = join(dir, 'build.json');
  rmSync(bundle, { force: true });
  writeFileSync(bundle, code, { mode: 0o600 });
  const stats = statSync(entry);
  const inputs = { [entry]: `${stats.size}:${stats.mtimeMs}` };
  writeFileSync(record, JSON.stringify({ entry, hash, sdk: pathToFileURL(built.sdk).href, inputs }), { mode: 0o600 });
  return { dir, bundle, record };
}

const tampering: Array<[string, (planted: ReturnType<typeof forge>) => void]> = [
  [
    'a bundle whose recorded hash does not match it',
    ({ bundle }) => writeFileSync(bundle, 'export default { forged: "other" };'),
  ],
  ['a group-writable bundle', ({ bundle }) => chmodSync(bundle, 0o620)],
  ['a world-writable record', ({ record }) => chmodSync(record, 0o602)],
  ['a group-writable build folder', ({ dir }) => chmodSync(dir, 0o770)],
  [
    'a bundle that is a symlink',
    ({ bundle }) => {
      const target = `${bundle}.target`;
      writeFileSync(target, readFileSync(bundle), { mode: 0o600 });
      rmSync(bundle);
      symlinkSync(target, bundle);
    },
  ],
];
if (process.getuid?.() === 0)
  tampering.push(['a bundle another user owns', ({ bundle }) => chownSync(bundle, 65534, 65534)]);

test('a planted build runs only while it passes every check: otherwise the plugin is built again', async (t) => {
  const root = tempDir(t);
  const entry = join(root, 'f.plugin.ts');
  write(root, { 'f.plugin.ts': 'export default { forged: false };' });
  const cache = join(tempDir(t), 'builds');
  await compilePlugin(entry, cache);
  // The forgery itself is sound: untouched, it would be reused.
  forge(cache, entry);
  t.true((await importBuild(await compilePlugin(entry, cache))).forged, 'an intact record and bundle are reused');
  for (const [what, tamper] of tampering) {
    tamper(forge(cache, entry));
    t.false((await importBuild(await compilePlugin(entry, cache))).forged, what);
    t.false(lstatSync(buildFolder(cache, entry)).mode & 0o022 ? true : false, `${what}: the folder is private again`);
  }
});
