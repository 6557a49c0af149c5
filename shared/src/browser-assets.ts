/** The folder of browser modules both the console and the store's pages load (`/shared/dom.js`); each server serves it. */
export const browserAssetsDir = new URL('../browser/', import.meta.url);
