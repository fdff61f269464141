/** One acknowledgement to send: `multiple` acks every outstanding delivery up to `tag`. */
export interface AckOp {
  tag: number;
  multiple: boolean;
}

/**
 * Turns "these deliveries are settled" into as few acks as possible: one `multiple` ack for
 * the settled run at the head of the unacked window, single acks for settled deliveries
 * behind a still-busy one (so a slow message never holds the prefetch window hostage).
 * A tag is never acked twice, which would close the channel.
 */
export class AckTracker {
  /** Delivery tags in arrival order (the broker numbers them increasingly per channel). */
  #order: number[] = [];
  #head = 0;
  /** Outstanding tags: false = in progress, true = settled but not yet acked. */
  readonly #outstanding = new Map<number, boolean>();

  delivered(tag: number): void {
    this.#order.push(tag);
    this.#outstanding.set(tag, false);
  }

  get outstanding(): number {
    return this.#outstanding.size;
  }

  /** Marks `tags` settled and returns the acks that settle them. */
  settle(tags: Iterable<number>): AckOp[] {
    for (const tag of tags) if (this.#outstanding.has(tag)) this.#outstanding.set(tag, true);
    const ops: AckOp[] = [];
    let runEnd: number | undefined;
    while (this.#head < this.#order.length) {
      const tag = this.#order[this.#head]!;
      const state = this.#outstanding.get(tag);
      if (state === false) break;
      if (state === true) {
        runEnd = tag;
        this.#outstanding.delete(tag);
      }
      this.#head += 1;
    }
    if (runEnd !== undefined) ops.push({ tag: runEnd, multiple: true });
    for (const [tag, settled] of this.#outstanding) {
      if (settled) {
        ops.push({ tag, multiple: false });
        this.#outstanding.delete(tag);
      }
    }
    if (this.#head > 4096 && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
    return ops;
  }

  /** Forget everything (the channel closed; the broker requeued what was unacked). */
  reset(): void {
    this.#order = [];
    this.#head = 0;
    this.#outstanding.clear();
  }
}
