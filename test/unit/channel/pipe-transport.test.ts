// The pipe transport over a process's IPC channel: its messages apart from
// the channel's own, and both ends closed together.

import test from 'ava';
import { EventEmitter } from 'node:events';
import { PIPE_ENVELOPE_KEY, PipeTransport, type IpcEndpoint } from '../../../core/channel/pipe-transport.js';

/** Two ends of a fake IPC channel in this process: what one sends, the other receives (asynchronously, as over a pipe). */
function ipcPair(): [IpcEndpoint & EventEmitter, IpcEndpoint & EventEmitter] {
  const ends = [new EventEmitter(), new EventEmitter()].map((emitter) => Object.assign(emitter, { connected: true }));
  ends.forEach((end, index) => {
    Object.assign(end, {
      send: (message: unknown) => {
        setImmediate(() => ends[1 - index].emit('message', structuredClone(message)));
        return true;
      },
    });
  });
  return ends as [IpcEndpoint & EventEmitter, IpcEndpoint & EventEmitter];
}

test('pipe: messages of the IPC channel that are not the channel’s pass by, and closing one end closes the other', async (t) => {
  const [core, child] = ipcPair();
  const coreEnd = new PipeTransport<string, string>(core);
  const childEnd = new PipeTransport<string, string>(child);
  const received: string[] = [];
  childEnd.onMessage((message) => received.push(message));
  const controls: unknown[] = [];
  child.on('message', (message) => {
    if (!(typeof message === 'object' && message !== null && PIPE_ENVELOPE_KEY in message)) controls.push(message);
  });
  core.send!({ t: 'pause' }, () => {});
  coreEnd.send('a');
  coreEnd.send('b');
  coreEnd.close();
  coreEnd.send('after close');
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.deepEqual(received, ['a', 'b']);
  t.deepEqual(controls, [{ t: 'pause' }]);
  // The child's end closed with the core's: it stopped listening, and its sends go nowhere.
  t.is(child.listenerCount('disconnect'), 0);
});
