import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { openChannel } from '../../../core/channel/open.js';
import type { CallMessage, ResultMessage } from '../../../core/channel/protocol.js';
import type { ChannelKind } from '../../../core/channel/transport.js';
import { echoContract, type EchoPeer } from '../../fixtures/channel/echo-contract.js';

const echoWorkerUrl = new URL('../../fixtures/channel/echo-worker.ts', import.meta.url);

function startEcho(kind: ChannelKind, ringBytes?: number): EchoPeer {
  const channel = openChannel<ResultMessage, CallMessage>(kind, { ringBytes });
  const worker = new Worker(echoWorkerUrl, { workerData: { spec: channel.spec }, transferList: channel.transferList });
  const exit = once(worker, 'exit') as Promise<[number]>;
  return {
    transport: channel.local,
    exited: async () => (await exit)[0],
    kill: async () => void (await worker.terminate()),
  };
}

for (const kind of ['sab', 'postmessage'] as const) echoContract(kind, (ringBytes) => startEcho(kind, ringBytes));
