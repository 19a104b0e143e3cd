// At most `limit` pieces of work at once, the rest waiting in FIFO order: bounds bursts of process spawns.
export type Limited = <T>(work: () => Promise<T>) => Promise<T>;

export function concurrencyLimit(limit: number): Limited {
  let running = 0;
  const waiting: (() => void)[] = [];
  // A finished piece hands its slot straight to the next waiting one, so no newcomer can slip in between.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (running < limit) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await work();
    } finally {
      release();
    }
  };
}
