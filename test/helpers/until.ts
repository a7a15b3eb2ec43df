// Polls until a condition holds. Tests wait on behaviour, never on a fixed
// time. A wait that never ends gives up after GIVE_UP_MS with the last value
// it saw: a failure that says what was waited for, where ava's own timeout
// would end the whole file without a word (its TAP reporter even crashes on it).

const GIVE_UP_MS = 45_000;

export async function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean, intervalMs = 20): Promise<T> {
  const giveUpAt = Date.now() + GIVE_UP_MS;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > giveUpAt)
      throw new Error(`gave up waiting after ${GIVE_UP_MS / 1000} s; the last value was ${describe(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
