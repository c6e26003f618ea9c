/**
 * Runs async tasks one at a time in submission order. Every git operation on one working copy
 * goes through one of these: git's index and ref locks make concurrent commands fail rather than
 * wait, and a commit racing a reset loses work. A failed task rejects its own promise only; the
 * tasks after it still run.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** Tasks submitted and not yet settled (the running one included). */
  get size(): number {
    return this.pending;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(task).finally(() => {
      this.pending--;
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every task submitted so far has settled. */
  async drain(): Promise<void> {
    await this.tail;
  }
}
