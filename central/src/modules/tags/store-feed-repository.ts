import type { Queryable } from '../../db/db.js';
import { TAG_COLUMNS, toTag } from './repository.js';
import type { Tag } from './types.js';

/** The store feed's SQL (the `tags` section and the announcer); product rows come from TagsRepository. */
export class TagsStoreFeedRepository {
  constructor(readonly db: Queryable) {}

  /** Rows in the section: tags (tombstones too) and the rows of products ever tagged. */
  async rowCount(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      'SELECT ((SELECT count(*) FROM tags) + (SELECT count(*) FROM tag_products WHERE ever_tagged))::int AS n',
    );
    return rows[0]!.n;
  }

  /**
   * The newest version a store can hear of: of the tags and of the products ever tagged (the catalog numbering's
   * versions for never-tagged products change nothing a store holds, so they are not announced).
   */
  async storeVersion(): Promise<number> {
    const { rows } = await this.db.query<{ v: string | null }>(
      `SELECT greatest((SELECT max(version) FROM tags),
                       (SELECT max(version) FROM tag_products WHERE ever_tagged))::text AS v`,
    );
    return Number(rows[0]!.v ?? 0);
  }

  /** Tags (tombstones too) after (version, id), oldest version first. */
  async tagsChangedAfter(version: number, id: number, limit: number): Promise<Tag[]> {
    const { rows } = await this.db.query<Parameters<typeof toTag>[0]>(
      `SELECT ${TAG_COLUMNS} FROM tags WHERE (version, id) > ($1, $2) ORDER BY version, id LIMIT $3`,
      [version, id, limit],
    );
    return rows.map(toTag);
  }

  /**
   * The version last announced, its row locked until the transaction ends: one announcer at a time, without the
   * writers' lock (tag writes and bulk chunks go on while it broadcasts).
   */
  async lockAnnounced(): Promise<number> {
    const { rows } = await this.db.query<{ version: string }>(
      'SELECT version::text AS version FROM tag_announcements WHERE id = 1 FOR UPDATE',
    );
    return Number(rows[0]?.version ?? 0);
  }

  async setAnnounced(version: number): Promise<void> {
    await this.db.query('UPDATE tag_announcements SET version = $1 WHERE id = 1', [version]);
  }
}
