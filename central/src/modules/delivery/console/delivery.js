// The delivery console page (`#/delivery`): the live board, or one delivery's detail when the address names it
// (`#/delivery?id=…`). Head office sees every store; a store's manager their own store's deliveries only.
import { renderBoard } from './delivery-board.js';
import { renderDetail } from './delivery-detail.js';
import { pageStyle } from './delivery-style.js';

export default {
  async render(ctx) {
    pageStyle(ctx.el);
    return ctx.params.get('id') ? renderDetail(ctx) : renderBoard(ctx);
  },
};
