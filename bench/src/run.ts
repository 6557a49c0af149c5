/**
 * `npm run bench` runs every benchmark; `npm run bench -- NAME [NAME…]` runs the named ones. Each prints progress on
 * stderr and, last, one JSON line per figure on stdout (DESIGN.md, "Benchmark output contract"), as soon as it ends.
 * One that throws is reported on stderr and sets exit code 1; the rest still run.
 */
import { hubHttp } from './benches/hub-http.js';
import { syncCatchup } from './benches/sync-catchup.js';
import { syncFleet } from './benches/sync-fleet.js';
import { syncReconnectStorm } from './benches/sync-reconnect-storm.js';
import { syncBootstrap } from './benches/sync-bootstrap.js';
import { reserveBench } from './benches/reserve.js';
import { availabilityBench } from './benches/availability.js';
import { posBench } from './benches/pos.js';
import { rfidBench } from './benches/rfid.js';
import { executorBench, executorPriorityBench } from './benches/executor.js';
import { ordersBench } from './benches/orders.js';
import { cartMergeBench } from './benches/cart-merge.js';
import { hubDisk } from './benches/hub-disk.js';
import { offlineShiftBench } from './benches/offline-shift.js';
import { productSearchBench } from './benches/product-search.js';
import { vrptwBench } from './benches/vrptw.js';
import { deliveryAssignBench } from './benches/delivery-assign.js';
import { bookingBench } from './benches/booking.js';
import { tagsBench } from './benches/tags.js';
import { tagsStoreBench } from './benches/tags-store.js';
import { recsEvalBench } from './benches/recs-eval.js';
import { recsServeBench } from './benches/recs-serve.js';
import { reviewsEvalBench } from './benches/reviews-eval.js';
import { reviewsFeedBench } from './benches/reviews-feed.js';
import { reviewsScoreBench } from './benches/reviews-score.js';
import { pricingBench } from './benches/pricing.js';
import { vaultCheckBench } from './benches/vault-check.js';
import { vaultIoBench } from './benches/vault-io.js';
import { registryBench } from './benches/registry.js';
import { graphqlBench } from './benches/graphql.js';
import { fleetBlackFriday } from './benches/fleet-black-friday.js';
import type { Benchmark } from './figure.js';

const ALL: readonly Benchmark[] = [
  hubHttp,
  syncCatchup,
  syncFleet,
  syncReconnectStorm,
  syncBootstrap,
  reserveBench,
  availabilityBench,
  posBench,
  rfidBench,
  executorBench,
  executorPriorityBench,
  ordersBench,
  cartMergeBench,
  offlineShiftBench,
  productSearchBench,
  vrptwBench,
  deliveryAssignBench,
  bookingBench,
  tagsBench,
  tagsStoreBench,
  recsEvalBench,
  recsServeBench,
  reviewsEvalBench,
  reviewsScoreBench,
  reviewsFeedBench,
  pricingBench,
  vaultCheckBench,
  vaultIoBench,
  registryBench,
  graphqlBench,
  fleetBlackFriday,
  hubDisk,
];

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !ALL.some((b) => b.name === w));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${ALL.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const chosen = wanted.length ? ALL.filter((b) => wanted.includes(b.name)) : ALL;
for (const b of chosen) {
  console.error(`▶ ${b.name}: ${b.description}`);
  const started = Date.now();
  try {
    const figures = await b.run();
    console.error(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // Printed as each benchmark ends: a later one that fails or hangs does not take these figures with it.
    if (figures.length) console.log(figures.map((f) => JSON.stringify(f)).join('\n'));
  } catch (err) {
    console.error(`BENCH FAILED: ${b.name} stopped after ${((Date.now() - started) / 1000).toFixed(1)} s:`, err);
    process.exitCode = 1;
  }
}
// A benchmark whose correctness check failed sets process.exitCode after printing its figures (the check is one).
process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
