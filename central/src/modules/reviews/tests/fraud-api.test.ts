import { beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { signedInHub } from '../../../../tests/support/signed-in-hub.js';

/**
 * Scoring through the API as a web/app backend submits (head office naming the customer and the client): a copied
 * review is sent to a moderator with NEAR_DUPLICATE naming the original, an author's edit replaces the text that later
 * copies are compared with, and a burst from one address is named with its count — the reasons stored on the row.
 */
const KETTLE =
  'I bought this kettle for my mother and she uses it every single morning. It boils a full litre in under three ' +
  'minutes, the handle stays cool, and the lid opens with one finger. The blue light is a bit bright at night but ' +
  'otherwise it is the best kettle we have owned in twenty years of making tea.';
const TOASTER =
  'The toaster browns both sides evenly even on the lowest setting, and the crumb tray slides out from the front ' +
  'so cleaning takes a minute. It is louder than our old one when it pops, which startles the dog every morning.';

interface Reason {
  code: string;
  weight: number;
  detail: string;
}

describe.each(dbTargets)('fraud scoring through the API on $name', (target) => {
  const s = signedInHub(target);
  /** A customer the customers module knows (an unknown one is 404 for head office). */
  const customer = async (): Promise<string> => {
    const r = await s.t.call('POST', '/api/customers', { name: 'Fraud Test' }, { cookie: s.admin });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };
  /** The write's answer is the author's view (no score, no reasons): head office reads the scoring back. */
  const scored = async (r: { status: number; body: { id: string } }) => {
    if (r.status !== 200 && r.status !== 201) return r;
    const got = await s.t.call('GET', `/api/reviews/${r.body.id}`, undefined, { cookie: s.admin });
    expect(got.status).toBe(200);
    return { status: r.status, body: got.body };
  };
  const submit = async (body: Record<string, unknown>) =>
    scored(await s.t.call('POST', '/api/reviews', { rating: 5, title: 'Review', ...body }, { cookie: s.admin }));
  const codes = (r: { body: { fraud: { reasons: Reason[] } } }) => r.body.fraud.reasons.map((x) => x.code);

  beforeAll(async () => {
    const items = ['KETTLE-9', 'TOASTER-9', 'MUG-9'].map((sku) => ({
      sku,
      name: sku,
      category: 'Kitchen',
      priceMinor: 999,
    }));
    const r = await s.t.call('POST', '/api/catalog/products/import', { items }, { cookie: s.admin });
    expect(r.status).toBeLessThan(300);
  });

  it("sends another customer's copy to a moderator, naming the original; the author's edit replaces the text", async () => {
    const ana = await customer();
    const first = await submit({ sku: 'KETTLE-9', customerId: ana, body: KETTLE });
    expect(first.status).toBe(201);
    expect(codes(first)).not.toContain('NEAR_DUPLICATE');

    const copy = await submit({
      sku: 'KETTLE-9',
      customerId: await customer(),
      body: KETTLE.replace('mother', 'father'),
    });
    expect(copy.status).toBe(201);
    expect(copy.body.status).not.toBe('APPROVED');
    const dup = copy.body.fraud.reasons.find((x: Reason) => x.code === 'NEAR_DUPLICATE');
    expect(dup).toMatchObject({ weight: 0.7 });
    expect(dup.detail).toContain(`like review ${first.body.id} by another customer`);
    const { rows } = await s.t.hub.db.query<{ status: string; fraud_reasons: Reason[]; fraud_score: number }>(
      'SELECT status, fraud_reasons, fraud_score FROM reviews WHERE id = $1',
      [copy.body.id],
    );
    expect(rows[0]).toMatchObject({ status: copy.body.status, fraud_reasons: copy.body.fraud.reasons });
    expect(rows[0]!.fraud_score).toBeCloseTo(copy.body.fraud.score, 3);

    // Ana rewrites hers about the toaster: a copy of her new text is found, under her review's id
    const edited = await scored(
      await s.t.call(
        'PUT',
        `/api/reviews/${first.body.id}`,
        { customerId: ana, rating: 4, title: 'Review', body: TOASTER },
        { cookie: s.admin },
      ),
    );
    expect(edited.status).toBe(200);
    // the copy put her original on hold (its reason names the copy); an edit keeps a hold, and her own earlier text
    // is no duplicate of her new one
    expect(edited.body.status).toBe('MANUAL_REVIEW');
    const dupDetails = edited.body.fraud.reasons
      .filter((x: Reason) => x.code === 'NEAR_DUPLICATE')
      .map((x: Reason) => x.detail);
    expect(dupDetails.some((d: string) => d.includes(copy.body.id))).toBe(true);
    expect(dupDetails.some((d: string) => d.includes(`like review ${first.body.id}`))).toBe(false);
    const copy2 = await submit({ sku: 'TOASTER-9', customerId: await customer(), body: TOASTER.replace('dog', 'cat') });
    expect(copy2.status).toBe(201);
    expect(copy2.body.fraud.reasons.find((x: Reason) => x.code === 'NEAR_DUPLICATE')?.detail).toContain(
      `like review ${first.body.id} by another customer`,
    );
  });

  it('names a burst from one address with its count and customers, on the sixth review within the hour', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++)
      answers.push(
        await submit({
          sku: 'MUG-9',
          customerId: await customer(),
          rating: 3,
          body: `Mug number ${i}: it holds ${300 + i} ml and the glaze chipped after ${i + 2} washes.`,
          client: { ip: '203.0.113.9', deviceId: `phone-${i}` },
        }),
      );
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201, 201]);
    expect(answers.slice(0, 5).flatMap(codes)).not.toContain('IP_BURST');
    expect(answers[5]!.body.fraud.reasons).toContainEqual({
      code: 'IP_BURST',
      weight: 0.55,
      detail: '6 reviews from 203.0.113.9 in the last hour, by 6 customers',
    });
    expect(answers[5]!.body.status).not.toBe('APPROVED');
  });
});
