import { AppError, CLOSE, closeReason } from '@storefleet/shared';
import { automergeDocumentIdForDoc, docIdForAutomergeDocumentId } from '@storefleet/shared';
import { fromBase64, toBase64 } from '@storefleet/sync';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { Caller } from '../../kernel/principal.js';
import type { HubDocs } from '../docs/hub-docs.js';
import { encodeHubFrame, type HubFrame, PROTOCOL_VERSION, readClientFrame, type SyncFrame } from './messages.js';

/** Frames read but not yet handled on one socket; a client that sends faster than the hub applies is cut off. */
const MAX_PENDING_FRAMES = 256;

/** What one connection may hold open; see AutomergeSockets for the defaults. */
export interface AutomergeConnectionLimits {
  /** Documents one socket may sync; a further one is answered doc-unavailable. */
  readonly documentsPerSocket: number;
  /** How long a customer's session is trusted before it is asked again (a sign-out elsewhere ends the socket). */
  readonly recheckSessionMs: number;
}

/**
 * One automerge-repo client's socket, after the upgrade was authenticated (`caller`). States:
 *
 *   waiting-join --join (protocol '1')--> joined --close--> gone
 *        |                                  |
 *        +--anything else, or a malformed frame: `error` frame, close 1008--+
 *
 * Once joined, each request/sync frame goes to HubDocs.fromPeer as peer `automerge:<n>`, with the hub's access rules,
 * read gate and content checks; HubDocs answers through `send` (here: a `sync` frame), now and whenever the document
 * changes elsewhere (REST, a store's kiosk, another replica). A refusal of any kind is `doc-unavailable` for that
 * document only: the client learns nothing of it, and its other documents go on.
 */
export class AutomergeConnection {
  #clientPeer: string | undefined;
  /** The hub document id of each document this socket opened, with the DocumentId the client names it by. */
  readonly #open = new Map<string, string>();
  #sessionCheckedAt: number;
  #closed = false;
  #queue: Promise<void> = Promise.resolve();
  #pending = 0;

  constructor(
    readonly ws: WebSocket,
    readonly peer: string,
    readonly caller: Caller,
    readonly docs: HubDocs,
    readonly log: Logger,
    readonly limits: AutomergeConnectionLimits,
    /** Asks again whether the caller's session still holds (a customer's); false ends the socket. */
    readonly stillSignedIn: () => Promise<boolean>,
    readonly now: () => number,
    readonly hubPeerId: string,
  ) {
    this.#sessionCheckedAt = now();
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return this.#fail('frames are binary CBOR, not text');
      // One frame at a time, in order: a document's sync messages build on each other.
      if (++this.#pending > MAX_PENDING_FRAMES) return this.#fail('too many frames waiting; slow down');
      const bytes = toBytes(data);
      this.#queue = this.#queue
        .then(() => this.#onFrame(bytes))
        .catch((err: unknown) => {
          this.log.error({ err, peer }, 'automerge socket: a frame could not be handled');
          this.#fail('the hub could not handle this frame');
        })
        .finally(() => this.#pending--);
    });
    ws.on('close', () => this.#gone());
  }

  async #onFrame(bytes: Uint8Array): Promise<void> {
    if (this.#closed) return;
    const frame = readClientFrame(bytes);
    switch (frame.type) {
      case 'malformed':
        return this.#fail(`malformed frame: ${frame.problem}`);
      case 'ignored':
        return;
      case 'join': {
        if (this.#clientPeer !== undefined) return this.#fail('join was already sent on this socket');
        const versions = frame.supportedProtocolVersions;
        this.#clientPeer = frame.senderId;
        if (versions && !versions.includes(PROTOCOL_VERSION))
          return this.#fail(`unsupported protocol version: this hub speaks ${PROTOCOL_VERSION}`);
        this.#send({
          type: 'peer',
          senderId: this.hubPeerId,
          targetId: frame.senderId,
          peerMetadata: { isEphemeral: false },
          selectedProtocolVersion: PROTOCOL_VERSION,
        });
        return;
      }
      default:
        if (this.#clientPeer === undefined) return this.#fail(`${frame.type} before join`);
        if (frame.type === 'doc-unavailable') return; // the client lacks a document: nothing for the hub to do
        if (!(await this.#sessionHolds())) return;
        return this.#sync(frame);
    }
  }

  async #sync(frame: SyncFrame): Promise<void> {
    const docId = docIdForAutomergeDocumentId(frame.documentId);
    if (!docId) return this.#unavailable(frame.documentId);
    if (!this.#open.has(docId)) {
      if (this.#open.size >= this.limits.documentsPerSocket) {
        this.log.warn({ peer: this.peer, docId }, 'automerge socket: documents per socket reached');
        return this.#unavailable(frame.documentId);
      }
      this.#open.set(docId, frame.documentId);
    }
    const send = (id: string, data: string) => {
      if (this.#closed || this.ws.readyState !== this.ws.OPEN) return false;
      const documentId = this.#open.get(id) ?? automergeDocumentIdForDoc(id);
      if (!documentId) return false;
      this.#send({
        type: 'sync',
        senderId: this.hubPeerId,
        targetId: this.#clientPeer!,
        documentId,
        data: fromBase64(data),
      });
      return true;
    };
    try {
      await this.docs.fromPeer(this.peer, this.caller, send, docId, toBase64(frame.data));
    } catch (err) {
      // Refused (no access, unreadable, invalid changes) or failed: the client hears only that it is not available.
      if (err instanceof AppError)
        this.log.info({ peer: this.peer, docId, reason: err.message }, 'automerge sync refused');
      else this.log.error({ err, peer: this.peer, docId }, 'automerge sync failed');
      this.#unavailable(frame.documentId);
    }
  }

  async #sessionHolds(): Promise<boolean> {
    if (this.now() - this.#sessionCheckedAt < this.limits.recheckSessionMs) return true;
    this.#sessionCheckedAt = this.now();
    if (await this.stillSignedIn()) return true;
    this.#fail('the session ended; sign in again');
    return false;
  }

  /** Ends this socket from outside (its session ended elsewhere): an `error` frame saying why, then close 1008. */
  end(reason: string): void {
    this.#fail(reason);
  }

  #unavailable(documentId: string): void {
    this.#send({ type: 'doc-unavailable', senderId: this.hubPeerId, targetId: this.#clientPeer!, documentId });
  }

  #send(frame: HubFrame): void {
    if (this.#closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(encodeHubFrame(frame));
  }

  /** Says why in an `error` frame, then closes this socket (1008); the hub and every other socket go on. */
  #fail(message: string): void {
    if (this.#closed) return;
    this.log.info({ peer: this.peer, reason: message }, 'automerge socket closed');
    this.#send({ type: 'error', senderId: this.hubPeerId, targetId: this.#clientPeer ?? 'unknown', message });
    this.ws.close(CLOSE.policyViolation, closeReason(message));
    this.#gone();
  }

  #gone(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.docs.peerGone(this.peer);
  }
}

function toBytes(data: unknown): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data as Buffer[]));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data as Uint8Array;
}
