import type { Db } from '../../db/db.js';
import type { ChangeBus } from '../../kernel/change-bus.js';

export const DOC_CHANNEL = 'sf_doc';

export interface DocChunk {
  readonly seq: number;
  readonly data: Uint8Array;
}

/** All SQL of the hub's document store. */
export class DocRepository {
  constructor(
    readonly db: Db,
    readonly now: () => number,
    readonly bus: ChangeBus,
  ) {}

  async chunks(docId: string, afterSeq = 0): Promise<DocChunk[]> {
    const { rows } = await this.db.query<{ seq: number; data: Uint8Array }>(
      'SELECT seq, data FROM sync_doc_chunks WHERE doc_id = $1 AND seq > $2 ORDER BY seq',
      [docId, afterSeq],
    );
    return rows.map((r) => ({ seq: r.seq, data: new Uint8Array(r.data) }));
  }

  /** Appends changes and tells every replica (at commit) that the document moved. */
  async append(docId: string, data: Uint8Array): Promise<number> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ seq: number }>(
        'INSERT INTO sync_doc_chunks (doc_id, data, created_at) VALUES ($1, $2, $3) RETURNING seq',
        [docId, Buffer.from(data), this.now()],
      );
      await this.bus.publish(tx, DOC_CHANNEL, docId);
      return rows[0]!.seq;
    });
  }

  /** Replaces chunks up to `throughSeq` by one snapshot of them (later chunks stay). */
  async compact(docId: string, snapshot: Uint8Array, throughSeq: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM sync_doc_chunks WHERE doc_id = $1 AND seq <= $2', [docId, throughSeq]);
      await tx.query('INSERT INTO sync_doc_chunks (doc_id, data, created_at) VALUES ($1, $2, $3)', [
        docId,
        Buffer.from(snapshot),
        this.now(),
      ]);
    });
  }
}
