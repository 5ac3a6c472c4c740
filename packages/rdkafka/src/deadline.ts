/**
 * Waits for `work` at most `ms`; resolves true when it finished in time. librdkafka's
 * close has been seen (rarely, under load) never to call back, and a shutdown must
 * not hang on it.
 */
export async function withinDeadline(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      work.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
