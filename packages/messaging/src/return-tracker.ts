/** What the broker said when it returned a message (`basic.return`). */
export interface ReturnReason {
  replyCode: number;
  replyText: string;
}

/** One published message waiting for its confirm; `returned` is set if the broker returned it first. */
export interface TrackedPublish {
  readonly key: string;
  returned?: ReturnReason;
}

/**
 * Correlates `basic.return` frames with the publishes they belong to. For an unroutable
 * mandatory message RabbitMQ sends basic.return and then basic.ack, so the confirm alone says
 * "ok"; the return carries no delivery tag, only exchange, routing key and properties. Messages
 * are matched on (exchange, routing key, message id), oldest unreturned first: a channel's
 * returns arrive in publish order, so two identical messages in flight are matched in turn.
 */
export class ReturnTracker {
  readonly #pending = new Map<string, TrackedPublish[]>();

  /** The key a message is tracked under. */
  static keyOf(exchange: string, routingKey: string, messageId: string | undefined): string {
    return `${exchange}\u0000${routingKey}\u0000${messageId ?? ''}`;
  }

  /** Starts tracking a message about to be published. */
  track(exchange: string, routingKey: string, messageId: string): TrackedPublish {
    const entry: TrackedPublish = { key: ReturnTracker.keyOf(exchange, routingKey, messageId) };
    const list = this.#pending.get(entry.key);
    if (list === undefined) this.#pending.set(entry.key, [entry]);
    else list.push(entry);
    return entry;
  }

  /** Records a `basic.return`; false when no tracked message matches (it was not ours). */
  returned(exchange: string, routingKey: string, messageId: string | undefined, reason: ReturnReason): boolean {
    const entry = this.#pending.get(ReturnTracker.keyOf(exchange, routingKey, messageId))?.find((e) => e.returned === undefined);
    if (entry === undefined) return false;
    entry.returned = reason;
    return true;
  }

  /** Stops tracking a message (its confirm, nack or failure arrived). */
  settle(entry: TrackedPublish): void {
    const list = this.#pending.get(entry.key);
    if (list === undefined) return;
    const i = list.indexOf(entry);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#pending.delete(entry.key);
  }
}
