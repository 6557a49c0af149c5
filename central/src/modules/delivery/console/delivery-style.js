// The delivery pages' stylesheet, added to the console once (the shell loads only its own), and the class that
// scopes it to these pages.
const HREF = '/console/modules/delivery/delivery.css';

export function pageStyle(el) {
  if (!document.querySelector(`link[href="${HREF}"]`))
    document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: HREF }));
  el.classList.add('delivery-page');
}
