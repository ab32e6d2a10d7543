/**
 * Sends work in batches without waiting for a timer: at most `concurrency`
 * batches run at once, and whatever arrives while they run waits and leaves
 * together (up to `maxSize`) when one of them ends. Under little load every
 * batch is one item, sent at once; under more, batches grow with the load,
 * which is when what each costs apart (a round trip, a commit) matters.
 * `run` answers each item of a batch in its place, or with the Error it
 * failed with.
 */
export class Batches<I, O> {
  private readonly waiting: { item: I; resolve: (out: O) => void; reject: (error: unknown) => void }[] = [];
  private running = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<(O | Error)[]>,
    private readonly concurrency: number,
    private readonly maxSize: number,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.next();
    });
  }

  private next() {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxSize);
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
