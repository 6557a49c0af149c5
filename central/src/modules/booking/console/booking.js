// The bookings console page (`#/booking`): upcoming shows and service slots with what is left of each, and forms for
// a new show and (head office) a new venue; or one show at `#/booking?show=…`: its live seat map, holds and bookings,
// waitlist, and the cancels. Head office sees every store's and its own venues' shows; a store's manager their own.
import { renderList } from './booking-list.js';
import { renderShow } from './booking-show.js';

const HREF = '/console/modules/booking/booking.css';

export default {
  async render(ctx) {
    if (!document.querySelector(`link[href="${HREF}"]`))
      document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: HREF }));
    ctx.el.classList.add('booking-page');
    return ctx.params.get('show') ? renderShow(ctx) : renderList(ctx);
  },
};
