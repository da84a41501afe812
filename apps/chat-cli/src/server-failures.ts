// Why each MCP server is down, for `/servers`: a listing only says "restarting"; the cause (a
// command that does not start, a closed port) comes with the pool's status events.
import type { McpClientPool } from '@mcs/provider-sdk';

export interface ServerFailures {
  /** The last failure of a server that has not been ready since, one line; `undefined` otherwise. */
  last(backend: string): string | undefined;
}

const MAX_CHARS = 240;

const oneLine = (message: string) => {
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > MAX_CHARS ? `${line.slice(0, MAX_CHARS - 1)}…` : line;
};

/** Follows the pool's status events: a failure is kept until the server is ready again. */
export function watchServerFailures(pool: McpClientPool): ServerFailures {
  const failures = new Map<string, string>();
  pool.on('status', ({ backend, status, error }) => {
    if (status === 'ready') failures.delete(backend);
    else if (error) failures.set(backend, oneLine(error.message));
  });
  return {
    last: (backend) => failures.get(backend),
  };
}
