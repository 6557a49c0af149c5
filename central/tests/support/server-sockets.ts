import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

/**
 * Watches the connections a server listening on `port` (in this process) accepts from now on, through Node's
 * `net.server.socket` channel, so a test can wait until the server has closed every socket it was sent — its upgrade
 * handlers are done with them — instead of sleeping. `allClosed(n)` resolves once it has accepted at least `n` and
 * none is open, and rejects, naming how many are still open, when that does not happen within `timeoutMs`.
 */
export function watchServerSockets(port: number): {
  readonly accepted: () => number;
  allClosed(expected: number, timeoutMs?: number): Promise<void>;
  stop(): void;
} {
  const open = new Set<Socket>();
  let accepted = 0;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of waiters) w();
  };
  const onSocket = (message: unknown) => {
    const socket = (message as { socket: Socket }).socket;
    if (socket.localPort !== port) return;
    accepted++;
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      wake();
    });
  };
  subscribe('net.server.socket', onSocket);
  return {
    accepted: () => accepted,
    allClosed(expected, timeoutMs = 10_000) {
      const settled = () => accepted >= expected && !open.size;
      if (settled()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!settled()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `after ${timeoutMs} ms the server has accepted ${accepted} of ${expected} sockets and still holds ${open.size} open`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
      });
    },
    stop: () => unsubscribe('net.server.socket', onSocket),
  };
}
