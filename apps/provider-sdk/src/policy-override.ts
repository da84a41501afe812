import {
  BulkheadConfigSchema,
  CircuitBreakerConfigSchema,
  PolicyConfigSchema,
  RetryConfigSchema,
  TimeoutConfigSchema,
} from '@mcs/resilience';
import { z } from 'zod';

/**
 * The same fields as one of @mcs/resilience's policy sections, each optional and without its default:
 * a config holds what the user wrote (merged over our defaults when the policy is built), yet every
 * field is checked at load with its path, and unknown keys get "did you mean" like the rest of the config.
 */
function section(schema: z.ZodObject) {
  const fields = Object.entries(schema.shape).map(([key, field]) => {
    const inner = field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : (field as z.ZodType);
    return [key, inner.optional()] as const;
  });
  return z.strictObject(Object.fromEntries(fields)).optional();
}

/**
 * A partial `@mcs/resilience` policy (`retry`, `circuitBreaker`, `timeout`, `bulkhead`), as
 * `modelPolicy` and a backend's `policy` take it. Checks that span fields (`maxDelayMs >= baseDelayMs`)
 * are made against the library's defaults for what is not written; `createPolicy` checks the merge
 * with our own defaults again when the provider or pool is built.
 */
export const PolicyOverrideSchema = z
  .strictObject({
    retry: section(RetryConfigSchema),
    circuitBreaker: section(CircuitBreakerConfigSchema),
    timeout: section(TimeoutConfigSchema),
    bulkhead: section(BulkheadConfigSchema),
  })
  .superRefine((value, context) => {
    const whole = PolicyConfigSchema.safeParse(value);
    if (whole.success) return;
    // Field-level problems were reported by the fields above; only the cross-field checks are new here.
    for (const issue of whole.error.issues) {
      if (issue.code === 'custom') context.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    }
  });

export type PolicyOverride = z.output<typeof PolicyOverrideSchema>;
