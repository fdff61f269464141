/** Headers the payment worker puts on the copies it publishes (retry, park, dead letter). */
export const PAYMENT_HEADERS = {
  /**
   * Id of this copy. The payments row records the id of the one live copy of an unpaid order,
   * in the transaction that follows the copy's confirmed publish; any other copy is dropped.
   */
  copyId: 'x-orderflow-copy-id',
  /** The queue a dead letter came from; a replay sends it back there and nowhere else. */
  sourceQueue: 'x-orderflow-source-queue',
  /** Stable code of the error that dead-lettered the message. */
  errorCode: 'x-orderflow-error-code',
  deadAt: 'x-orderflow-dead-at',
  replayedAt: 'x-orderflow-replayed-at',
} as const;
