import { encode } from 'uqr';

/** The quiet zone around a QR code, in modules: a scanner needs four. */
const QUIET = 4;

/**
 * A ticket code as a QR code, in SVG the node draws itself from the code's module matrix (`uqr`): the SVG holds only
 * numbers — squares of the matrix — never the code's text, so nothing a ticket says can become markup. Black on white
 * with its quiet zone, scaled by its viewBox (crisp on screen and on paper). A door scanner reads it as the code's text
 * followed by Enter, as if typed.
 */
export function ticketQrSvg(code: string): string {
  const { size, data } = encode(code, { ecc: 'M', border: 0 });
  const side = size + 2 * QUIET;
  let path = '';
  for (let y = 0; y < size; y++) {
    const row = data[y]!;
    for (let x = 0; x < size; x++) {
      if (!row[x]) continue;
      let run = 1; // a row's dark modules side by side are one rectangle
      while (x + run < size && row[x + run]) run++;
      path += `M${x + QUIET} ${y + QUIET}h${run}v1h-${run}z`;
      x += run - 1;
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges"><rect width="${side}" height="${side}" fill="#fff"/><path fill="#000" d="${path}"/></svg>`;
}
