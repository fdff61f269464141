import { endHttpClientSpan, startHttpClientSpan, traceHeadersOf } from '@orderflow/telemetry';
import { Pool } from 'undici';
import { ProviderRejected, ProviderUnavailable } from './errors.ts';

/** A charge as the provider returns it. */
export interface ProviderCharge {
  id: string;
  idempotencyKey: string;
  amountMinor: number;
  currency: string;
}

/** What the worker asks the provider to charge. */
export interface ChargeRequest {
  orderId: string;
  amountMinor: number;
  currency: string;
}

/** Charges one order; the order id is the idempotency key, so a repeat returns the same charge. */
export interface ProviderClient {
  charge(request: ChargeRequest, signal?: AbortSignal): Promise<ProviderCharge>;
  close(): Promise<void>;
}

/** An HTTP client of the payment provider over a keep-alive connection pool. */
export function createProviderClient(baseUrl: string, options: { connections?: number } = {}): ProviderClient {
  const chargesUrl = new URL('/charges', baseUrl);
  const pool = new Pool(baseUrl, { connections: options.connections ?? 64, pipelining: 1, keepAliveTimeout: 30_000 });
  return {
    async charge(request, signal) {
      const span = startHttpClientSpan('POST', chargesUrl, '/charges');
      let response;
      try {
        response = await pool.request({
          method: 'POST',
          path: '/charges',
          headers: { 'content-type': 'application/json', 'idempotency-key': request.orderId, ...traceHeadersOf(span) },
          body: JSON.stringify({ amountMinor: request.amountMinor, currency: request.currency, reference: `order ${request.orderId}` }),
          signal,
        });
      } catch (err) {
        endHttpClientSpan(span, undefined, err);
        throw new ProviderUnavailable([(err as Error).message], { cause: err });
      }
      endHttpClientSpan(span, response.statusCode);
      const text = await response.body.text();
      if (response.statusCode === 200 || response.statusCode === 201) return JSON.parse(text) as ProviderCharge;
      let code = 'unknown';
      try {
        const parsed = (JSON.parse(text) as { code?: unknown }).code;
        if (typeof parsed === 'string') code = parsed;
      } catch {
        // A body that is not JSON still gets classified by its status.
      }
      if (response.statusCode >= 500 || response.statusCode === 429 || response.statusCode === 408) {
        throw new ProviderUnavailable([`${response.statusCode} ${code}`]);
      }
      throw new ProviderRejected([response.statusCode, code]);
    },
    close: () => pool.close(),
  };
}
