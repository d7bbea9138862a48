/**
 * A bound on a wait that should end by itself but might not: `within(ms, work)`
 * resolves when `work` settles or `ms` have passed, whichever comes first, and clears
 * its timer either way. Added on day 1, where the server gives a client that ended its
 * side `closeTimeout` to take its last replies.
 */
export async function within(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms).unref();
  });
  try {
    await Promise.race([work, timeUp]);
  } finally {
    clearTimeout(timer);
  }
}
