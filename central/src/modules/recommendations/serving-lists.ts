import type { AnchorNeighbours } from './hybrid.js';
import type { Candidate } from './types.js';

/** Products' neighbour lists and popular scopes remembered per model at most; past it the memory starts over. */
const MAX_REMEMBERED = 50_000;

/**
 * The active model's shared lists (products' neighbours, popular scopes) as this hub has read them. A model's rows
 * never change once it is ACTIVE (training writes them before the flip), so a list read once is good for as long as
 * that version serves; a new version starts the memory over. A product or scope the model has no row for is
 * remembered as such, so it is not asked again. Customers' own candidates are not kept: each is one row read once
 * per request with the customer's purchases anyway.
 */
export class ModelLists {
  #version: number | null = null;
  readonly #neighbours = new Map<string, AnchorNeighbours | null>();
  readonly #popular = new Map<string, Candidate[] | null>();

  /** Forgets everything when `version` is not the one remembered. */
  #at(version: number): void {
    if (this.#version === version) return;
    this.#version = version;
    this.#neighbours.clear();
    this.#popular.clear();
  }

  /** Of `skus`, those whose neighbours `version` has not been asked for yet. */
  missingNeighbours(version: number, skus: readonly string[]): string[] {
    this.#at(version);
    return skus.filter((sku) => !this.#neighbours.has(sku));
  }

  missingScopes(version: number, scopes: readonly string[]): string[] {
    this.#at(version);
    return scopes.filter((scope) => !this.#popular.has(scope));
  }

  /**
   * Remembers what one read of `version` found for the skus and scopes it asked (none found: remembered as none).
   * A read of an older version (the model flipped meanwhile) is not remembered.
   */
  remember(
    version: number,
    asked: { skus: readonly string[]; scopes: readonly string[] },
    found: { neighbours: ReadonlyMap<string, AnchorNeighbours>; popular: ReadonlyMap<string, Candidate[]> },
  ): void {
    if (this.#version !== version) return;
    if (this.#neighbours.size + asked.skus.length > MAX_REMEMBERED) this.#neighbours.clear();
    if (this.#popular.size + asked.scopes.length > MAX_REMEMBERED) this.#popular.clear();
    for (const sku of asked.skus) this.#neighbours.set(sku, found.neighbours.get(sku) ?? null);
    for (const scope of asked.scopes) this.#popular.set(scope, found.popular.get(scope) ?? null);
  }

  /** The remembered neighbours of `skus` (those with any). */
  neighbours(version: number, skus: readonly string[]): Map<string, AnchorNeighbours> {
    this.#at(version);
    const out = new Map<string, AnchorNeighbours>();
    for (const sku of skus) {
      const nb = this.#neighbours.get(sku);
      if (nb) out.set(sku, nb);
    }
    return out;
  }

  /** The remembered lists of `scopes` (those the model has). */
  popular(version: number, scopes: readonly string[]): Map<string, Candidate[]> {
    this.#at(version);
    const out = new Map<string, Candidate[]>();
    for (const scope of scopes) {
      const list = this.#popular.get(scope);
      if (list) out.set(scope, list);
    }
    return out;
  }
}
