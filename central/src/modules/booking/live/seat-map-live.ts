import type { HubContext } from '../../../kernel/module-contract.js';
import type { SocketHandler } from '../../../kernel/module-sockets.js';
import type { SeatHolder } from '../types.js';

/** The live seat map (lane C): one batched frame per show per tick to every viewer. */
export class SeatMapLive {
  readonly sockets: Record<string, SocketHandler> = {};

  constructor(
    readonly ctx: HubContext,
    readonly holds: SeatHolder,
  ) {}

  async start(): Promise<void> {}

  async stop(): Promise<void> {}
}
