/** Thrown by a part of the reviews module that its lane has not built yet (removed when every part is built). */
export function notBuilt(what: string): never {
  throw new Error(`reviews: ${what} is not built yet`);
}
