export { HubDocs, type PeerSender } from './hub-docs.js';
export { DocAccess, type DocAccessRule, type DocRight } from './doc-access.js';
export { DocRepository, DOC_CHANNEL } from './doc-repository.js';
