// What a scenario saw: the latency of every operation by name, every failure with its time and
// message, and plain counters. Failures are judged later against the fault's window (expected or not).

export interface Failure {
  op: string;
  /** ms since the epoch when the operation failed. */
  at: number;
  /** when it started. */
  startedAt: number;
  message: string;
}

export interface OpSummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export class Recorder {
  readonly latencies = new Map<string, number[]>();
  readonly failures: Failure[] = [];
  readonly counters = new Map<string, number>();

  count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  /**
   * Runs `operation`, recording its latency, or its failure (and rethrowing it). An operation still
   * running after `limitMs` is a failure too ("hang"): nothing may wait forever.
   */
  async time<T>(op: string, operation: () => Promise<T>, limitMs = 20_000): Promise<T> {
    const startedAt = Date.now();
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`hang: ${op} did not finish within ${limitMs} ms`)), limitMs);
    });
    try {
      const value = await Promise.race([operation(), hang]);
      const list = this.latencies.get(op) ?? [];
      list.push(performance.now() - started);
      this.latencies.set(op, list);
      return value;
    } catch (error) {
      this.failures.push({ op, at: Date.now(), startedAt, message: messageOf(error) });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  summary(): Record<string, OpSummary> {
    const result: Record<string, OpSummary> = {};
    for (const [op, list] of [...this.latencies].sort(([a], [b]) => a.localeCompare(b))) {
      result[op] = { count: list.length, ...percentiles(list) };
    }
    return result;
  }

  succeeded(): number {
    let total = 0;
    for (const list of this.latencies.values()) total += list.length;
    return total;
  }
}

export function percentiles(values: number[]): { p50Ms: number; p99Ms: number; maxMs: number } {
  if (values.length === 0) return { p50Ms: 0, p99Ms: 0, maxMs: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  return { p50Ms: round(at(0.5)), p99Ms: round(at(0.99)), maxMs: round(sorted.at(-1) as number) };
}

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

export function messageOf(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const detail = cause?.code ?? cause?.message;
  return (detail ? `${message} (${detail})` : message).slice(0, 300);
}

/** Groups failure messages (numbers and ids blanked) with their counts, for a report. */
export function failureKinds(failures: Failure[]): Array<{ op: string; message: string; count: number }> {
  const kinds = new Map<string, { op: string; message: string; count: number }>();
  for (const failure of failures) {
    const message = failure.message.replace(/[0-9a-f]{8}-[0-9a-f-]{27,}/g, '<id>').replace(/\d+/g, 'N');
    const key = `${failure.op}\u0000${message}`;
    const kind = kinds.get(key) ?? { op: failure.op, message, count: 0 };
    kind.count += 1;
    kinds.set(key, kind);
  }
  return [...kinds.values()].sort((a, b) => b.count - a.count);
}
