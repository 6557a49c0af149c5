// A show's seat map drawn on one canvas, row by row (50,000 seats draw in milliseconds; no element per seat). A seat's
// state is told by its fill, not only its colour: free an open outline, held half filled (a triangle), sold filled,
// not for sale crossed out; a wheelchair space is round, a companion seat a diamond. A legend says so, and the counts
// are written out beside it. Pointing at a seat names it; so does the keyboard: in the focused map the arrow keys
// move a cursor from seat to seat (Home and End to a row's ends) and a live line says the seat's name and state.
import { h } from '/console/lib.js';
import { plural } from './booking-words.js';

const INK = { free: '#146c2e', held: '#8a4d00', sold: '#1f2a37', off: '#8a929c' };
const SECTION_GAP = 1.6; // in cells: the gap before a section's name line
const MAX_CELL = 28;
const MIN_CELL = 3;

/** Draws one seat at (x, y), `size` px square: the shape says its kind, the fill its state. */
function drawSeat(g, x, y, size, kind, state) {
  const pad = size >= 8 ? 1.5 : size >= 5 ? 0.75 : 0.25;
  const s = size - 2 * pad;
  const x0 = x + pad;
  const y0 = y + pad;
  const ink = state === '.' ? INK.free : state === 'h' ? INK.held : state === 's' ? INK.sold : INK.off;
  g.beginPath();
  if (kind === 'W') g.arc(x0 + s / 2, y0 + s / 2, s / 2, 0, Math.PI * 2);
  else if (kind === 'C') {
    g.moveTo(x0 + s / 2, y0);
    g.lineTo(x0 + s, y0 + s / 2);
    g.lineTo(x0 + s / 2, y0 + s);
    g.lineTo(x0, y0 + s / 2);
    g.closePath();
  } else g.rect(x0, y0, s, s);
  g.fillStyle = '#fff';
  g.fill();
  g.save();
  g.clip();
  g.fillStyle = ink;
  if (state === 's') g.fillRect(x0, y0, s, s);
  else if (state === 'h') {
    // the lower right half filled: a triangle
    g.beginPath();
    g.moveTo(x0 + s, y0);
    g.lineTo(x0 + s, y0 + s);
    g.lineTo(x0, y0 + s);
    g.closePath();
    g.fill();
  } else if (state === 'x') {
    g.strokeStyle = ink;
    g.lineWidth = Math.max(1, s / 8);
    g.beginPath();
    g.moveTo(x0, y0);
    g.lineTo(x0 + s, y0 + s);
    g.moveTo(x0 + s, y0);
    g.lineTo(x0, y0 + s);
    g.stroke();
  }
  g.restore();
  g.strokeStyle = ink;
  g.lineWidth = size >= 8 ? 1.5 : 1;
  g.stroke();
}

/** A legend's swatch: the same drawing, on a small canvas. */
function swatch(kind, state) {
  const c = h('canvas', { width: 36, height: 36, 'aria-hidden': 'true', class: 'swatch' });
  const g = c.getContext('2d');
  g.scale(2, 2);
  drawSeat(g, 0, 0, 18, kind, state);
  return c;
}

/** Counts of free, held, sold and not-for-sale seats in a map string. */
export function countSeats(seats) {
  const n = { free: 0, held: 0, sold: 0, off: 0 };
  for (let i = 0; i < seats.length; i++) {
    const c = seats.charCodeAt(i);
    if (c === 46) n.free++;
    else if (c === 104) n.held++;
    else if (c === 115) n.sold++;
    else n.off++;
  }
  return n;
}

/** The counts in words: "212 free, 3 held, 85 sold of 300 seats". */
export function countsText(n, total) {
  return `${n.free.toLocaleString('en-US')} free, ${n.held.toLocaleString('en-US')} held, ${n.sold.toLocaleString('en-US')} sold${n.off ? `, ${n.off.toLocaleString('en-US')} not for sale` : ''} of ${plural(total, 'seat')}`;
}

/**
 * The map for `layout` (the seat map's `rows` and `sections`): returns `{ el, update(seats) }`. `update` takes the
 * whole map (one character per seat_no) and redraws what changed, once per animation frame.
 */
