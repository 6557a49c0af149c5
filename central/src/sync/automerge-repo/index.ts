export { AUTOMERGE_PATH, AutomergeSockets, type AutomergeSocketOptions } from './automerge-sockets.js';
