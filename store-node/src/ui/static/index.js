// The store node's start page (staff): links to the staff pages. Kept out of index.html: the pages allow no inline
// script (Content-Security-Policy).
import { statusBar } from '/store.js';

statusBar('Storefleet');
