import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('@orderflow/telemetry');

/**
 * A client span for an outgoing HTTP call made with a client the HTTP instrumentation does not
 * patch (undici's Pool), named and attributed as the HTTP semantic conventions say. Send
 * `traceHeadersOf(span)` with the request so the server continues the trace; finish with
 * {@link endHttpClientSpan}.
 */
export function startHttpClientSpan(method: string, url: URL, route: string): Span {
  return tracer.startSpan(`${method} ${route}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': method,
      'url.full': url.href,
      'server.address': url.hostname,
      'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    },
  });
}

/** Ends a client span with the response status (5xx and no response are errors, per the conventions). */
export function endHttpClientSpan(span: Span, statusCode: number | undefined, err?: unknown): void {
  if (statusCode !== undefined) span.setAttribute('http.response.status_code', statusCode);
  if (err !== undefined || statusCode === undefined || statusCode >= 500) {
    if (err instanceof Error) span.recordException(err);
    span.setStatus({ code: SpanStatusCode.ERROR, ...(err instanceof Error ? { message: err.message } : {}) });
  }
  span.end();
}
