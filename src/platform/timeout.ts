/** Rejects with "<what> did not answer within <ms> ms" when `p` takes longer than `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what = "the operation"): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Waits for `p` to settle, at most `ms`; its outcome is irrelevant (shutdown paths). */
export async function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  await withTimeout(p, ms).catch(() => undefined);
}
