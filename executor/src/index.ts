export * from './executor.js';
export * from './errors.js';
export { PRIORITIES, type Priority } from './task-queue.js';
