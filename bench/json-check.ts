// Micro-bench behind core/host/worker-messages.ts `isOneJsonValue`: what it
// costs to check that a plugin's result text is exactly one JSON value, with
// JSON.parse (what plugd uses) and with a single-pass scanner in JavaScript
// that builds nothing (the alternative the issue proposed). Run by hand:
//
//   node --import ./test/preload.js bench/json-check.ts

import { isOneJsonValue } from '../core/host/worker-messages.js';

const SAMPLES: Record<string, string> = {
  'small result (rpc.plugin.c32)': JSON.stringify({ text: 'hello', n: 42 }),
  'object of 100 fields': JSON.stringify(
    Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`field${i}`, i % 3 ? `value ${i}` : i])),
  ),
  '1 MiB string': JSON.stringify('x'.repeat(1 << 20)),
  '1 MiB array of numbers': JSON.stringify(Array.from({ length: 150_000 }, (_, i) => i * 1.5)),
};

/** One JSON value, no raw line break, nothing built: a recursive-descent scan over char codes. */
function scanOneJsonValue(text: string): boolean {
  let at = 0;
  const length = text.length;
  const space = (): void => {
    for (let code = text.charCodeAt(at); code === 0x20 || code === 0x09; code = text.charCodeAt(++at));
  };
  const literal = (word: string): boolean => text.startsWith(word, at) && ((at += word.length), true);
  const string = (): boolean => {
    for (at++; at < length; at++) {
      const code = text.charCodeAt(at);
      if (code === 0x22) return (at++, true);
      if (code < 0x20) return false;
      if (code === 0x5c) {
        const next = text.charCodeAt(++at);
        if (next === 0x75) {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 1, at + 5))) return false;
          at += 4;
        } else if ('"\\/bfnrt'.indexOf(text[at]) === -1) return false;
      }
    }
    return false;
  };
  const number = (): boolean => {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = at;
    if (!match.test(text)) return false;
    at = match.lastIndex;
    return true;
  };
  const value = (depth: number): boolean => {
    if (depth > 1000) return false;
    space();
    const code = text.charCodeAt(at);
    if (code === 0x22) return string();
    if (code === 0x7b || code === 0x5b) {
      const close = code === 0x7b ? 0x7d : 0x5d;
      at++;
      space();
      if (text.charCodeAt(at) === close) return (at++, true);
      for (;;) {
        if (close === 0x7d) {
          space();
          if (text.charCodeAt(at) !== 0x22 || !string()) return false;
          space();
          if (text.charCodeAt(at++) !== 0x3a) return false;
        }
        if (!value(depth + 1)) return false;
        space();
        const next = text.charCodeAt(at++);
        if (next === close) return true;
        if (next !== 0x2c) return false;
      }
    }
    if (code === 0x74) return literal('true');
    if (code === 0x66) return literal('false');
    if (code === 0x6e) return literal('null');
    return number();
  };
  const ok = value(0);
  space();
  return ok && at === length;
}

function opsPerSecond(check: (text: string) => boolean, text: string): number {
  const budgetMs = 300;
  let runs = 0;
  const started = performance.now();
  while (performance.now() - started < budgetMs) {
    for (let i = 0; i < 100; i++) if (!check(text)) throw new Error('a valid sample was refused');
    runs += 100;
  }
  return (runs * 1000) / (performance.now() - started);
}

for (const [name, text] of Object.entries(SAMPLES)) {
  const parse = opsPerSecond(isOneJsonValue, text);
  const scan = opsPerSecond(scanOneJsonValue, text);
  console.log(
    `${name.padEnd(32)} JSON.parse ${parse.toFixed(0).padStart(10)}/s   scanner ${scan.toFixed(0).padStart(10)}/s   (parse/scan ${(parse / scan).toFixed(2)})`,
  );
}
