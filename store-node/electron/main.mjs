// The Electron shell of a store node: the node runs in this (main) process — database, sync, devices — and a window
// shows one of its pages. Kept thin on purpose: everything a person does goes through the same HTTP pages and API
// that browsers and the tests use. Configuration is the store node's environment (README, "Store node").
import { app, BrowserWindow } from 'electron';
import { windowPlan } from './window-plan.mjs';

// The store node is TypeScript run as is (the same files as `npm start`): tsx compiles it on load.
const { register } = await import('tsx/esm/api');
register();
const { createStoreNode, storeNodeConfigFromEnv } = await import('../src/index.ts');

const plan = windowPlan(process.argv, process.env);
const node = createStoreNode({ ...storeNodeConfigFromEnv(), host: '127.0.0.1' });

app.whenReady().then(async () => {
  const url = await node.start();
  const win = new BrowserWindow(plan.window);
  // Links stay inside the store node; anything else is refused rather than opened in this window.
  win.webContents.on('will-navigate', (e, target) => {
    if (!target.startsWith(url)) e.preventDefault();
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  await win.loadURL(url + plan.path);
});

let stopping = false;
app.on('before-quit', (e) => {
  if (stopping) return;
  e.preventDefault();
  stopping = true;
  node.stop().finally(() => app.exit(0)); // close the SQLite file cleanly before the process ends
});
app.on('window-all-closed', () => app.quit());
