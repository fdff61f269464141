import { randomUUID } from 'node:crypto';

/** One charge as the provider stores and returns it. */
export interface Charge {
  id: string;
  idempotencyKey: string;
  amountMinor: number;
  currency: string;
  reference: string | undefined;
  status: 'succeeded';
  createdAt: string;
}

/** Per idempotency key: the charge and how many requests asked for it. */
export interface LedgerEntry {
  charge: Charge;
  requests: number;
}

/** The outcome of a charge request against the ledger. */
export interface ChargeResult {
  charge: Charge;
  /** True when the key was seen before and the stored charge was returned. */
  replayed: boolean;
  /** True when the key was seen before with a different amount or currency. */
  conflict: boolean;
}

/**
 * The provider's own record of money moved: one charge per idempotency key, however many
 * times it is requested. Tests and benchmarks read it to prove nothing was charged twice.
 */
export class ChargeLedger {
  readonly #byKey = new Map<string, LedgerEntry>();
  readonly #byId = new Map<string, Charge>();
  #requests = 0;
  #firstAt: number | undefined;
  #lastAt: number | undefined;

  charge(idempotencyKey: string, amountMinor: number, currency: string, reference?: string): ChargeResult {
    this.#requests += 1;
    const existing = this.#byKey.get(idempotencyKey);
    if (existing !== undefined) {
      existing.requests += 1;
      const conflict = existing.charge.amountMinor !== amountMinor || existing.charge.currency !== currency;
      return { charge: existing.charge, replayed: true, conflict };
    }
    const charge: Charge = {
      id: `ch_${randomUUID()}`,
      idempotencyKey,
      amountMinor,
      currency,
      reference,
      status: 'succeeded',
      createdAt: new Date().toISOString(),
    };
    this.#byKey.set(idempotencyKey, { charge, requests: 1 });
    const now = Date.now();
    this.#firstAt ??= now;
    this.#lastAt = now;
    this.#byId.set(charge.id, charge);
    return { charge, replayed: false, conflict: false };
  }

  get(id: string): Charge | undefined {
    return this.#byId.get(id);
  }

  byKey(idempotencyKey: string): LedgerEntry | undefined {
    return this.#byKey.get(idempotencyKey);
  }

  entries(): LedgerEntry[] {
    return [...this.#byKey.values()];
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** Totals without the entries: cheap enough to poll while a benchmark runs. */
  summary(): { charges: number; requests: number; firstChargeAt: number | null; lastChargeAt: number | null } {
    return { charges: this.#byKey.size, requests: this.#requests, firstChargeAt: this.#firstAt ?? null, lastChargeAt: this.#lastAt ?? null };
  }

  clear(): void {
    this.#byKey.clear();
    this.#byId.clear();
    this.#requests = 0;
    this.#firstAt = undefined;
    this.#lastAt = undefined;
  }
}
