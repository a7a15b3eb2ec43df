// A peer broke the channel's protocol: a frame, an index or a message that a
// well-behaved other end never writes. Thrown where it is found (ring-reader.ts,
// wire.ts) and caught by the end that owns the channel, which reports it; the
// core then ends the plugin that sent it (docs/ARCHITECTURE.md, "Protocol
// violations").

export class ProtocolViolation extends Error {
  override readonly name = 'ProtocolViolation';
}
