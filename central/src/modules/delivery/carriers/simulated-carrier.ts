import type { Logger } from 'pino';
import type { Carrier, CarrierSimulation } from '../types.js';
import type { CarrierAdapter, CarrierAnswers, Driver, OfferSent } from './carrier.js';
import { seededRandom } from './seeded-random.js';

const FIRST_NAMES = ['Ana', 'Ben', 'Chloe', 'Dev', 'Eli', 'Fatima', 'Gus', 'Hana', 'Ivan', 'Jo', 'Kofi', 'Lena'];
const LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';

/**
 * A carrier that behaves like one, from its row's `simulator` (or its kind's default in demo/test mode): it answers
 * after a delay drawn between `answerMs`, accepts at `acceptRate`, stays silent at `silentRate` (the offer times
 * out), and a driver who accepted drops out before collecting at `dropOutRate`. Every draw comes from a stream seeded
 * with the carrier's code, the order's number and the offer's rank, so a run is the same on every hub and every time;
 * an offer handed over again after a restart gets the same answer, and the hub takes the first.
 */
export class SimulatedCarrier implements CarrierAdapter {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #stopped = false;

  constructor(
    readonly carrier: Carrier,
    readonly behaviour: CarrierSimulation,
    readonly log: Logger,
  ) {}

  offer(o: OfferSent, answers: CarrierAnswers): void {
    if (this.#stopped || this.#timers.has(o.offerId)) return;
    const draw = seededRandom(`${this.carrier.code}|${o.orderNumber}|${o.rank}`);
    if (draw() < this.behaviour.silentRate) return;
    const [least, most] = this.behaviour.answerMs;
    const delay = least + draw() * (most - least);
    const accepts = draw() < this.behaviour.acceptRate;
    const dropsOut = draw() < this.behaviour.dropOutRate;
    const driver = this.#driver(draw);
    this.#after(o.offerId, delay, async () => {
      await answers.answer(
        o.offerId,
        this.carrier.id,
        accepts ? 'ACCEPT' : 'DECLINE',
        accepts ? null : 'no driver free for it',
        accepts ? driver : undefined,
      );
      // Gone before collecting: after as long again as the answer took, at least a second.
      if (accepts && dropsOut)
        this.#after(`drop:${o.deliveryId}`, Math.max(1_000, delay), () =>
          answers.dropOut(o.deliveryId, this.carrier.id, `${driver.name} dropped out before collecting it`),
        );
    });
  }

  withdraw(offerId: string): void {
    this.#clear(offerId);
  }

  cancel(deliveryId: string): void {
    this.#clear(`drop:${deliveryId}`);
  }

  stop(): void {
    this.#stopped = true;
    for (const key of [...this.#timers.keys()]) this.#clear(key);
  }

  #driver(draw: () => number): Driver {
    const pick = (s: string | readonly string[]) => s[Math.floor(draw() * s.length)]!;
    const name = `${pick(FIRST_NAMES)} ${pick(LETTERS)}.`;
    switch (this.carrier.kind) {
      case 'DRONE':
        return { name: this.carrier.name.slice(0, 100), vehicle: this.carrier.code.slice(0, 40) };
      case 'VAN':
        return { name, vehicle: this.carrier.code.slice(0, 40) };
      default: {
        const plate = `${1 + Math.floor(draw() * 9)}${pick(LETTERS)}${pick(LETTERS)}${pick(LETTERS)}${String(Math.floor(draw() * 1000)).padStart(3, '0')}`;
        return { name, vehicle: plate };
      }
    }
  }

  #after(key: string, ms: number, fn: () => Promise<unknown>): void {
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      if (this.#stopped) return;
      fn().catch((err: unknown) =>
        this.log.warn({ err, carrier: this.carrier.code }, 'a simulated carrier could not give its answer'),
      );
    }, ms);
    timer.unref();
    this.#timers.set(key, timer);
  }

  #clear(key: string): void {
    const t = this.#timers.get(key);
    if (t) clearTimeout(t);
    this.#timers.delete(key);
  }
}

/**
 * An in-house van: the hub's own fleet, no outside party to ask. It takes every offer at once; whether it has room
 * (stops and weight) on its shift is decided by the hub when the answer is recorded, under the van's row lock, so two
 * offers racing for its last slot cannot both get it (service: the in-house rule).
 */
export class InHouseVan implements CarrierAdapter {
  #stopped = false;
  readonly #pending = new Set<NodeJS.Immediate>();

  constructor(
    readonly carrier: Carrier,
    readonly log: Logger,
  ) {}

  offer(o: OfferSent, answers: CarrierAnswers): void {
    if (this.#stopped) return;
    const driver = { name: this.carrier.name.slice(0, 100), vehicle: this.carrier.code.slice(0, 40) };
    const job = setImmediate(() => {
      this.#pending.delete(job);
      if (this.#stopped) return;
      answers
        .answer(o.offerId, this.carrier.id, 'ACCEPT', null, driver)
        .catch((err: unknown) =>
          this.log.warn({ err, carrier: this.carrier.code }, 'an in-house van could not answer'),
        );
    });
    this.#pending.add(job);
  }

  withdraw(): void {
    // Answered at once: nothing left to take back.
  }

  cancel(): void {
    // The van's run is re-planned without the delivery (the planner hears of the cancel).
  }

  stop(): void {
    this.#stopped = true;
    for (const job of this.#pending) clearImmediate(job);
    this.#pending.clear();
  }
}
