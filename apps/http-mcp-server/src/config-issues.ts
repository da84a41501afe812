import { boundErrorMessage } from '@mcs/resilience';
import type { z } from 'zod';

const MAX_LISTED_ISSUES = 10;

/**
 * zod's issues with a setting, for an `INVALID_CONFIG` message: `path: message; …`. zod may quote what
 * was given and a path may be a user name from a file, so each issue is bounded and at most ten are
 * listed (a file of 2,000 bad entries gave a 13,000-character message; found by fuzzing).
 */
export function listConfigIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, MAX_LISTED_ISSUES)
    .map((issue) => boundErrorMessage(`${issue.path.join('.')}: ${issue.message}`, 300))
    .concat(issues.length > MAX_LISTED_ISSUES ? [`and ${issues.length - MAX_LISTED_ISSUES} more`] : [])
    .join('; ');
}
