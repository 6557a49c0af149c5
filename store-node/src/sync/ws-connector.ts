import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { LIMITS } from '@storefleet/shared';
import type { ClientTransport, ConnectionHandlers, Connector } from '@storefleet/sync';
import type { HubTls } from '../hub-link/pinned-fetch.js';

export interface WsConnectorOptions {
  /** No frame or ping from the hub for this long → the connection is taken for dead. */
  readonly silenceMs?: number;
  /**
   * The hub answered the handshake with 401: `token` is no good there (expired by the hub's clock, revoked). The hub
   * link drops it so the next attempt, after the sync client's backoff, exchanges the credential again.
   */
  readonly onTokenRefused?: (token: string, detail: string) => void;
  /**
   * The hub link's TLS (issue #27): the pinned CA the hub's certificate must chain to (the system's CAs are not used)
   * and the store's client certificate. Undefined: node's defaults.
   */
  readonly tls?: HubTls | undefined;
}

/** The hub's words on a refused handshake (its problem+json `detail`), read briefly; '' when there are none. */
async function refusalDetail(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2_000);
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 4096) chunks.push(c);
    });
    res.once('end', resolve).once('error', resolve).once('close', resolve);
    timer.unref();
  });
  try {
    const detail = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { detail?: unknown }).detail;
    return typeof detail === 'string' ? detail : '';
  } catch {
    return '';
  }
}

/** `ws`'s TLS options: only the CA given is trusted, and the client certificate is presented when there is one. */
function tlsOptions(tls: HubTls): { ca?: string; cert?: string; key?: string } {
  return {
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
  };
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
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${token}` },
      maxPayload: LIMITS.maxFrameBytes,
      perMessageDeflate: false,
      ...(this.options.tls ? tlsOptions(this.options.tls) : {}),
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('unexpected-response', (req, res) => {
        void refusalDetail(res).then((detail) => {
          req.destroy();
          const said = `HTTP ${res.statusCode}${detail ? `: ${detail}` : ''}`;
          if (res.statusCode === 401) this.options.onTokenRefused?.(token, said);
          reject(new Error(`hub refused the sync connection: ${said}`));
        });
      });
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
