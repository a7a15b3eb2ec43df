// Polls until a condition holds. Tests wait on behaviour, never on a fixed
// time: ava's own timeout bounds a wait that never ends.

export async function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean, intervalMs = 20): Promise<T> {
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
