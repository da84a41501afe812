// A real JWKS endpoint on 127.0.0.1: serves whatever document the test sets and counts requests.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JSONWebKeySet } from 'jose';

export interface JwksServer {
  readonly url: string;
  readonly requests: number;
  setJwks(jwks: JSONWebKeySet): void;
  /** Answer with this HTTP status instead of the document (e.g. 500), or `undefined` to serve again. */
  failWith(status: number | undefined): void;
  close(): Promise<void>;
}

export async function startJwksServer(initial: JSONWebKeySet): Promise<JwksServer> {
  let jwks = initial;
  let requests = 0;
  let failure: number | undefined;
  const server: Server = createServer((request, response) => {
    requests += 1;
    if (request.url !== '/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    if (failure !== undefined) {
      response.writeHead(failure).end('failing on purpose');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    get requests() {
      return requests;
    },
    setJwks: (next) => {
      jwks = next;
    },
    failWith: (status) => {
      failure = status;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
