import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

export interface FetchDocumentOptions {
  /** Allow loopback addresses (and plain http on them); tests only. */
  allowLoopback: boolean;
  timeoutMs?: number;
  maxBytes?: number;
}

// Addresses a metadata fetch must never reach: private, loopback, link-local, CGNAT, multicast, ...
// Separate lists per family: a BlockList's IPv6 rules would otherwise also match IPv4 addresses.
const BLOCKED_V4 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const)
  BLOCKED_V4.addSubnet(net, prefix, 'ipv4');
const BLOCKED_V6 = new BlockList();
for (const [net, prefix] of [
  ['::', 128],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  BLOCKED_V6.addSubnet(net, prefix, 'ipv6');
const LOOPBACK_V4 = new BlockList();
LOOPBACK_V4.addSubnet('127.0.0.0', 8, 'ipv4');
const LOOPBACK_V6 = new BlockList();
LOOPBACK_V6.addAddress('::1', 'ipv6');

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d` or `::ffff:xxxx:yyyy`). */
function mappedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted?.[1]) return dotted[1];
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex?.[1] || !hex[2]) return undefined;
  const high = Number.parseInt(hex[1], 16);
  const low = Number.parseInt(hex[2], 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** Why `address` may not be fetched, or undefined when it may. */
export function addressProblem(address: string, allowLoopback: boolean): string | undefined {
  const v4 = isIP(address) === 4 ? address : mappedIpv4(address);
  if (v4 !== undefined) {
    if (LOOPBACK_V4.check(v4, 'ipv4')) return allowLoopback ? undefined : `${address} is a loopback address`;
    if (BLOCKED_V4.check(v4, 'ipv4')) return `${address} is a private or reserved address`;
    return undefined;
  }
  if (isIP(address) !== 6) return `${address} is not an IP address`;
  if (LOOPBACK_V6.check(address, 'ipv6')) return allowLoopback ? undefined : `${address} is a loopback address`;
  if (BLOCKED_V6.check(address, 'ipv6')) return `${address} is a private or reserved address`;
  return undefined;
}

/**
 * GETs a Client ID Metadata Document with SSRF guards: https only (http only to loopback when
 * allowed), every resolved address checked *at connect time* (the guarded lookup is what the socket
 * uses, so DNS rebinding between check and connect is impossible), no redirects, a time limit and a
 * size limit. Resolves the parsed JSON; rejects with a message for the client.
 */
export function fetchClientMetadataDocument(url: URL, options: FetchDocumentOptions): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const loopbackHttp =
    url.protocol === 'http:' && options.allowLoopback && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !loopbackHttp) return Promise.reject(new Error('the client_id URL must be https'));
  // An IP literal never goes through the lookup: check it here.
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  const literalProblem = isIP(literal) === 0 ? undefined : addressProblem(literal, options.allowLoopback);
  if (literalProblem) return Promise.reject(new Error(`refused to fetch ${url.hostname}: ${literalProblem}`));
  const guardedLookup = (
    hostname: string,
    lookupOptions: object,
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, []);
      for (const entry of addresses) {
        const problem = addressProblem(entry.address, options.allowLoopback);
        if (problem) return callback(new Error(`refused to fetch ${hostname}: ${problem}`), []);
      }
      const all = (lookupOptions as { all?: boolean }).all === true;
      if (all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} has no address`), []);
      return callback(null, first.address, first.family);
    });
  };
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'GET',
        headers: { accept: 'application/json' },
        lookup: guardedLookup as never,
        timeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new Error(`the client_id URL answered HTTP ${res.statusCode} (redirects are not followed)`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy();
            reject(new Error(`the client metadata document is larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch {
            reject(new Error('the client metadata document is not JSON'));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`the client_id URL did not answer within ${timeoutMs} ms`)));
    req.on('error', (error) => reject(error));
    req.end();
  });
}
