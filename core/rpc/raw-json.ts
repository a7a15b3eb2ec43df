// A JSON text passed through untouched. A plugin's result crosses the channel
// as the JSON text its worker made, and goes into the answer line as it is
// (answer-text.ts): the core neither parses it nor stringifies it again.
// Whatever needs the value itself (a multicall's array, XML-RPC) gets it
// parsed on demand, through toJSON.

export class RawJson {
  constructor(readonly text: string) {}

  /** What JSON.stringify of an enclosing value sees. */
  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}
