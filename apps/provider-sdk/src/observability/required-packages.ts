import { createRequire } from 'node:module';

// pino and prom-client (CommonJS, about 55 modules together) are required by the first provider that
// needs them, not by `import '@mcs/provider-sdk'`: an application that only uses the MCP pool, or a
// CLI that makes its provider at the first turn, starts without them. `require` of a CommonJS package
// returns the instance an `import` of it gets (one module cache), so a caller's own pino logger or
// prom-client registry meets the same classes.
const require = createRequire(import.meta.url);

export const pinoPackage = (): typeof import('pino') => require('pino');
export const promClient = (): typeof import('prom-client') => require('prom-client');
