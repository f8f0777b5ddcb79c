/**
 * Runs `work` for each item with at most `limit` at a time, in the items' order. Once `stopped()` is true no further
 * item is started; those already started run to their end (a write under way is never cut off: the server may have
 * applied it, and its outcome must be recorded). Resolves when every started item has ended; rejects with the first
 * error `work` threw, after the others in flight have ended, and starts nothing after it.
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
  stopped: () => boolean = () => false,
): Promise<void> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be an integer >= 1, not ${limit}`);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === undefined && !stopped()) {
      const index = next++;
      try {
        await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}
