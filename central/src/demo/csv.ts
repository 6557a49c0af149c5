// The demo's CSV reading and writing is @storefleet/shared's (one RFC 4180 parser for the hub's CSVs).
export { parseCsv, toCsvLine } from '@storefleet/shared';
