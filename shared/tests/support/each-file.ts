import { resetUuidv7ClockForTests } from '../../src/ids.js';

/**
 * Runs before every test file (vitest.config.ts `setupFiles`). Test files share their worker's modules, so what a module
 * keeps for its process is reset here to how a new process starts.
 */
resetUuidv7ClockForTests();
