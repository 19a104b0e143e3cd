import { WorkQueue } from './work-queue.js';

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));
/** Polls instead of sleeping a fixed time, so a busy machine slows the test but does not fail it. */
async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await tick();
  }
}

describe('WorkQueue', () => {
  test('duplicate adds of a waiting key run it once', async () => {
    const seen: string[] = [];
    const q = new WorkQueue(async (k) => void seen.push(k), { workers: 1, baseDelayMs: 1, maxDelayMs: 10 });
    q.add('a');
    q.add('b');
    q.add('b');
    q.add('b');
    await eventually(() => seen.length >= 2);
    await tick(20);
    expect(seen).toEqual(['a', 'b']);
    await q.stop();
  });

  test('one handler per key at a time; a change during a run runs it again afterwards', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    let runs = 0;
    const q = new WorkQueue(
      async () => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        runs++;
        await tick(20);
        concurrent--;
      },
      { workers: 4, baseDelayMs: 1, maxDelayMs: 10 },
    );
    q.add('a');
    await tick(5);
    q.add('a');
    q.add('a');
    await eventually(() => runs === 2 && concurrent === 0);
    await tick(30);
    expect(maxConcurrent).toBe(1);
    expect(runs).toBe(2);
    await q.stop();
  });

  test('failures retry with growing delays until the handler succeeds', async () => {
    const times: number[] = [];
    const errors: number[] = [];
    const q = new WorkQueue(
      async () => {
        times.push(Date.now());
        if (times.length < 4) throw new Error('conflict');
      },
      { workers: 1, baseDelayMs: 10, maxDelayMs: 1000, onError: (_k, _e, attempt) => errors.push(attempt) },
    );
    q.add('a');
    await eventually(() => times.length === 4);
    expect(times).toHaveLength(4);
    expect(errors).toEqual([1, 2, 3]);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(gaps[1]).toBeGreaterThanOrEqual(18);
    expect(gaps[2]).toBeGreaterThanOrEqual(38);
    await q.stop();
  });

  test('stop waits for running handlers and takes no more work', async () => {
    let finished = false;
    const q = new WorkQueue(async () => {
      await tick(30);
      finished = true;
    }, { workers: 1, baseDelayMs: 1, maxDelayMs: 10 });
    q.add('a');
    await tick(5);
    await q.stop();
    expect(finished).toBe(true);
    q.add('b');
    expect(q.length).toBe(0);
  });

  test('a handler that returns requeueAfter is run again after it; the earlier of two delays wins', async () => {
    const times: number[] = [];
    const q = new WorkQueue(
      async () => {
        times.push(Date.now());
        return times.length === 1 ? { requeueAfter: 50 } : {};
      },
      { workers: 1, baseDelayMs: 1, maxDelayMs: 10 },
    );
    q.addAfter('a', 10_000);
    q.add('a');
    await eventually(() => times.length === 2);
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(45);
    q.addAfter('a', 10_000);
    q.addAfter('a', 20);
    await eventually(() => times.length === 3);
    await q.stop();
  });

  test('forget drops a pending delay and the failure history of a deleted key', async () => {
    let runs = 0;
    const q = new WorkQueue(async () => {
      runs++;
      return { requeueAfter: 30 };
    }, { workers: 1, baseDelayMs: 1, maxDelayMs: 10 });
    q.add('a');
    await eventually(() => runs === 1);
    q.forget('a');
    await tick(80);
    expect(runs).toBe(1);
    await q.stop();
  });

  describe('the urgent lane', () => {
    /** One worker held by 'busy' until released, so the order of what waits behind it shows. */
    function heldQueue(onRun: (key: string) => void | Promise<void> = () => undefined) {
      const seen: string[] = [];
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      const q = new WorkQueue(
        async (k) => {
          seen.push(k);
          if (k === 'busy') await held;
          await onRun(k);
        },
        { workers: 1, baseDelayMs: 5, maxDelayMs: 10 },
      );
      q.add('busy');
      return { q, seen, release };
    }

    test('urgent keys are taken before every normal one, each lane in the order it came', async () => {
      const { q, seen, release } = heldQueue();
      q.add('n1');
      q.add('u1', true);
      q.add('n2');
      q.add('u2', true);
      release();
      await eventually(() => seen.length === 5);
      expect(seen).toEqual(['busy', 'u1', 'u2', 'n1', 'n2']);
      await q.stop();
    });

    test('an urgent add moves a waiting normal key up; a normal add leaves an urgent key urgent', async () => {
      const { q, seen, release } = heldQueue();
      q.add('n1');
      q.add('n2');
      q.add('n2', true);
      q.add('u1', true);
      q.add('u1');
      release();
      await eventually(() => seen.length === 4);
      expect(seen).toEqual(['busy', 'n2', 'u1', 'n1']);
      await q.stop();
    });

    test('a key changed urgently while it runs runs again as urgent', async () => {
      const { q, seen, release } = heldQueue();
      q.add('n1');
      q.add('busy', true);
      release();
      await eventually(() => seen.length === 3);
      expect(seen).toEqual(['busy', 'busy', 'n1']);
      await q.stop();
    });

    test('a failed urgent key is retried as urgent', async () => {
      let failed = false;
      const { q, seen, release } = heldQueue(async (k) => {
        // Normal keys take long enough for the retry's backoff (5 ms) to end while the first of them runs.
        if (k !== 'u1') {
          await tick(30);
          return;
        }
        if (failed) return;
        failed = true;
        throw new Error('conflict');
      });
      q.add('u1', true);
      q.add('n1');
      q.add('n2');
      release();
      await eventually(() => seen.length === 5);
      expect(seen).toEqual(['busy', 'u1', 'n1', 'u1', 'n2']);
      await q.stop();
    });
  });
});
