// OpenTelemetry: with an OTLP endpoint configured, CallTool spans reach it (a real OTLP/HTTP receiver
// served by the test over node:http).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createGatewayClient } from '../src/client/gateway-client.js';
import { parseGatewayConfig } from '../src/config.js';
import { startGateway } from '../src/server.js';
import { collect } from './fixtures/gateway-fixture.js';

describe('tracing', () => {
  it('exports a span per CallTool over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const bodies: string[] = [];
    const receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.url === '/v1/traces') bodies.push(Buffer.concat(chunks).toString('utf8'));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    try {
      const gateway = await startGateway(parseGatewayConfig({ host: '127.0.0.1', port: 0, auth: { mode: 'off' } }), {
        logger: pino({ level: 'silent' }),
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'gateway-under-test' },
      });
      const client = createGatewayClient({ address: `127.0.0.1:${gateway.port}` });
      await collect(client.callTool('native.echo', { message: 'traced' }));
      client.close();
      await gateway.close(); // flushes the batch
      const all = bodies.join('\n');
      expect(all).toContain('mcs.v1.ContextGateway/CallTool');
      expect(all).toContain('native.echo');
      expect(all).toContain('gateway-under-test');
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
