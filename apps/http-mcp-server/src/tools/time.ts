import * as z from 'zod';
import { definePureTool } from '../pack-framework/pure-tool.js';

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const timeInput = z.object({
  timezone: z
    .string()
    .max(64)
    .refine(isTimeZone, { message: 'Unknown IANA time zone; use a name such as "Europe/Paris" or "UTC"' })
    .optional()
    .describe('IANA time zone name, e.g. "Europe/Paris"; default UTC'),
});

const timeOutput = z.object({
  iso: z.string().describe('Current instant in ISO 8601, UTC'),
  epochMs: z.number().int().describe('Milliseconds since the Unix epoch'),
  timezone: z.string().describe('Time zone used for `local`'),
  local: z.string().describe('Wall-clock time in that zone, ISO 8601 with its UTC offset'),
});

type TimeOutput = z.infer<typeof timeOutput>;

/** Wall-clock time of `date` in `timeZone` as `YYYY-MM-DDTHH:mm:ss±HH:MM`. */
function localIso(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'longOffset',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  // longOffset reads "GMT+05:30", or plain "GMT" at offset zero.
  const offset = part('timeZoneName').replace('GMT', '') || '+00:00';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')}${offset}`;
}

/** Current time in UTC and in a requested zone; `now` is injectable for tests. */
export function currentTime(timezone: string | undefined, now: Date = new Date()): TimeOutput {
  const zone = timezone ?? 'UTC';
  return { iso: now.toISOString(), epochMs: now.getTime(), timezone: zone, local: localIso(now, zone) };
}

/** `time`: the current time, optionally in an IANA time zone. */
export const timeTool = definePureTool({
  name: 'time',
  title: 'Current time',
  description: 'Returns the current time in UTC and in the given IANA time zone.',
  inputSchema: timeInput,
  outputSchema: timeOutput,
  annotations: { readOnlyHint: true, openWorldHint: false },
  call: ({ timezone }) => {
    const result = currentTime(timezone);
    return { content: [{ type: 'text', text: `${result.local} (${result.timezone})` }], structuredContent: result };
  },
});
