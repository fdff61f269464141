import type { PaymentState } from './payments-store.ts';

/**
 * What to do with one delivery before any charge:
 * - `duplicate`: the order is paid already (however the copy got here: redelivery, relay
 *   republish, replay);
 * - `superseded`: the order has a payment row whose live copy is another message (a retry or
 *   dead letter recorded later), so this one must not act;
 * - `free`: nothing to charge (total 0); settled as paid without calling the provider;
 * - `charge`: ask the provider.
 */
export type Screening = 'duplicate' | 'superseded' | 'free' | 'charge';

/** Decides for one delivery from its order's payment row (if any), its copy id and the order total. */
export function screenDelivery(state: PaymentState | undefined, copyId: string | undefined, totalMinor: number): Screening {
  if (state?.status === 'paid') return 'duplicate';
  if (state !== undefined && state.liveCopy !== copyId) return 'superseded';
  return totalMinor === 0 ? 'free' : 'charge';
}
