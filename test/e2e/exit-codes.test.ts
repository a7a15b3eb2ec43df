// Every exit code README documents, per command: 0 done, 1 an error, 2 usage,
// 3 the daemon is not running. (A plugin that fails to start, reload, rescan
// or load exits 1: start-failures, rescan-folders and cli-day-one show those.)

import test from 'ava';
import { makeHome, runCli, startDaemon } from '../helpers/daemon.js';

const CLIENT_COMMANDS = [
  ['status'],
  ['call', 'echo.say'],
  ['methods'],
  ['plugins'],
  ['reload'],
  ['load', '/nowhere'],
  ['unload', 'x'],
  ['pause', 'x'],
  ['resume', 'x'],
  ['top', '--once'],
  ['stop'],
];

test('3: every command that talks to the daemon, when none runs; dashboard says so with 1', async (t) => {
  const { home } = makeHome(t);
  const answers = await Promise.all(CLIENT_COMMANDS.map((args) => runCli(['--home', home, ...args])));
  answers.forEach((answer, i) => {
    t.is(answer.code, 3, CLIENT_COMMANDS[i].join(' '));
    t.regex(answer.stderr, /^plugd is not running \(no socket at .*\)\n$/, CLIENT_COMMANDS[i].join(' '));
  });
  const dashboard = await runCli(['--home', home, 'dashboard']);
  t.is(dashboard.code, 1);
  t.is(dashboard.stderr, 'no dashboard: the daemon is not running (start it with --tcp 127.0.0.1:10042)\n');
});

test('2: usage errors; 0: help and version', async (t) => {
  const { home } = makeHome(t);
  for (const args of [
    ['bogus'],
    ['call'],
    ['logs', '-n', 'many'],
    ['logs', '--level', 'loud'],
    ['status', '--nope'],
    ['start', '--nice', '99'],
    ['top', '--once', '--sort', 'size'],
    [],
  ]) {
    t.is((await runCli(['--home', home, ...args])).code, 2, args.join(' '));
  }
  for (const args of [['--help'], ['--version'], ['call', '--help']]) {
    t.is((await runCli(args)).code, 0, args.join(' '));
  }
});

test('0 and 1 against a running daemon', async (t) => {
  const daemon = await startDaemon(t, { examples: true });
  const run = (...args: string[]) => runCli(['--home', daemon.home, ...args]);
  for (const args of [
    ['status'],
    ['call', 'echo.say', '{"text":"x"}'],
    ['methods'],
    ['plugins'],
    ['reload'],
    ['pause', 'echo'],
    ['resume', 'echo'],
  ]) {
    const answer = await run(...args);
    t.is(answer.code, 0, `${args.join(' ')}: ${answer.stderr}`);
  }
  for (const args of [
    ['call', 'no.such'],
    ['call', 'echo.say', '{nope'],
    ['unload', 'nope'],
    ['reload', 'nope'],
    ['load', '/nowhere'],
  ]) {
    const answer = await run(...args);
    t.is(answer.code, 1, args.join(' '));
    t.is(answer.stderr.split('\n').length, 2, `one line: ${answer.stderr}`);
  }
  t.is((await run('stop')).code, 0);
});
