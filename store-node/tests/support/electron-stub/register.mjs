// `node --import ./register.mjs electron/main.mjs`: runs the Electron shell's main script under plain Node, with
// `electron` resolved to the stand-in beside this file (the Electron binary is not installed for tests).
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
