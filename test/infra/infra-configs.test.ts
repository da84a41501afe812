// The deployment files in infra/ cannot be run here (no Docker engine, no cluster), so these tests
// hold what they carry against the apps' own config schemas: a renamed setting or a bad example
// config fails here instead of at someone's deploy.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseGatewayConfig } from '@mcs/grpc-gateway';
import { loadConfig } from '@mcs/http-mcp-server';
import { parseProviderConfig } from '@mcs/provider-sdk';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const infra = resolve(import.meta.dirname, '../../infra');

interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}

function readYamlDocuments(path: string): unknown[] {
  const documents = parseAllDocuments(readFileSync(path, 'utf8'));
  for (const document of documents) {
    expect(document.errors, `${path}: ${document.errors.map((error) => error.message).join('; ')}`).toEqual([]);
  }
  return documents.map((document) => document.toJS());
}

function k8sObjects(): K8sObject[] {
  return readdirSync(join(infra, 'k8s'))
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => readYamlDocuments(join(infra, 'k8s', file)) as K8sObject[]);
}

function findObject(kind: string, name: string): K8sObject {
  const object = k8sObjects().find((candidate) => candidate.kind === kind && candidate.metadata.name === name);
  if (!object) throw new Error(`infra/k8s has no ${kind} named ${name}`);
  return object;
}

describe('example gateway configs', () => {
  const files = readdirSync(join(infra, 'config')).filter((file) => file.startsWith('grpc-gateway'));

  it('exist', () => {
    expect(files).toContain('grpc-gateway.dev.json');
    expect(files).toContain('grpc-gateway.compose.json');
  });

  it.each(files)('%s passes the gateway config schema', (file) => {
    const config = parseGatewayConfig(JSON.parse(readFileSync(join(infra, 'config', file), 'utf8')), file);
    expect(Object.keys(config.backends).length).toBeGreaterThan(0);
  });
});

describe('example chat config', () => {
  it('chat.dev.json passes the provider-sdk config schema and names the dev stack, with the dev token', () => {
    const file = join(infra, 'config', 'chat.dev.json');
    // The printed chat command sets MCS_TOKEN=$(./mcs token); both backends send it.
    const config = parseProviderConfig(JSON.parse(readFileSync(file, 'utf8')), { env: { MCS_TOKEN: 'dev-token' } });
    expect(config.mcp?.backends).toMatchObject({
      mcs: { transport: 'http', url: 'http://127.0.0.1:3000/mcp', bearerToken: 'dev-token' },
      gateway: { transport: 'grpc', address: '127.0.0.1:50051', token: 'dev-token' },
    });
  });
});

describe('the dev stack gateway config', () => {
  it('verifies tokens of the dev http-mcp-server and fronts server-everything, the http-mcp-server and the native tools', () => {
    const config = parseGatewayConfig(
      JSON.parse(readFileSync(join(infra, 'config', 'grpc-gateway.dev.json'), 'utf8')),
      'grpc-gateway.dev.json',
    );
    const server = loadConfig({});
    expect(config.auth).toMatchObject({
      mode: 'on',
      jwksUri: `${server.publicUrl}/jwks.json`,
      issuer: server.publicUrl,
      audience: `${server.publicUrl}/mcp`,
    });
    expect(config.backends.everything?.transport).toBe('stdio');
    expect(config.backends.mcs).toMatchObject({ transport: 'http', url: `${server.publicUrl}/mcp` });
    expect(config.nativeTools).toBe(true);
    // The dev user's grant carries scope mcp (the server's default scope): it may call every tool.
    expect(config.rbac).toEqual({ 'scope:mcp': ['*'] });
    expect(server.oauth.requiredScopes).toEqual(['mcp']);
  });
});

