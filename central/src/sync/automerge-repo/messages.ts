import { decode, encode } from 'cbor-x';
import { z } from 'zod';

/**
 * The wire of @automerge/automerge-repo-network-websocket, as the hub reads and writes it. Every frame is one binary
 * WebSocket message holding one CBOR map with a `type`:
 *
 *   client → hub   join {senderId, peerMetadata, supportedProtocolVersions}     first, once
 *   hub → client   peer {senderId, targetId, peerMetadata, selectedProtocolVersion: '1'}
 *   either way     request | sync {senderId, targetId, documentId, data}       data: an Automerge sync message
 *   hub → client   doc-unavailable {senderId, targetId, documentId}            "not here, or not for you"
 *   hub → client   error {senderId, targetId, message}                         then the hub closes the socket
 *   client → hub   ephemeral, remote-subscription-change, remote-heads-changed  read and ignored (no relay, no storage ids)
 *
 * A frame that is not CBOR, not a map with a string `type` and `senderId`, or a known type with fields of the wrong
 * shape is malformed; an unknown `type` is ignored (a newer client may send kinds this hub does not take).
 */

/** The only protocol version automerge-repo's WebSocket adapters speak so far. */
export const PROTOCOL_VERSION = '1';

const peerId = z.string().min(1).max(200);
/** A DocumentId is bs58check of 16 bytes (~22 characters); anything much longer is not one. */
const documentId = z.string().min(1).max(100);
const bytes = z.instanceof(Uint8Array);

const join = z.object({
  type: z.literal('join'),
  senderId: peerId,
  peerMetadata: z.record(z.string(), z.unknown()).optional(),
  supportedProtocolVersions: z.array(z.string().max(20)).max(20).optional(),
});
const syncFrame = z.object({
  type: z.enum(['request', 'sync']),
  senderId: peerId,
  targetId: peerId.optional(),
  documentId,
  data: bytes,
});
const unavailable = z.object({ type: z.literal('doc-unavailable'), senderId: peerId, documentId });
const envelope = z.object({ type: z.string().min(1).max(100), senderId: peerId });

export type JoinFrame = z.infer<typeof join>;
export type SyncFrame = z.infer<typeof syncFrame>;

/** What the hub makes of one frame from a client. */
export type ClientFrame =
  | JoinFrame
  | SyncFrame
  | z.infer<typeof unavailable>
  | { type: 'ignored'; kind: string }
  | { type: 'malformed'; problem: string };

const KNOWN = new Set(['join', 'request', 'sync', 'doc-unavailable']);

/** Reads one binary frame; never throws (a bad frame is `malformed`, with what was wrong). */
export function readClientFrame(frame: Uint8Array): ClientFrame {
  let value: unknown;
  try {
    value = decode(frame);
  } catch (err) {
    return { type: 'malformed', problem: `not CBOR (${(err as Error).message.slice(0, 80)})` };
  }
  const base = envelope.safeParse(value);
  if (!base.success) return { type: 'malformed', problem: 'not a message: a map with a type and a senderId' };
  if (!KNOWN.has(base.data.type)) return { type: 'ignored', kind: base.data.type };
  const schema = base.data.type === 'join' ? join : base.data.type === 'doc-unavailable' ? unavailable : syncFrame;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      type: 'malformed',
      problem: `a ${base.data.type} message with ${issue?.path.join('.') || 'a field'} of the wrong shape`,
    };
  }
  return parsed.data;
}

/** What the hub sends; `senderId` is the hub's peer id, `targetId` the client's. */
export type HubFrame =
  | { type: 'peer'; senderId: string; targetId: string; peerMetadata: object; selectedProtocolVersion: string }
  | { type: 'sync'; senderId: string; targetId: string; documentId: string; data: Uint8Array }
  | { type: 'doc-unavailable'; senderId: string; targetId: string; documentId: string }
  | { type: 'error'; senderId: string; targetId: string; message: string };

export function encodeHubFrame(frame: HubFrame): Uint8Array {
  return encode(frame);
}
