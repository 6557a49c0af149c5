import WebSocket from 'ws';
import { LIMITS } from '@storefleet/shared';
import type { ClientTransport, ConnectionHandlers, Connector } from '@storefleet/sync';

export interface WsConnectorOptions {
  /** No frame or ping from the hub for this long → the connection is taken for dead. */
  readonly silenceMs?: number;
}

/** Opens the store's WebSocket to the hub's `/sync` with a fresh token (from the hub link, in a store node). */
export class WsConnector implements Connector {
  constructor(
    readonly hubUrl: string,
    readonly token: () => Promise<string>,
    readonly options: WsConnectorOptions = {},
  ) {}

  async connect(handlers: ConnectionHandlers): Promise<ClientTransport> {
    const token = await this.token();
    const url = `${this.hubUrl.replace(/^http/, 'ws')}/sync`;
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, maxPayload: LIMITS.maxFrameBytes, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`hub refused the sync connection: HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
    const silenceMs = this.options.silenceMs ?? 45_000;
    let watchdog: NodeJS.Timeout | undefined;
    const heard = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => ws.terminate(), silenceMs);
      watchdog.unref();
    };
    heard();
    ws.on('ping', heard);
    ws.on('message', (data) => {
      heard();
      handlers.onMessage(data.toString());
    });
    ws.on('close', (code, reason) => {
      clearTimeout(watchdog);
      handlers.onClose(code, reason.toString());
    });
    ws.on('error', () => undefined); // 'close' follows and carries the outcome
    return {
      send: (text) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(text);
      },
      close: (code, reason) => ws.close(code, reason),
    };
  }
}
