// Where a channel to a plugin in its own process is made. The core prepares
// it before spawning the child (the shared memory and doorbells the child
// inherits through spawn's `stdio`), connects its end once the child exists,
// and the child attaches its end from the spec it was given.
//
//   const prepared = prepareProcessChannel(processChannelKind(), { name });
//   const child = spawn(node, args, { stdio: ['ignore', 'inherit', 'inherit', 'pipe', ...prepared.stdio] });
//   const transport = prepared.connect(jsonLinesEndpoint(child.stdio[3], max)); // and prepared.spec to the child
//   // in the child: attachProcessChannel(spec, its own endpoint on fd 3)

import { closeSync } from 'node:fs';
import { DEFAULT_RING_BYTES } from './open.js';
import { type IpcEndpoint, PipeTransport } from './pipe-transport.js';
import type { ChannelMessage } from './protocol.js';
import { loadShm, type SabShm, shmMissingReason } from './shm.js';
import { attachShmTransport, createShmChannel } from './shm-transport.js';
import type { ProcessChannelKind, ProcessChannelSpec, Transport } from './transport.js';

/** stdin, stdout, stderr, then the IPC channel (json-lines-endpoint.ts): the child's next fd is 4. */
const DEFAULT_FIRST_FD = 4;

export interface ProcessChannelOptions {
  /** Names the memfd `plugd-<name>` ('shm'), e.g. the plugin's name. */
  name: string;
  /** Data bytes of each ring ('shm'): a power of two, at least 64. */
  ringBytes?: number;
  /** The index in spawn's `stdio` where `stdio` of the prepared channel starts: the first fd number the child sees. */
  firstFd?: number;
}

export interface PreparedProcessChannel<In, Out> {
  kind: ProcessChannelKind;
  /** fds to append to spawn's `stdio`, starting at index `firstFd` (empty for 'pipe'). */
  stdio: number[];
  /** Give this to the child (JSON), for attachProcessChannel. */
  spec: ProcessChannelSpec;
  /**
   * Once the child is spawned: the core's end (over `child`'s IPC channel for 'pipe'), and closes this process's
   * copies of what only the child needs. A child that dies does not close it ('shm'): close it on the child's exit.
   */
  connect(child: IpcEndpoint): Transport<In, Out>;
  /** The spawn failed: releases what was prepared. */
  discard(): void;
}

/** 'shm' when the shared-memory addon loads, else 'pipe' (shmMissingReason says why, for the caller's log). */
export function processChannelKind(): ProcessChannelKind {
  return loadShm() ? 'shm' : 'pipe';
}

export function prepareProcessChannel<In extends ChannelMessage, Out extends ChannelMessage>(
  kind: ProcessChannelKind,
  options: ProcessChannelOptions,
): PreparedProcessChannel<In, Out> {
  if (kind === 'pipe') {
    return {
      kind,
      stdio: [],
      spec: { kind },
      connect: (child) => new PipeTransport<In, Out>(child),
      discard: () => {},
    };
  }
  const ringBytes = options.ringBytes ?? DEFAULT_RING_BYTES;
  const firstFd = options.firstFd ?? DEFAULT_FIRST_FD;
  const { local, fds } = createShmChannel<In, Out>(requireShm(), options.name, ringBytes);
  let memoryOpen = true;
  const closeMemory = (): void => {
    if (memoryOpen) closeSync(fds.memory);
    memoryOpen = false;
  };
  return {
    kind,
    stdio: [fds.memory, fds.coreBell, fds.workerBell],
    spec: { kind, ringBytes, memoryFd: firstFd, coreBellFd: firstFd + 1, workerBellFd: firstFd + 2 },
    connect: () => {
      closeMemory();
      return local;
    },
    discard: () => {
      closeMemory();
      local.close();
    },
  };
}

/** The child's end of the channel the core prepared, from the spec it passed; `endpoint` is this process's IPC channel. */
export function attachProcessChannel<In extends ChannelMessage, Out extends ChannelMessage>(
  spec: ProcessChannelSpec,
  endpoint: IpcEndpoint = process,
): Transport<In, Out> {
  if (spec.kind === 'pipe') return new PipeTransport<In, Out>(endpoint);
  const fds = { memory: spec.memoryFd, coreBell: spec.coreBellFd, workerBell: spec.workerBellFd };
  return attachShmTransport<In, Out>(requireShm(), spec.ringBytes, fds);
}

function requireShm(): SabShm {
  const shm = loadShm();
  if (!shm) throw new Error(`cannot open a shared-memory channel: ${shmMissingReason()}`);
  return shm;
}
