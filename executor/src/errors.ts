/** The queue is full (policy REJECT) or the executor no longer takes work. */
export class RejectedError extends Error {
  override readonly name = 'RejectedError';
}

/** A task ran past its timeout; its worker was terminated and replaced. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** The caller's AbortSignal fired: the task was removed from the queue or its worker terminated. */
export class AbortError extends Error {
  override readonly name = 'AbortError';
}

/** The worker running the task died (it exited, ran out of memory, or failed outside the task). */
export class WorkerCrashedError extends Error {
  override readonly name = 'WorkerCrashedError';
}

/** A queued LOW task pushed out by newer work under the DROP_OLDEST_LOW policy, or dropped by shutdownNow(). */
export class DroppedError extends Error {
  override readonly name = 'DroppedError';
}

/** An error thrown by the task itself, carried back from the worker. */
export class TaskError extends Error {
  override readonly name = 'TaskError';
  constructor(
    message: string,
    /** The name of the error the task threw (TypeError, RangeError, a custom one). */
    readonly taskErrorName: string,
    readonly taskStack: string | undefined,
  ) {
    super(message);
  }
}