export function seatMap(layout, title) {
  const rows = layout.rows;
  const seatCount = rows.reduce((n, r) => Math.max(n, r.firstSeatNo + r.numbers.length), 0);
  const widest = rows.reduce((n, r) => Math.max(n, r.numbers.length), 1);
  const labelCells = 3;
  const avail = Math.max(320, Math.min(1200, (document.querySelector('main')?.clientWidth ?? 1000) - 48));
  const cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor(avail / (widest + labelCells * 2))));
  const labelW = labelCells * Math.max(cell, 8);
  // where each seat goes, and where each row and section begins
  const xs = new Float32Array(seatCount);
  const ys = new Float32Array(seatCount);
  const kinds = new Array(seatCount).fill('S');
  const labels = [];
  const lines = [];
  let y = 0;
  let section;
  const sectionName = new Map(layout.sections.map((s) => [s.code, s.name]));
  for (const r of rows) {
    if (r.section !== section) {
      section = r.section;
      y += cell * SECTION_GAP + 14;
      labels.push({ text: sectionName.get(section) ?? section, x: labelW, y: y - 4, section: true });
    }
    const x0 = labelW + ((widest - r.numbers.length) * cell) / 2;
    labels.push({ text: r.row, x: labelW - 4, y: y + cell * 0.8, row: true });
    lines.push({ y, x0, r });
    for (let i = 0; i < r.numbers.length; i++) {
      xs[r.firstSeatNo + i] = x0 + i * cell;
      ys[r.firstSeatNo + i] = y;
      kinds[r.firstSeatNo + i] = r.kinds[i] ?? 'S';
    }
    y += cell;
  }
  const width = labelW * 2 + widest * cell;
  const height = Math.ceil(y + cell);
  const ratio = Math.min(2, window.devicePixelRatio || 1);
  const canvas = h('canvas', {
    width: Math.ceil(width * ratio),
    height: Math.ceil(height * ratio),
    role: 'img',
    'aria-label': title,
    style: `width:${width}px;height:${height}px`,
  });
  const g = canvas.getContext('2d');
  g.scale(ratio, ratio);
  g.fillStyle = '#fff';
  g.fillRect(0, 0, width, height);
  g.fillStyle = '#1f2a37';
  const fontPx = Math.max(9, Math.min(13, cell));
  for (const l of labels) {
    if (l.section) {
      g.font = '600 13px system-ui, sans-serif';
      g.textAlign = 'left';
      g.fillText(l.text, l.x, l.y);
    } else if (cell >= 7) {
      g.font = `${fontPx}px system-ui, sans-serif`;
      g.textAlign = 'right';
      g.fillText(l.text, l.x, l.y);
    }
  }

  let shown = '';
  let pending;
  let frame = 0;
  const draw = () => {
    frame = 0;
    const next = pending;
    pending = undefined;
    for (let i = 0; i < seatCount; i++) {
      const c = next[i] ?? 'x';
      if (c !== shown[i]) drawSeat(g, xs[i], ys[i], cell, kinds[i], c);
    }
    shown = next;
  };
  const update = (seats) => {
    pending = seats;
    if (!frame) frame = requestAnimationFrame(draw);
  };

  // pointing at a seat, or the keyboard's cursor on it, names it: "STALLS-A-1, wheelchair space: free"
  const pointed = h(
    'p',
    { class: 'muted seat-pointed', 'aria-live': 'polite' },
    'Point at a seat, or use the arrow keys in the map, to hear its name.',
  );
  const name = (line, i) => {
    const no = line.r.firstSeatNo + i;
    const st = (pending ?? shown)[no];
    const kind = kinds[no] === 'W' ? ', wheelchair space' : kinds[no] === 'C' ? ', companion seat' : '';
    const state = st === '.' ? 'free' : st === 'h' ? 'held' : st === 's' ? 'sold' : 'not for sale';
    return `${line.r.section}-${line.r.row}-${line.r.numbers[i]}${kind}: ${state}`;
  };
  canvas.addEventListener('mousemove', (e) => {
    const box = canvas.getBoundingClientRect();
    const px = e.clientX - box.left;
    const py = e.clientY - box.top;
    const line = lines.find((l) => py >= l.y && py < l.y + cell);
    const i = line ? Math.floor((px - line.x0) / cell) : -1;
    if (!line || i < 0 || i >= line.r.numbers.length) return;
    pointed.textContent = name(line, i);
  });

  const legend = h(
    'ul',
    { class: 'seat-key', 'aria-label': 'Key to the seat map' },
    [
      ['S', '.', 'free (an open square)'],
      ['S', 'h', 'held (half filled)'],
      ['S', 's', 'sold (filled)'],
      ['S', 'x', 'not for sale (crossed)'],
      ['W', '.', 'wheelchair space (round)'],
      ['C', '.', 'companion seat (a diamond)'],
    ].map(([k, s, text]) => h('li', {}, swatch(k, s), text)),
  );
  // the keyboard's cursor: a box over one seat, moved by the arrow keys; the map scrolls to keep it in view
  const cursorBox = h('div', { class: 'seat-cursor', hidden: true, 'aria-hidden': 'true' });
  const box = h(
    'div',
    {
      class: 'seat-canvas',
      tabindex: 0,
      role: 'region',
      'aria-label': `${title}: the arrow keys move from seat to seat and say each one, Enter says it again`,
    },
    canvas,
    cursorBox,
  );
  let at; // { li, i }: the cursor's row line and index in it
  const moveTo = (li, i) => {
    const line = lines[li];
    at = { li, i: Math.max(0, Math.min(line.r.numbers.length - 1, i)) };
    const size = Math.max(cell, 8);
    Object.assign(cursorBox.style, {
      left: `${line.x0 + at.i * cell - (size - cell) / 2}px`,
      top: `${line.y - (size - cell) / 2}px`,
      width: `${size}px`,
      height: `${size}px`,
    });
    cursorBox.hidden = false;
    cursorBox.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    pointed.textContent = name(line, at.i);
  };
  /** The index in line `li` nearest the cursor's place across the map. */
  const below = (li) => {
    const from = lines[at.li];
    return Math.round((from.x0 + at.i * cell - lines[li].x0) / cell);
  };
  box.addEventListener('keydown', (e) => {
    if (!lines.length || e.altKey || e.ctrlKey || e.metaKey) return;
    const k = e.key;
    if (!['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'Enter'].includes(k)) return;
    e.preventDefault();
    if (!at) return moveTo(0, 0);
    if (k === 'ArrowLeft') moveTo(at.li, at.i - 1);
    else if (k === 'ArrowRight') moveTo(at.li, at.i + 1);
    else if (k === 'ArrowUp') moveTo(Math.max(0, at.li - 1), below(Math.max(0, at.li - 1)));
    else if (k === 'ArrowDown')
      moveTo(Math.min(lines.length - 1, at.li + 1), below(Math.min(lines.length - 1, at.li + 1)));
    else if (k === 'Home') moveTo(at.li, 0);
    else if (k === 'End') moveTo(at.li, Number.MAX_SAFE_INTEGER);
    else {
      // Enter: say it again (its state may have changed since)
      pointed.textContent = '';
      setTimeout(() => moveTo(at.li, at.i), 100); // emptied first, so a screen reader hears the same words again
    }
  });
  box.addEventListener('blur', () => {
    cursorBox.hidden = true;
  });
  box.addEventListener('focus', () => {
    if (at) cursorBox.hidden = false;
  });
  const el = h('div', { class: 'seat-map' }, box, legend, pointed);
  return { el, update, seatCount };
}

/**
 * The live map's socket (`/api/booking/shows/{id}/live`): `onMap(seats, left)` with the whole map after each snapshot
 * or changes frame, `onClosed(reason)` when the show closes. Reconnects (with a fresh snapshot) after a dropped socket
 * or a lost frame. Returns a function that closes it.
 */
export function liveSeats(showId, { onMap, onClosed, onState }) {
  let ws;
  let seats = '';
  let version = -1;
  let stopped = false;
  let retry;
  let wait = 1000;
  const open = () => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/booking/shows/${encodeURIComponent(showId)}/live`;
    ws = new WebSocket(url);
    ws.onopen = () => onState?.('live');
    ws.onmessage = (e) => {
      let f;
      try {
        f = JSON.parse(e.data);
      } catch {
        return;
      }
      if (f.type === 'snapshot') {
        seats = f.seats;
        version = f.version;
        wait = 1000;
        onMap(seats, f.free);
      } else if (f.type === 'changes') {
        if (version >= 0 && f.version !== version + 1) return ws.close(); // a lost frame: start again from a snapshot
        version = f.version;
        const a = seats.split('');
        for (const n of f.free) a[n] = '.';
        for (const n of f.held) a[n] = 'h';
        for (const n of f.sold) a[n] = 's';
        seats = a.join('');
        onMap(seats, f.left);
      } else if (f.type === 'closed') {
        stopped = true;
        onClosed?.(f.reason);
        ws.close();
      }
    };
    ws.onclose = () => {
      if (stopped) return;
      onState?.('reconnecting');
      version = -1;
      retry = setTimeout(open, wait);
      wait = Math.min(10_000, wait * 2);
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(retry);
    ws?.close();
  };
}
