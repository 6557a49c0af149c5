// Module hook: `import … from 'electron'` (and 'electron-updater', which drives Electron) gets the stand-in beside
// this file; everything else resolves as usual.
const STANDINS = { electron: './electron.mjs', 'electron-updater': './electron-updater.mjs' };

export async function resolve(specifier, context, next) {
  if (Object.hasOwn(STANDINS, specifier))
    return { url: new URL(STANDINS[specifier], import.meta.url).href, shortCircuit: true };
  return next(specifier, context);
}
