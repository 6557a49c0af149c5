/**
 * The demo's seeders go on past a refused step (a second `npm start` finds the venue already there): `attempt` runs
 * one step and keeps what refused it, shortened, in `refused` for the seeder's closing line.
 */
export function attempts(): {
  refused: string[];
  attempt<T>(what: string, f: () => Promise<T>): Promise<T | undefined>;
} {
  const refused: string[] = [];
  return {
    refused,
    async attempt(what, f) {
      try {
        return await f();
      } catch (err) {
        refused.push(`${what}: ${(err as Error).message.slice(0, 160)}`);
        return undefined;
      }
    },
  };
}
