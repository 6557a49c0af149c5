export * from './epc/sgtin96.js';
