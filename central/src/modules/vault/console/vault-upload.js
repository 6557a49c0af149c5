// Uploads on the Documents page: a file input and a drop zone; each file goes to the hub with XMLHttpRequest (the body
// is the File itself, which the browser streams from disk — fetch() reports no upload progress), with a progress bar
// per file, a cancel button, and the hub's refusal in words. A name already taken in the folder offers "add as a new
// version" of the document the hub names.
import { csrfHeaders, h } from '/console/lib.js';
import { bytes, enc, idempotencyKey, percent } from './vault-words.js';

/** The hub's answer to an upload as an Error with its status and problem fields (`existingId` on a taken name). */
function refusal(xhr) {
  let problem = {};
  try {
    problem = JSON.parse(xhr.responseText || '{}');
  } catch {
    // a proxy's HTML page: the status says enough
  }
  const byStatus = {
    403: 'You may not add documents here.',
    404: 'This folder or document is gone, or you may no longer see it.',
    409: 'A document with this name is already in the folder.',
    413: 'This file is larger than the hub accepts.',
  };
  // a taken name and a too-large file in the page's words (the hub's detail carries ids and byte counts)
  const words =
    (xhr.status === 409 && problem.existingId) || xhr.status === 413
      ? byStatus[xhr.status]
      : problem.detail || problem.title || byStatus[xhr.status] || `The hub refused the upload (${xhr.status}).`;
  const err = new Error(words);
  err.status = xhr.status;
  err.existingId = problem.existingId;
  return err;
}

/**
 * Sends `file` to `url` with `method`, calling `onProgress(sentBytes)` as the browser sends it. Resolves with the
 * hub's JSON; rejects with its refusal, or with `{ cancelled: true }` after `handle.cancel()`.
 */
function send(method, url, file, onProgress, handle) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.setRequestHeader('Idempotency-Key', idempotencyKey());
    for (const [k, v] of Object.entries(csrfHeaders(method))) xhr.setRequestHeader(k, v); // issue #27
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size);
        try {
          resolve(JSON.parse(xhr.responseText || '{}'));
        } catch {
          resolve({});
        }
      } else reject(refusal(xhr));
    };
    xhr.onerror = () => reject(new Error('The hub cannot be reached; nothing was stored.'));
    xhr.onabort = () => reject(Object.assign(new Error('Cancelled; nothing was stored.'), { cancelled: true }));
    handle.cancel = () => xhr.abort();
    xhr.send(file);
  });
}

/**
 * The upload controls for the folder `state.folderId` (when the caller may WRITE there): returns `{ section,
 * setFolder(node) }`. `state.onUploaded(node)` is told of each document stored.
 */
export function renderUploads(state) {
  let seq = 0;
  const list = h('ul', { class: 'vt-uploads', 'aria-label': 'Uploads' });
  const input = h('input', { id: 'vault-file', type: 'file', multiple: true });
  const tags = h('input', { id: 'vault-upload-tags', autocomplete: 'off', placeholder: 'e.g. sop, kitchen' });
  const offline = h('input', { id: 'vault-upload-offline', type: 'checkbox' });
  const target = h('span', {}, '');
  const zone = h(
    'div',
    { class: 'vt-drop' },
    h('label', { for: 'vault-file' }, 'Add files to ', target),
    input,
    h('p', { class: 'hint' }, 'or drop them here. Each file is sent as it is; large files stream from disk.'),
  );
  const section = h(
    'section',
    { class: 'card vt-upload', 'aria-labelledby': 'vault-upload-title' },
    h('h2', { id: 'vault-upload-title' }, 'Upload'),
    h(
      'div',
      { class: 'vt-upload-form' },
      zone,
      h('div', { class: 'vt-field' }, h('label', { for: 'vault-upload-tags' }, 'Tags (comma-separated)'), tags),
      h(
        'div',
        { class: 'vt-check' },
        offline,
        h('label', { for: 'vault-upload-offline' }, 'Available offline at stores'),
      ),
    ),
    list,
  );

  const upload = (file, folderId) => {
    const id = `vault-up-${++seq}`;
    const bar = h('progress', { id: `${id}-bar`, max: Math.max(1, file.size), value: 0 });
    const figures = h('span', { class: 'num' }, `0 B of ${bytes(file.size)} (0 %)`);
    const status = h('div', { role: 'status', class: 'vt-up-status' }, 'Uploading…');
    const actions = h('div', { class: 'actions' });
    const handle = { cancel: () => {} };
    const cancel = h(
      'button',
      { type: 'button', class: 'secondary', onclick: () => handle.cancel() },
      `Cancel ${file.name}`,
    );
    actions.append(cancel);
    const item = h(
      'li',
      { class: 'vt-up' },
      h('label', { for: `${id}-bar`, class: 'vt-up-name' }, file.name),
      bar,
      figures,
      status,
      actions,
    );
    list.prepend(item);
    const progress = (sent) => {
      bar.value = Math.min(sent, Math.max(1, file.size));
      if (file.size === 0 && sent === 0) bar.value = 0;
      figures.textContent = `${bytes(sent)} of ${bytes(file.size)} (${percent(sent, file.size)} %)`;
    };
    const finish = (r, words) => {
      if (file.size === 0) bar.value = 1;
      progress(file.size);
      status.className = 'vt-up-status ok';
      status.textContent = words;
      actions.replaceChildren();
      state.onUploaded(r.node);
    };
    const fail = (err) => {
      status.className = err.cancelled ? 'vt-up-status' : 'vt-up-status error';
      status.replaceChildren(err.message);
      actions.replaceChildren();
      if (err.status === 409 && err.existingId) {
        actions.append(
          h(
            'button',
            {
              type: 'button',
              onclick: () => {
                actions.replaceChildren(cancel);
                status.className = 'vt-up-status';
                status.textContent = 'Uploading as a new version…';
                progress(0);
                send('PUT', `/api/vault/documents/${enc(err.existingId)}/content`, file, progress, handle).then(
                  (r) => finish(r, `Stored as version ${r.version?.versionNo ?? 'new'} of ${file.name}.`),
                  fail,
                );
              },
            },
            `Add ${file.name} as a new version`,
          ),
        );
      }
    };
    const q = new URLSearchParams({ name: file.name });
    const tagList = tags.value
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    if (tagList.length) q.set('tags', tagList.join(','));
    if (offline.checked) q.set('offline', 'true');
    send('POST', `/api/vault/folders/${enc(folderId)}/documents?${q}`, file, progress, handle).then(
      (r) => finish(r, `Stored ${file.name}.`),
      fail,
    );
  };
  const uploadAll = (files) => {
    if (!state.folderId) return;
    for (const f of files) upload(f, state.folderId);
  };
  input.addEventListener('change', () => {
    uploadAll([...input.files]);
    input.value = '';
  });
  for (const type of ['dragenter', 'dragover'])
    zone.addEventListener(type, (e) => {
      e.preventDefault();
      zone.classList.add('over');
    });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    uploadAll([...(e.dataTransfer?.files ?? [])]);
  });
  return {
    section,
    /** Shows the uploads for `folder`, or hides them where the caller may not add documents. */
    setFolder(folder, allowed) {
      target.textContent = folder.name || 'this folder';
      section.hidden = !allowed;
    },
  };
}
