import { ProductRepository, type ChangeResult } from '../../src/products/product-repository.ts';
import type { ProductRow } from '../../src/products/product-row.ts';
import type { ProductSummary, ReplaceProductBody } from '../../src/products/schemas.ts';

/** A call held at a gate: `reached` resolves once it has its query's result; `release` lets it go on. */
export interface HeldCall {
  reached: Promise<void>;
  release(): void;
}

interface Gate {
  arrived: () => void;
  promise: Promise<void>;
}

/**
 * Holds a chosen repository call after its query returned (a slow reader or writer: the
 * database has answered, the cache is not written yet) until the test releases it. Only the
 * next call of `op` for that SKU is held; calls after it pass. Counts calls that started.
 */
export class Gates {
  readonly #held = new Map<string, Gate>();
  readonly #started = new Map<string, number>();

  /** Holds the next call of `op` for `sku`. */
  holdNext(op: string, sku: string): HeldCall {
    let release!: () => void;
    let arrived!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    this.#held.set(`${op}:${sku}`, { arrived, promise });
    return { reached, release };
  }

  started(op: string, sku: string): number {
    return this.#started.get(`${op}:${sku}`) ?? 0;
  }

  /** Runs `query`, then waits at the gate of `op:sku` if this call is the one held. */
  async around<T>(op: string, sku: string, query: () => Promise<T>): Promise<T> {
    const key = `${op}:${sku}`;
    this.#started.set(key, this.started(op, sku) + 1);
    const gate = this.#held.get(key);
    this.#held.delete(key);
    const result = await query();
    if (gate !== undefined) {
      gate.arrived();
      await gate.promise;
    }
    return result;
  }
}

/** A ProductRepository whose reads and writes pass through `gates` (every query is real). */
export function gatedRepository(gates: Gates): typeof ProductRepository {
  return class GatedProductRepository extends ProductRepository {
    override find(sku: string): Promise<ProductRow | undefined> {
      return gates.around('find', sku, () => super.find(sku));
    }

    override replace(sku: string, p: ReplaceProductBody, expectedVersion?: number): Promise<ChangeResult> {
      return gates.around('replace', sku, () => super.replace(sku, p, expectedVersion));
    }

    override summary(sku: string): Promise<ProductSummary> {
      return gates.around('summary', sku, () => super.summary(sku));
    }
  };
}
