import { describe, expect, it } from 'vitest';
import { checkFeed } from '../src/feed-check.js';

describe('checkFeed: does the store still agree with the hub at its cursor', () => {
  it.each([
    {
      why: 'an older hub says nothing',
      cursor: 5,
      mine: { seq: 5, createdAt: 100 },
      hub: undefined,
      verdict: 'unknown',
    },
    { why: 'nothing applied yet', cursor: 0, mine: null, hub: null, verdict: 'agree' },
    {
      why: 'the hub pruned the entry or rebased by itself',
      cursor: 5,
      mine: { seq: 5, createdAt: 100 },
      hub: null,
      verdict: 'agree',
    },
    {
      why: 'the same entry',
      cursor: 5,
      mine: { seq: 5, createdAt: 100 },
      hub: { seq: 5, createdAt: 100 },
      verdict: 'agree',
    },
    {
      why: 'a restored hub wrote another entry there',
      cursor: 5,
      mine: { seq: 5, createdAt: 100 },
      hub: { seq: 5, createdAt: 250 },
      verdict: 'rebase',
    },
    {
      why: 'applied before identities were kept',
      cursor: 5,
      mine: { seq: 5, createdAt: null },
      hub: { seq: 5, createdAt: 250 },
      verdict: 'adopt',
    },
    {
      why: 'an identity kept for an older cursor',
      cursor: 5,
      mine: { seq: 4, createdAt: 90 },
      hub: { seq: 5, createdAt: 250 },
      verdict: 'adopt',
    },
    {
      why: 'an answer about another seq',
      cursor: 5,
      mine: { seq: 5, createdAt: 100 },
      hub: { seq: 6, createdAt: 250 },
      verdict: 'unknown',
    },
  ] as const)('$why → $verdict', ({ cursor, mine, hub, verdict }) => {
    expect(checkFeed(cursor, mine, hub)).toBe(verdict);
  });
});
