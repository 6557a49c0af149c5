/**
 * A rebuild's scan as Postgres writes it (TagsRepository.tagPostingsInRange): texts of `12{3,7}13{}14{7}…`, each
 * product's number then its tags, read here into typed arrays (a few hundred texts per range, not one int[] per
 * product through node-postgres).
 */

/** A growing list of product numbers. */
class Numbers {
  values = new Uint32Array(64);
  length = 0;
  push(n: number): void {
    if (this.length === this.values.length) {
      const grown = new Uint32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = n;
  }
  done(): Uint32Array {
    return this.values.subarray(0, this.length);
  }
}

/** Reads texts `12{3,7}13{}14{7}` (product number, then its tags) into the products and each tag's products. */
export function readPostings(scans: readonly string[]): { tagId: number | null; productNos: Uint32Array }[] {
  const all = new Numbers();
  const byTag: Numbers[] = [];
  for (const scan of scans) {
    let n = 0;
    let digits = false;
    let product = 0;
    for (let i = 0; i < scan.length; i++) {
      const c = scan.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        n = n * 10 + (c - 48);
        digits = true;
      } else if (c === 123 /* { */) {
        product = n;
        all.push(product);
        n = 0;
        digits = false;
      } else if (c === 44 /* , */ || c === 125 /* } */) {
        if (digits) {
          let nos = byTag[n];
          if (!nos) {
            nos = new Numbers();
            byTag[n] = nos;
          }
          nos.push(product);
        }
        n = 0;
        digits = false;
      } else throw new Error(`a rebuild's scan read an unexpected character ${JSON.stringify(scan[i])} at ${i}`);
    }
  }
  const out: { tagId: number | null; productNos: Uint32Array }[] = [];
  if (all.length) out.push({ tagId: null, productNos: all.done() });
  byTag.forEach((nos, tagId) => {
    if (nos) out.push({ tagId, productNos: nos.done() });
  });
  return out;
}
