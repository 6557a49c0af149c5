export { HubDocs, type PeerSender } from './hub-docs.js';
export {
  DocAccess,
  type DocAccessRule,
  type DocContentRule,
  type DocNamespaceRules,
  type DocReadGate,
  type DocRight,
} from './doc-access.js';
export { DocRepository, DOC_CHANNEL } from './doc-repository.js';
