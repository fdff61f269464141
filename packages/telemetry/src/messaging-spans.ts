import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';
import { injectTraceContext, type TraceCarrier } from './propagation.ts';

const tracer = trace.getTracer('@orderflow/telemetry');

/** The OpenTelemetry messaging operation types (semantic conventions, `messaging.operation.type`). */
export type MessagingOperation = 'create' | 'send' | 'receive' | 'process' | 'settle';

/** What {@link startMessagingSpan} records. */
export interface MessagingSpanOptions {
  /** `messaging.system`: `rabbitmq`, `kafka`. */
  system: 'rabbitmq' | 'kafka';
  operation: MessagingOperation;
  /** `messaging.destination.name`: the exchange published to, the queue or topic consumed. */
  destination: string;
  /** The operation's name as the system calls it (`publish`, `consume`, `ack`…); defaults to the type. */
  operationName?: string;
  /** The context the span continues: the producer's (from the message headers) or the request's. */
  parent: Context;
  /** `messaging.message.id`, `messaging.rabbitmq.destination.routing_key` and the like. */
  attributes?: Attributes;
  /** Spans this one follows from without being their child (a batch's messages). */
  links?: Link[];
}

const KIND: Record<MessagingOperation, SpanKind> = {
  create: SpanKind.PRODUCER,
  send: SpanKind.PRODUCER,
  receive: SpanKind.CONSUMER,
  process: SpanKind.CONSUMER,
  settle: SpanKind.CLIENT,
};

/**
 * Starts a span named `{operation} {destination}` with the messaging semantic-convention
 * attributes, as a child of `parent`. With tracing off it is the API's no-op span.
 */
export function startMessagingSpan(options: MessagingSpanOptions): Span {
  const operationName = options.operationName ?? options.operation;
  return tracer.startSpan(
    `${operationName} ${options.destination}`,
    {
      kind: KIND[options.operation],
      attributes: {
        'messaging.system': options.system,
        'messaging.operation.type': options.operation,
        'messaging.operation.name': operationName,
        'messaging.destination.name': options.destination,
        ...options.attributes,
      },
      ...(options.links !== undefined && options.links.length > 0 && { links: options.links }),
    },
    options.parent,
  );
}

/** Ends `span` as failed with `err` (recorded as an exception event). */
export function endSpanWithError(span: Span, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  span.end();
}

/** W3C headers naming `span` as the parent, for the message it produces. Empty when it is not traced. */
export function traceHeadersOf(span: Span): TraceCarrier {
  return injectTraceContext(trace.setSpan(ROOT_CONTEXT, span));
}

/** Runs `fn` with `span` as the active span, so the spans and log lines inside it belong to it. */
export function runInSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn);
}
