// Prometheus metrics on their own HTTP port.
import { describe, expect, it } from 'vitest';
import { collect, startTestGateway, statusOf } from './fixtures/gateway-fixture.js';

describe('metrics', () => {
  it('serves calls by tool/backend/status, latency, in-flight and backend gauges at /metrics', async () => {
    await using running = await startTestGateway({ metrics: { port: 0 } });
    await collect(running.client.callTool('native.echo', { message: 'counted' }));
    await statusOf(collect(running.client.callTool('native.missing', {})));
    const url = running.gateway.metricsUrl!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const text = await (await fetch(url)).text();
    expect(text).toContain(
      'mcs_grpc_gateway_calls_total{method="CallTool",tool="native.echo",backend="native",status="OK"} 1',
    );
    expect(text).toContain('mcs_grpc_gateway_calls_total{method="CallTool",tool="",backend="",status="NOT_FOUND"} 1');
    expect(text).toContain('mcs_grpc_gateway_call_duration_seconds_bucket');
    expect(text).toContain('mcs_grpc_gateway_calls_in_flight');
    expect((await fetch(url.replace('/metrics', '/other'))).status).toBe(404);
  });
});
