import { PassThrough, type Readable } from 'node:stream';

/** Reads a stream of its own; its promise settling (early or at the end) means it wants no more bytes. */
export type StreamConsumer<T> = (stream: Readable) => Promise<T>;

/**
 * Feeds one source to several consumers at once, at the pace of the slowest one still reading (so a 1 GB version is
 * read once, never held): each consumer gets its own stream with the same bytes. A consumer that settles before the
 * end is dropped and the others go on. When the source fails (a segment that fails its GCM check), every consumer's
 * stream fails with that error, and the source's error is what this rejects with once they have all settled;
 * otherwise it resolves with each consumer's result, or rejects with the first consumer's error.
 */
export async function teeInto<T extends readonly unknown[]>(
  source: Readable,
  consumers: { readonly [K in keyof T]: StreamConsumer<T[K]> },
): Promise<T> {
  const branches = consumers.map((consume) => {
    const stream = new PassThrough({ highWaterMark: 64 * 1024 });
    // a consumer that never attached to its stream must not turn the source's failure into an uncaught 'error'
    stream.on('error', () => undefined);
    const branch = { stream, live: true, result: undefined as unknown as Promise<unknown> };
    branch.result = Promise.resolve()
      .then(() => consume(stream))
      .finally(() => {
        branch.live = false;
        // what it did not read is let go of
        if (!stream.writableEnded) stream.destroy();
        stream.emit('consumer-settled');
      });
    return branch;
  });
  let failure: unknown = null;
  try {
    for await (const chunk of source) {
      const live = branches.filter((b) => b.live);
      if (!live.length) break;
      const waits: Promise<void>[] = [];
      for (const b of live) if (!b.stream.write(chunk)) waits.push(roomIn(b.stream));
      await Promise.all(waits);
    }
  } catch (err) {
    failure = err;
  }
  for (const b of branches) {
    if (!b.live || b.stream.destroyed) continue;
    if (failure) b.stream.destroy(failure as Error);
    else b.stream.end();
  }
  const settled = await Promise.allSettled(branches.map((b) => b.result));
  if (failure) throw failure;
  if (!source.destroyed) source.destroy(); // a source left unread when every consumer stopped early
  const rejected = settled.find((s) => s.status === 'rejected');
  if (rejected) throw (rejected as PromiseRejectedResult).reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Resolves when the branch can take more, or will take no more (its consumer settled, the stream was destroyed). */
function roomIn(stream: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('consumer-settled', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('consumer-settled', done);
  });
}
