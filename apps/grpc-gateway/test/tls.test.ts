// TLS and mutual TLS with certificates generated for the test by the openssl CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startTestGateway, statusOf } from './fixtures/gateway-fixture.js';

let dir: string;
const file = (name: string) => join(dir, name);
const read = (name: string) => readFileSync(file(name));

function openssl(...args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore', timeout: 30_000 });
}

/** A CA, a server certificate for localhost/127.0.0.1 and a client certificate, all signed by the CA. */
function makeCertificates() {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=mcs-test-ca', '-days', '1');
  writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  for (const name of ['server', 'client']) {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      ...(name === 'server' ? ['-extfile', 'server.ext'] : []),
    );
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcs-gateway-tls-'));
  makeCertificates();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const echo = { message: 'over tls' };

describe('TLS', () => {
  it('serves over TLS to a client that trusts the CA; a client without the CA fails', async () => {
    await using running = await startTestGateway(
      { nativeTools: true, tls: { cert: file('server.crt'), key: file('server.key') } },
      { tls: { ca: read('ca.crt') } },
    );
    const events = await collect(running.client.callTool('native.echo', echo));
    expect(events.at(-1)?.event?.$case).toBe('result');

    const noCa = running.connect({ tls: {} });
    const failure = await statusOf(noCa.listTools(undefined, { timeoutMs: 5_000 }));
    expect(failure.code).toBe(status.UNAVAILABLE);

    const plaintext = running.connect();
    expect((await statusOf(plaintext.listTools(undefined, { timeoutMs: 5_000 }))).code).toBe(status.UNAVAILABLE);
  });

  it('mutual TLS: requireClientCert refuses a client without a certificate and serves one with it', async () => {
    await using running = await startTestGateway(
      { tls: { cert: file('server.crt'), key: file('server.key'), ca: file('ca.crt'), requireClientCert: true } },
      { tls: { ca: read('ca.crt'), cert: read('client.crt'), key: read('client.key') } },
    );
    expect((await collect(running.client.callTool('native.echo', echo))).at(-1)?.event?.$case).toBe('result');
    const anonymous = running.connect({ tls: { ca: read('ca.crt') } });
    expect((await statusOf(anonymous.listTools(undefined, { timeoutMs: 5_000 }))).code).toBe(status.UNAVAILABLE);
  });
});
