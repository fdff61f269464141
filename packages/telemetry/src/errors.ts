import { defineError } from '@orderflow/errors';

/** A tracing setting in the environment has a value the service cannot use; it does not start. */
export const TracingMisconfigured = defineError<[string, string]>({
  code: 'TELEMETRY_ERR_TRACING_CONFIG',
  message: (variable, why) => `${variable}: ${why}`,
  statusCode: 500,
  retriable: false,
});
