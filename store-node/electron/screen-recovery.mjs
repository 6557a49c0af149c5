// What the shell does when its window's page dies or hangs, decided from plain data (no Electron here).
//
//   page running ──render-process-gone──▶ crash counted ──(< maxCrashes in windowMs)──▶ reload the page
//                                                     └─(maxCrashes in windowMs)────▶ error page, retry after retryMs
//   page running ──unresponsive──▶ wait hangMs ──responsive──▶ page running
//                                            └──still hung──▶ kill the renderer (→ render-process-gone 'killed')
//
// Invariants: a crash never leaves a dead window (every crash gives a reload or the error page); a page that keeps
// crashing is not reloaded in a tight loop (at most maxCrashes loads per windowMs, then one retry per retryMs); the
// store node keeps running through all of it; a normal exit of the renderer ('clean-exit', e.g. while the window
// closes) is not a crash.

/** Defaults: three crashes within two minutes show the error page; it retries every 30 s; a page hung 15 s is killed. */
export const RECOVERY_DEFAULTS = Object.freeze({ maxCrashes: 3, windowMs: 120_000, retryMs: 30_000, hangMs: 15_000 });

const REASONS = {
  crashed: 'it crashed',
  oom: 'it ran out of memory',
  killed: 'it was stopped (hung, or ended by the system)',
  'abnormal-exit': 'it ended abnormally',
  'launch-failed': 'it could not be started',
  'integrity-failure': 'its code failed an integrity check',
  'memory-eviction': 'the system reclaimed its memory',
};

/**
 * The recovery settings, from the environment (STORE_CRASH_MAX, STORE_CRASH_WINDOW_MS, STORE_CRASH_RETRY_MS,
 * STORE_HANG_MS); each must be a positive whole number, else an Error names it.
 */
export function recoveryPolicy(env = {}) {
  const read = (name, fallback) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number, not "${raw}"`);
    return n;
  };
  return {
    maxCrashes: read('STORE_CRASH_MAX', RECOVERY_DEFAULTS.maxCrashes),
    windowMs: read('STORE_CRASH_WINDOW_MS', RECOVERY_DEFAULTS.windowMs),
    retryMs: read('STORE_CRASH_RETRY_MS', RECOVERY_DEFAULTS.retryMs),
    hangMs: read('STORE_HANG_MS', RECOVERY_DEFAULTS.hangMs),
  };
}

/** The state before any crash. */
export const NO_CRASHES = Object.freeze({ crashes: Object.freeze([]) });

/**
 * The page's renderer is gone (Electron's `render-process-gone` details: `{ reason, exitCode }`), at `now` (epoch ms).
 * Returns the next state and what to do: `{ do: 'nothing' }` for a clean exit, `{ do: 'reload' }`, or
 * `{ do: 'error-page', html, retryMs }` once `maxCrashes` fell within `windowMs`.
 */
export function rendererGone(state, details, now, policy = RECOVERY_DEFAULTS) {
  const reason = String(details?.reason ?? 'crashed');
  if (reason === 'clean-exit') return { state, effect: { do: 'nothing' } };
  const crashes = [...state.crashes.filter((t) => now - t < policy.windowMs), now];
  const next = { crashes };
  if (crashes.length < policy.maxCrashes) return { state: next, effect: { do: 'reload' } };
  const why = REASONS[reason] ?? `it ended (${reason})`;
  const minutes = Math.max(1, Math.round(policy.windowMs / 60_000));
  return {
    state: next,
    effect: {
      do: 'error-page',
      retryMs: policy.retryMs,
      html: errorPage('This screen stopped working', [
        `Its page stopped ${crashes.length} times in ${minutes === 1 ? 'a minute' : `${minutes} minutes`}; the last time ${why}.`,
        'The store node on this computer is still running: nothing that was saved is lost.',
        `Trying again in ${Math.round(policy.retryMs / 1000)} seconds. If this keeps happening, restart the computer or call support.`,
      ]),
    },
  };
}

/**
 * A plain local page (a data: URL, no script, nothing fetched) with a title and paragraphs; all text is escaped.
 * Used for the crash page and for a shell that cannot start.
 */
export function errorPage(title, paragraphs) {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('');
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">' +
    '<style>body{font:24px/1.5 system-ui,sans-serif;margin:12vh 10vw;color:#222;background:#fff}h1{font-size:40px}</style>' +
    `</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
  return `data:text/html;charset=utf-8,${encodeURIComponent(html)}`;
}

function escapeHtml(text) {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}
