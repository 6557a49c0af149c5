// What a person at the machine is told when the shell cannot start, decided from the error alone (no Electron here).
// The shell logs the error with its stack and shows only this: a title and a few plain sentences that say what
// happened and what to do — never a stack trace on a customer's screen.

/**
 * The message for a start-up failure: `{ title, text }`. `err` is what the shell caught: a listen error
 * (`code` EADDRINUSE or EACCES, with `port`), a configuration error (a bad --page, a bad environment value), or
 * anything else. `port` is the configured port, used when the error does not carry one.
 */
export function startFailure(err, { port } = {}) {
  const title = 'Storefleet Store cannot start';
  const at = err?.port ?? port;
  if (err?.code === 'EADDRINUSE') {
    return {
      title,
      text:
        `Port ${at} on this computer is already in use by another program, so the store node cannot open its screens. ` +
        'Close that program (or another copy of Storefleet Store started from another account), or set PORT to a free ' +
        'port, then start Storefleet Store again.',
    };
  }
  if (err?.code === 'EACCES') {
    return {
      title,
      text: `This account may not use port ${at}. Set PORT to a port above 1024, then start Storefleet Store again.`,
    };
  }
  const detail = (typeof err?.message === 'string' && err.message !== '' ? err.message : String(err)).replace(
    /[.\s]+$/,
    '',
  );
  return {
    title,
    text: `${detail}. The details are in the store node's log. Fix the setting, then start Storefleet Store again.`,
  };
}
