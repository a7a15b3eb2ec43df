// JSON-RPC 2.0 message shapes the rpc layer shares, and what counts as an id.
// Only a missing `id` makes a notification: `"id": null` is a request
// answered with `"id": null` (README, "Wire protocol").

export type JsonRpcResponse = Record<string, unknown>;

export type RequestId = string | number | null;

/** An id the answer can carry back unchanged: a number JSON cannot write (`1e400` parsed as Infinity) is not one. */
export function isValidId(id: unknown): id is RequestId {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

/** A request object without an `id` member. */
export function isNotification(message: unknown): boolean {
  return (
    message !== null &&
    typeof message === 'object' &&
    !Array.isArray(message) &&
    (message as { id?: unknown }).id === undefined
  );
}

/** The id to answer `message` with: its own when valid, else null. */
export function answerId(message: unknown): RequestId {
  const id = message !== null && typeof message === 'object' ? (message as { id?: unknown }).id : undefined;
  return isValidId(id) ? id : null;
}
