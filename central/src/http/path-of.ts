/**
 * The path of an upgrade's request target, or undefined when it is not a URL at all (`//`, `http://[`). Used by every
 * upgrade handler (the stores' `/sync`, the module sockets) to pick its requests without throwing on bad input.
 */
export function pathOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'http://hub').pathname;
  } catch {
    return undefined;
  }
}
