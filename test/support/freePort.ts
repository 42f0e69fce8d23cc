// Test support: a TCP port on 127.0.0.1 that nothing listens on, for a private server a test starts and restarts.
import { createServer } from 'node:net';

/** Asks the OS for a free port by listening on port 0, then frees it for the caller's server. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
