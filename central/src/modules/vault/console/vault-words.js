// The Documents page's words: sizes, levels, scan states and who a grant or an owner is, as people read them.
import { h, idTail, storeLabel } from '/console/lib.js';

/** The folder every other node descends from (shared's VAULT_ROOT_ID). */
export const ROOT_ID = '00000000-0000-4000-8000-000000000000';
/** The permission levels, weakest first (each includes the ones before it). */
export const LEVELS = ['READ', 'WRITE', 'DELETE', 'SHARE', 'OWNER'];
/** How long a deleted node stays restorable (the hub's trash sweep says the same). */
export const TRASH_DAYS = 30;

/** 1 for READ … 5 for OWNER; 0 for none or a level this page does not know. */
export const rank = (level) => LEVELS.indexOf(level) + 1;
/** Whether `node`'s caller holds at least `level` on it. */
export const may = (node, level) => rank(node?.level) >= rank(level);

const LEVEL_WORDS = {
  READ: 'read',
  WRITE: 'edit',
  DELETE: 'edit and delete',
  SHARE: 'edit, delete and share',
  OWNER: 'owner',
};
/** "read", "edit", … "owner": what a level lets a person do. */
export const levelWords = (level) => LEVEL_WORDS[level] ?? '—';

/** A size in the units people read: "0 B", "812 B", "12.4 KB", "3.1 MB" (powers of 1024); "—" for none. */
export function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toLocaleString(undefined, { maximumFractionDigits: v < 10 ? 1 : 0 })} ${units[u]}`;
}

/** A whole percentage of `done` out of `total` ("0 %" for an empty file once it is sent). */
export const percent = (done, total) => (total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100);

/**
 * A version's scan state in words, or '' when it is clean (nothing to say): "being scanned", "quarantined: EICAR
 * test file", "not scanned".
 */
export function scanWords(state, detail) {
  if (!state || state === 'CLEAN') return '';
  if (state === 'PENDING') return 'being scanned';
  // the anti-virus test file has a name people know; anything else as the scanner named it
  if (state === 'INFECTED')
    return `quarantined${/eicar-test-signature/i.test(detail ?? '') ? ': EICAR test file' : detail ? `: ${detail}` : ''}`;
  if (state === 'UNSCANNED') return 'not scanned';
  return String(state).toLowerCase();
}
/** The scan state as a badge (nothing when clean). */
export function scanBadge(state, detail) {
  const words = scanWords(state, detail);
  if (!words) return '';
  return h('span', { class: `badge ${state === 'INFECTED' ? 'bad' : 'warn'}` }, words);
}

/** A type people know for common media types, else the media type itself. */
export function typeWords(node) {
  if (node.kind === 'FOLDER') return 'Folder';
  const t = String(node.mediaType ?? '').split(';')[0];
  const known = {
    'text/plain': 'Text',
    'text/markdown': 'Markdown',
    'text/csv': 'CSV',
    'text/html': 'HTML',
    'application/pdf': 'PDF',
    'application/json': 'JSON',
    'application/octet-stream': 'File',
    'image/png': 'PNG image',
    'image/jpeg': 'JPEG image',
    'image/gif': 'GIF image',
    'image/webp': 'WebP image',
  };
  return known[t] ?? (t || 'File');
}

const ROLE_WORDS = {
  'role:ADMIN': 'Head office admins',
  'role:STORE_MANAGER': 'Store managers',
  'role:ASSOCIATE': 'Store associates',
};

/**
 * Who a subject is, as the page can tell: a person's name and email, a store's code and name, a group's name, a
 * role, everyone. `names` holds what the page could read (`users`, `stores`, `groups`: Maps by id); a subject it
 * could not resolve shows its kind and the tail of its id.
 */
export function subjectWords(subject, names) {
  if (!subject) return '—';
  if (subject === 'everyone') return 'Everyone signed in';
  if (subject === 'system') return 'The hub';
  if (ROLE_WORDS[subject]) return ROLE_WORDS[subject];
  const [kind, id] = [subject.slice(0, subject.indexOf(':')), subject.slice(subject.indexOf(':') + 1)];
  if (kind === 'user') {
    const u = names.users.get(id);
    if (u) return u.name ? `${u.name} (${u.email})` : u.email;
    if (names.me && names.me.userId === id) return `${names.me.name || names.me.email} (you)`;
    return `a person ${idTail(id)}`;
  }
  if (kind === 'store') {
    const s = names.stores.get(id);
    return s ? `Store ${storeLabel(s)}` : `a store ${idTail(id)}`;
  }
  if (kind === 'group') {
    const g = names.groups.get(id);
    return g ? `Group ${g.name}` : `a group ${idTail(id)}`;
  }
  return subject;
}

/** A fresh key for a write that must happen once even when the browser sends it twice. */
export const idempotencyKey = () =>
  globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;

/** The hub's path for a node's API resource. */
export const enc = encodeURIComponent;
