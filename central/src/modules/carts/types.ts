/** Services this module asks for: ports between modules, declared in the kernel (kernel/ports/). */
export type { CatalogProducts } from '../../kernel/ports/catalog.js';
export type { Availability } from '../../kernel/ports/inventory.js';
export type { CustomerDirectory } from '../../kernel/ports/customers.js';
