import { createConnection } from 'node:net';

/** Whether a TCP connection to 127.0.0.1:`port` succeeds now (for "is it listening yet" waits). */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