describe('compose.yaml', () => {
  const [compose] = readYamlDocuments(join(infra, 'compose.yaml')) as [
    { services: Record<string, { environment?: Record<string, string>; command?: string[]; volumes?: string[] }> },
  ];

  it('runs Redis, the http-mcp-server and the gateway', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['grpc-gateway', 'http-mcp-server', 'redis']);
  });

  it('gives the http-mcp-server settings its config accepts, pointing at the compose Redis', () => {
    const config = loadConfig(compose.services['http-mcp-server']?.environment ?? {});
    expect(config.redisUrl).toBe('redis://redis:6379');
    expect(config.host).toBe('0.0.0.0');
    // The gateway reaches the replicas by service name: the DNS-rebinding guard must let that through.
    expect(config.allowedHosts).toContain('http-mcp-server');
  });

  it('mounts a gateway config that points at the http-mcp-server service', () => {
    const gateway = compose.services['grpc-gateway'];
    const mounted = gateway?.volumes?.find((volume) => volume.includes('grpc-gateway'));
    expect(mounted).toMatch(/^\.\/config\/grpc-gateway\.compose\.json:/);
    const config = parseGatewayConfig(
      JSON.parse(readFileSync(join(infra, 'config', 'grpc-gateway.compose.json'), 'utf8')),
    );
    const backend = config.backends.mcs;
    expect(backend?.transport === 'http' ? backend.url : undefined).toBe('http://http-mcp-server:3000/mcp');
  });
});

describe('Kubernetes manifests', () => {
  it('parse, and every object is in the mcs namespace', () => {
    const objects = k8sObjects();
    expect(objects.length).toBeGreaterThan(5);
    for (const object of objects) {
      if (object.kind !== 'Namespace')
        expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe('mcs');
    }
  });

  it('give the http-mcp-server settings its config accepts', () => {
    const settings = findObject('ConfigMap', 'http-mcp-server').data ?? {};
    const config = loadConfig(settings);
    expect(config.publicUrl).toBe('https://mcp.example.com');
    expect(config.redisUrl).toMatch(/^redis:\/\/redis\.mcs\.svc/);
    expect(config.allowedHosts).toEqual(
      expect.arrayContaining(['mcp.example.com', 'http-mcp-server.mcs.svc.cluster.local']),
    );
  });

  it('give the gateway a config its schema accepts', () => {
    const text = findObject('ConfigMap', 'grpc-gateway').data?.['grpc-gateway.json'];
    expect(text).toBeDefined();
    const config = parseGatewayConfig(JSON.parse(text ?? ''), 'k8s ConfigMap grpc-gateway');
    expect(config.auth.mode).toBe('on');
    expect(config.tls).toBeDefined();
    // Revocation reads the list the authorization server writes: the same Redis, tokens of that server.
    const server = loadConfig(findObject('ConfigMap', 'http-mcp-server').data ?? {});
    expect(config.auth.mode === 'on' && config.auth.revocation?.redisUrl).toBe(server.redisUrl);
    expect(config.auth.mode === 'on' && config.auth.audience).toBe(`${server.publicUrl}/mcp`);
  });

  it('probe the http-mcp-server on /healthz and /readyz and the gateway over grpc.health.v1', () => {
    const containerOf = (name: string) =>
      (findObject('Deployment', name).spec as { template: { spec: { containers: Record<string, unknown>[] } } })
        .template.spec.containers[0];
    expect(containerOf('http-mcp-server')).toMatchObject({
      livenessProbe: { httpGet: { path: '/healthz' } },
      readinessProbe: { httpGet: { path: '/readyz' } },
    });
    expect(containerOf('grpc-gateway')).toMatchObject({ readinessProbe: { grpc: { port: 50051 } } });
  });

  it('give every http-mcp-server replica the same signing and secret box keys from one Secret', () => {
    const deployment = findObject('Deployment', 'http-mcp-server').spec as {
      replicas: number;
      template: { spec: { containers: { envFrom: Record<string, { name: string }>[] }[] } };
    };
    expect(deployment.replicas).toBeGreaterThan(1);
    expect(deployment.template.spec.containers[0]?.envFrom).toContainEqual({
      secretRef: { name: 'http-mcp-server-secrets' },
    });
    // With auth on and several replicas, ephemeral per-process keys would break every other replica's tokens.
    expect(findObject('ConfigMap', 'http-mcp-server').data).toMatchObject({ MCS_AUTH: 'on', NODE_ENV: 'production' });
  });
});
