import { describe } from 'vitest';
import { openDb } from '../src/db/open-db.js';
import { bothDbTargets } from './support/db-targets.js';
import { runDbConformance } from './support/db-conformance.js';

for (const target of bothDbTargets) {
  describe(`Db on ${target.name}`, () => {
    runDbConformance(async () => {
      const place = await target.open();
      const db = await openDb(place);
      return { db, drop: place.drop };
    });
  });
}
