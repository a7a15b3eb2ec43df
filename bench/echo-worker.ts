// The worker end both echo benchmarks use: each call is answered with its
// params as the result, as a plugin's worker answers.

import { attachChannel } from '../core/channel/open.js';
import type { CallMessage, ResultMessage } from '../core/channel/protocol.js';
import type { ChannelSpec } from '../core/channel/transport.js';

export function echoCalls(spec: ChannelSpec): void {
  const channel = attachChannel<CallMessage, ResultMessage>(spec);
  channel.onMessage((call) => channel.send({ t: 'result', id: call.id, json: JSON.stringify(call.params) }));
}
