// Clients that call one method over and over on the unix socket, as a busy
// user would while the daemon is upgraded: some connect for every call, some
// keep one connection. A connection that ends without the answer means the
// request did not run: it is sent again on a new connection (the contract of
// an upgrade's drain). Counts what a user would see: answers, errors, connects
// refused or finding no socket, and the longest time without any answer.

import { connect, type Socket } from 'node:net';

export interface HammerReport {
  /** Every result answered, in the order the answers came. */
  results: unknown[];
  /** Error answers' messages. */
  errors: string[];
  /** Connects refused (ECONNREFUSED, EAGAIN) or finding no socket (ENOENT), by code. */
  refused: Record<string, number>;
  /** Requests sent again after their connection ended without an answer. */
  resent: number;
  /** The longest time between two answers (any clients), in ms. */
  maxGapMs: number;
}

export interface Hammer {
  /** Answers so far. */
  readonly answered: number;
  /** Stops sending; resolves once every client has its last answer. */
  stop(): Promise<HammerReport>;
}

export function hammer(socketPath: string, method: string, clients: { perCall: number; persistent: number }): Hammer {
  const report: HammerReport = { results: [], errors: [], refused: {}, resent: 0, maxGapMs: 0 };
  let running = true;
  let lastAnswer = 0;
  let nextId = 1;
  const answer = (line: string) => {
    const now = performance.now();
    if (lastAnswer) report.maxGapMs = Math.max(report.maxGapMs, now - lastAnswer);
    lastAnswer = now;
    const parsed = JSON.parse(line) as { result?: unknown; error?: { message: string } };
    if (parsed.error) report.errors.push(parsed.error.message);
    else report.results.push(parsed.result);
  };

  /** A connection, or undefined after a refused connect (counted). */
  const open = () =>
    new Promise<Socket | undefined>((resolve) => {
      const socket = connect(socketPath);
      socket.setEncoding('utf8');
      socket.once('connect', () => resolve(socket));
      socket.on('error', (error: NodeJS.ErrnoException) => {
        if (!socket.connecting) return; // A reset after the connect shows as an end without an answer.
        report.refused[error.code ?? 'unknown'] = (report.refused[error.code ?? 'unknown'] ?? 0) + 1;
        resolve(undefined);
      });
    });

  /** Sends one request on `socket`; the answer line, or undefined if the connection ended first. */
  const ask = (socket: Socket, id: number) =>
    new Promise<string | undefined>((resolve) => {
      let buffered = '';
      const onData = (chunk: string) => {
        buffered += chunk;
        const newline = buffered.indexOf('\n');
        if (newline === -1) return;
        done(buffered.slice(0, newline));
      };
      const onEnd = () => done(undefined);
      const done = (line: string | undefined) => {
        socket.off('data', onData);
        socket.off('close', onEnd);
        socket.off('end', onEnd);
        resolve(line);
      };
      socket.on('data', onData);
      socket.once('close', onEnd);
      socket.once('end', onEnd);
      socket.write(`{"jsonrpc":"2.0","id":${id},"method":"${method}"}\n`);
    });

  /** One request, sent until it is answered (a refused connect is retried after a pause). */
  async function call(kept: { socket?: Socket } | undefined): Promise<void> {
    const id = nextId++;
    for (let attempt = 0; ; attempt++) {
      let socket = kept?.socket;
      if (!socket || socket.destroyed || socket.readableEnded) {
        socket = await open();
        if (!socket) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          continue;
        }
        if (kept) kept.socket = socket;
      }
      const line = await ask(socket, id);
      if (!kept) socket.destroy();
      if (line !== undefined) return answer(line);
      socket.destroy();
      report.resent++;
    }
  }

  const loops = [
    ...Array.from({ length: clients.perCall }, async () => {
      while (running) await call(undefined);
    }),
    ...Array.from({ length: clients.persistent }, async () => {
      const kept: { socket?: Socket } = {};
      while (running) await call(kept);
      kept.socket?.destroy();
    }),
  ];
  return {
    get answered() {
      return report.results.length + report.errors.length;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      return report;
    },
  };
}
