// The board's map: stores, customers' doors, drivers' last positions and the vans' planned runs, drawn to scale as SVG
// (no tiles, no CDN: it works on a hub with no internet). A local flat projection is exact enough for a city: x is
// longitude scaled by the cosine of the middle latitude, so a kilometre is as long east-west as north-south.
import { h } from '/console/lib.js';

const svgNs = 'http://www.w3.org/2000/svg';
const KM_PER_DEG = 111.32;
const W = 520;
const H = 400;
const PAD = 36;

/** A round length for the scale bar, about a fifth of the map's width. */
function scaleKm(widthKm) {
  const target = widthKm / 5;
  const steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
  return steps.reduce((best, s) => (Math.abs(s - target) < Math.abs(best - target) ? s : best), steps[0]);
}

const km = (x) => (x < 1 ? `${Math.round(x * 1000)} m` : `${x} km`);

/**
 * Draws `layers` = { stores, doors, drivers, routes } (each point `{ lat, lon, label, title }`, doors with `tone`
 * 'late' | 'done', drivers with `stale`, routes as `{ points: [{lat, lon}], title }`). Returns a figure whose SVG is
 * described for screen readers by `summary`; the page lists the same things as tables.
 */
export function deliveryMap(layers, summary) {
  const all = [...layers.stores, ...layers.doors, ...layers.drivers, ...layers.routes.flatMap((r) => r.points)].filter(
    (p) => Number.isFinite(p?.lat) && Number.isFinite(p?.lon),
  );
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', summary);
  svg.classList.add('delivery-map');
  const el = (tag, attrs, text, parent = svg) => {
    const e = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    parent.append(e);
    return e;
  };
  if (!all.length) {
    el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'label' }, 'Nothing to draw yet');
    return h('figure', {}, svg, key());
  }
  const lats = all.map((p) => p.lat);
  // Longitudes the short way round from the first point: a store at 179.99° and a door at -179.99° (Fiji) are 2 km
  // apart, not drawn at both ends of the world.
  const lonOf = (p) => all[0].lon + ((((p.lon - all[0].lon + 180) % 360) + 360) % 360) - 180;
  const lons = all.map(lonOf);
  const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const midLon = (Math.min(...lons) + Math.max(...lons)) / 2;
  const kx = KM_PER_DEG * Math.cos((midLat * Math.PI) / 180);
  const ky = KM_PER_DEG;
  // at least 2 km across, so one store alone is not drawn at a silly zoom; centred on what is drawn
  const spanX = Math.max((Math.max(...lons) - Math.min(...lons)) * kx, 2);
  const spanY = Math.max((Math.max(...lats) - Math.min(...lats)) * ky, 2);
  const scale = Math.min((W - 2 * PAD) / spanX, (H - 2 * PAD - 20) / spanY); // px per km
  const x = (p) => W / 2 + (lonOf(p) - midLon) * kx * scale;
  const y = (p) => (H - 20) / 2 - (p.lat - midLat) * ky * scale;
  const titled = (node, title) => {
    if (title) el('title', {}, title, node);
    return node;
  };

  for (const r of layers.routes) {
    if (r.points.length < 2) continue;
    const d = r.points.map((p, i) => `${i ? 'L' : 'M'}${x(p).toFixed(1)},${y(p).toFixed(1)}`).join(' ');
    titled(el('path', { d, class: r.trail ? 'trail' : 'route' }), r.title);
  }
  for (const s of layers.stores) {
    titled(
      el('rect', { x: x(s) - 7, y: y(s) - 7, width: 14, height: 14, class: s.depot ? 'depot' : 'store' }),
      s.title,
    );
    el('text', { x: x(s) + 10, y: y(s) - 8, class: 'label' }, s.label);
  }
  for (const d of layers.doors) {
    titled(el('circle', { cx: x(d), cy: y(d), r: 6, class: `door ${d.tone ?? ''}`.trim() }), d.title);
  }
  for (const v of layers.drivers) {
    const [cx, cy] = [x(v), y(v)];
    titled(
      el('path', {
        d: `M${cx},${cy - 9} L${cx + 8},${cy + 6} L${cx - 8},${cy + 6} Z`,
        class: `driver${v.stale ? ' stale' : ''}`,
      }),
      v.title,
    );
    el('text', { x: cx + 10, y: cy + 14, class: 'label' }, v.label);
  }
  // the scale bar, bottom left
  const bar = scaleKm(spanX);
  const y0 = H - 12;
  el('line', { x1: PAD, y1: y0, x2: PAD + bar * scale, y2: y0, class: 'scale' });
  el('line', { x1: PAD, y1: y0 - 5, x2: PAD, y2: y0 + 1, class: 'scale' });
  el('line', { x1: PAD + bar * scale, y1: y0 - 5, x2: PAD + bar * scale, y2: y0 + 1, class: 'scale' });
  el('text', { x: PAD + bar * scale + 6, y: y0 + 4, class: 'label' }, km(bar));
  return h('figure', {}, svg, key());
}

/** The map's key: what each shape means (the shapes drawn again, small). */
function key() {
  const mark = (draw, text) => {
    const s = document.createElementNS(svgNs, 'svg');
    s.setAttribute('viewBox', '0 0 14 14');
    s.setAttribute('aria-hidden', 'true');
    s.classList.add('delivery-map');
    s.style.background = 'none';
    s.innerHTML = draw;
    return h('li', {}, s, text);
  };
  return h(
    'ul',
    { class: 'map-key', 'aria-label': 'Map key' },
    mark('<rect x="1" y="1" width="12" height="12" class="store"/>', 'store'),
    mark('<rect x="1" y="1" width="12" height="12" class="depot"/>', 'depot'),
    mark('<circle cx="7" cy="7" r="5" class="door"/>', 'door'),
    mark('<circle cx="7" cy="7" r="5" class="door late"/>', 'door, late'),
    mark('<path d="M7,1 L13,12 L1,12 Z" class="driver"/>', 'driver'),
    mark('<path d="M7,1 L13,12 L1,12 Z" class="driver stale"/>', 'driver, not heard from for 5 min'),
    mark('<path d="M1,7 L13,7" class="route"/>', 'planned run'),
  );
}
