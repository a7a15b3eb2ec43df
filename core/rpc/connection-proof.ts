// A connection not yet authenticated runs against a deadline (listener.ts).
// Whatever authenticates it (the newline-JSON gate, a bearer token on an HTTP
// request, a dashboard session) says so here, knowing only the socket.

import type { Socket } from 'node:net';

const waiting = new WeakMap<Socket, () => void>();

/** `onProven` runs once, when the socket is proven. */
export function awaitProof(socket: Socket, onProven: () => void): void {
  waiting.set(socket, onProven);
}

/** The socket has authenticated: its deadline ends. A no-op for a socket with none. */
export function proveConnection(socket: Socket): void {
  const onProven = waiting.get(socket);
  waiting.delete(socket);
  onProven?.();
}
