// `plugd logs [-f]`: the daemon's log file, followed if asked.

import { createReadStream, existsSync, statSync, watchFile } from 'node:fs';

export async function printLogs(path: string, follow: boolean): Promise<void> {
  if (!existsSync(path)) throw new Error(`no log at ${path}`);
  let offset = await copy(path, 0);
  if (!follow) return;
  watchFile(path, { interval: 250 }, async () => {
    const size = statSync(path).size;
    if (size < offset) offset = 0; // Rotated or truncated: start over.
    if (size > offset) offset = await copy(path, offset);
  });
  await new Promise(() => undefined); // Until Ctrl-C.
}

function copy(path: string, start: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let end = start;
    createReadStream(path, { start })
      .on('data', (chunk) => {
        end += chunk.length;
        process.stdout.write(chunk);
      })
      .on('end', () => resolve(end))
      .on('error', reject);
  });
}
