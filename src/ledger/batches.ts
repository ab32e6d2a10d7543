/**
 * Sends work in batches without waiting for a timer: at most `concurrency`
 * batches run at once, and whatever arrives while they run waits and leaves
 * together (up to `maxSize`) when one of them ends. Under little load every
 * batch is one item, sent at once; under more, batches grow with the load,
 * which is when what each costs apart (a round trip, a commit) matters.
 * `run` answers each item of a batch in its place, or with the Error it
 * failed with. An item that waited longer than `maxWaitMs` for its batch is
 * not run: it fails with BatchWaitTimeout, as a query that waited too long
 * for a connection of the pool would.
 */
export class Batches<I, O> {
  private readonly waiting: { item: I; since: number; resolve: (out: O) => void; reject: (error: unknown) => void }[] = [];
  private running = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<(O | Error)[]>,
    private readonly options: { concurrency: number; maxSize: number; maxWaitMs: number },
  ) {}

  submit(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, since: performance.now(), resolve, reject });
      this.next();
    });
  }

  private next() {
    const { concurrency, maxSize, maxWaitMs } = this.options;
    // The queue is in arrival order: those waiting too long are at its head.
    const late = performance.now() - maxWaitMs;
    while (this.waiting.length > 0 && this.waiting[0].since < late) this.waiting.shift()!.reject(new BatchWaitTimeout(maxWaitMs));
    while (this.running < concurrency && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, maxSize);
      this.running++;
      this.run(batch.map((waiting) => waiting.item))
        .then(
          (outs) => batch.forEach((waiting, i) => (outs[i] instanceof Error ? waiting.reject(outs[i]) : waiting.resolve(outs[i] as O))),
          (error: unknown) => batch.forEach((waiting) => waiting.reject(error)),
        )
        .finally(() => {
          this.running--;
          this.next();
        });
    }
  }
}

/** An item that waited longer than its batcher's maxWaitMs: it was never run. */
export class BatchWaitTimeout extends Error {
  constructor(maxWaitMs: number) {
    super(`waited more than ${maxWaitMs} ms for a batch`);
  }
}
