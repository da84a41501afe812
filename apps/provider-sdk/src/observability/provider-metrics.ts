import type { CircuitStateName } from '@mcs/resilience';
import type { Counter, Gauge, Histogram, Metric, Registry } from 'prom-client';
import type { McpClientPool } from '../mcp-client-pool.js';
import { promClient } from './required-packages.js';

/** A metric already on the registry (a second provider on the same one) is shared, not registered twice. */
function shared<M extends Metric>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

/** The pools each registry reports (providers sharing a registry share its gauge). */
const poolsByRegistry = new WeakMap<Registry, Set<McpClientPool>>();

const circuitStateValue: Record<CircuitStateName, number> = { closed: 0, 'half-open': 1, open: 2, isolated: 3 };

/**
 * The provider's Prometheus metrics on a registry the caller gives (or one of the provider's own).
 * Label values are bounded: model names come from the config or the request, backends from the pool
 * config, statuses and categories from fixed sets; tool names are left out (a model can invent them).
 */
export class ProviderMetrics {
  readonly requests: Counter<'model' | 'status'>;
  readonly requestDuration: Histogram<'model'>;
  readonly timeToFirstToken: Histogram<'model'>;
  readonly tokens: Counter<'model' | 'type'>;
  readonly toolCalls: Counter<'backend' | 'status'>;
  readonly toolCallDuration: Histogram<'backend'>;
  readonly retries: Counter<'target' | 'name' | 'category'>;
  readonly fallbacks: Counter<'from' | 'to'>;
  readonly breakerState: Gauge<'policy'>;
  readonly poolConnections: Gauge<'backend' | 'transport' | 'state'>;
  readonly #pools: Set<McpClientPool>;

  constructor(readonly registry: Registry = new (promClient().Registry)()) {
    const { Counter, Gauge, Histogram } = promClient();
    const registers = [registry];
    this.requests = shared(
      registry,
      'mcs_provider_requests_total',
      () =>
        new Counter({
          name: 'mcs_provider_requests_total',
          help: 'generate / generateStream requests by the model asked first and outcome (ok, cancelled, or the error category).',
          labelNames: ['model', 'status'] as const,
          registers,
        }),
    );
    this.requestDuration = shared(
      registry,
      'mcs_provider_request_duration_seconds',
      () =>
        new Histogram({
          name: 'mcs_provider_request_duration_seconds',
          help: 'Whole requests (every step and tool call) until finish or error.',
          labelNames: ['model'] as const,
          buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
          registers,
        }),
    );
    this.timeToFirstToken = shared(
      registry,
      'mcs_provider_time_to_first_token_seconds',
      () =>
        new Histogram({
          name: 'mcs_provider_time_to_first_token_seconds',
          help: "From a step's start to its first text reaching the stream (retries and fallbacks included), by the model asked.",
          labelNames: ['model'] as const,
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers,
        }),
    );
    this.tokens = shared(
      registry,
      'mcs_provider_tokens_total',
      () =>
        new Counter({
          name: 'mcs_provider_tokens_total',
          help: 'Tokens the API reported, by the model that answered and type (input, output).',
          labelNames: ['model', 'type'] as const,
          registers,
        }),
    );
    this.toolCalls = shared(
      registry,
      'mcs_provider_tool_calls_total',
      () =>
        new Counter({
          name: 'mcs_provider_tool_calls_total',
          help: "The model's tool calls by backend and status (ok, tool_error: the tool's own isError, or the failure category).",
          labelNames: ['backend', 'status'] as const,
          registers,
        }),
    );
    this.toolCallDuration = shared(
      registry,
      'mcs_provider_tool_call_duration_seconds',
      () =>
        new Histogram({
          name: 'mcs_provider_tool_call_duration_seconds',
          help: 'Tool calls from the call to its result (retries included), by backend.',
          labelNames: ['backend'] as const,
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
          registers,
        }),
    );
    this.retries = shared(
      registry,
      'mcs_provider_retries_total',
      () =>
        new Counter({
          name: 'mcs_provider_retries_total',
          help: 'Retries of model requests (name: the model) and tool calls (name: the backend), by error category.',
          labelNames: ['target', 'name', 'category'] as const,
          registers,
        }),
    );
    this.fallbacks = shared(
      registry,
      'mcs_provider_model_fallbacks_total',
      () =>
        new Counter({
          name: 'mcs_provider_model_fallbacks_total',
          help: 'Steps handed from one model to the next fallback model.',
          labelNames: ['from', 'to'] as const,
          registers,
        }),
    );
    this.breakerState = shared(
      registry,
      'mcs_provider_breaker_state',
      () =>
        new Gauge({
          name: 'mcs_provider_breaker_state',
          help: 'Circuit breaker per policy (model:<name>, or the backend name): 0 closed, 1 half-open, 2 open, 3 isolated.',
          labelNames: ['policy'] as const,
          registers,
        }),
    );
    let pools = poolsByRegistry.get(registry);
    if (pools === undefined) {
      pools = new Set();
      poolsByRegistry.set(registry, pools);
    }
    this.#pools = pools;
    this.poolConnections = shared(
      registry,
      'mcs_provider_pool_connections',
      () =>
        new Gauge({
          name: 'mcs_provider_pool_connections',
          help: "MCP pool backends by connection state (1 for each backend's current state), read at scrape time.",
          labelNames: ['backend', 'transport', 'state'] as const,
          registers,
          collect() {
            this.reset();
            for (const pool of poolsByRegistry.get(registry) ?? []) {
              for (const { backend, transport, status } of pool.statuses()) {
                this.inc({ backend, transport, state: status }, 1);
              }
            }
          },
        }),
    );
  }

  /** Reports this pool's backends in `mcs_provider_pool_connections` until `untrackPool`. */
  trackPool(pool: McpClientPool): void {
    this.#pools.add(pool);
  }

  untrackPool(pool: McpClientPool): void {
    this.#pools.delete(pool);
  }

  circuitStateChanged(policy: string, to: CircuitStateName): void {
    this.breakerState.set({ policy }, circuitStateValue[to]);
  }
}
