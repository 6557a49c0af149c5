import { Gauge, type Registry } from 'prom-client';
import type { DeviceManager } from './device-manager.js';

const STATES = ['opening', 'open', 'silent', 'waiting', 'closed'] as const;

/**
 * Per device: up (open and heard), its state (one series per state, 1 for the current one — a reader that is open
 * but sends nothing is `silent`, not up), and each driver counter (reads, bad frames, scans…).
 */
export function registerDeviceMetrics(metrics: Registry, devices: DeviceManager): void {
  new Gauge({
    name: 'storefleet_store_device_up',
    help: '1 while the device port is open and the device is heard (0 while opening, waiting, closed or silent)',
    labelNames: ['device', 'kind'],
    registers: [metrics],
    collect() {
      for (const d of devices.status()) this.set({ device: d.name, kind: d.kind }, d.state === 'open' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'storefleet_store_device_state',
    help: "the device link's state: 1 on the current one (opening, open, silent: open but nothing heard, waiting, closed)",
    labelNames: ['device', 'kind', 'state'],
    registers: [metrics],
    collect() {
      for (const d of devices.status())
        for (const state of STATES) this.set({ device: d.name, kind: d.kind, state }, d.state === state ? 1 : 0);
    },
  });
  new Gauge({
    name: 'storefleet_store_device_stat',
    help: 'driver counters per device (stat label: reads, readsPerSecond, badFrames, scans, rejected, …)',
    labelNames: ['device', 'stat'],
    registers: [metrics],
    collect() {
      for (const d of devices.status())
        for (const [stat, v] of Object.entries(d.stats)) this.set({ device: d.name, stat }, v);
    },
  });
  new Gauge({
    name: 'storefleet_store_rfid_incomplete_windows',
    help: 'RFID windows reported incomplete (a reader dropped, reopened or swept too little) since start: they moved no stock',
    registers: [metrics],
    collect() {
      this.set(devices.rfid.incompleteWindows);
    },
  });
  new Gauge({
    name: 'storefleet_store_rfid_adjustments',
    help: 'RFID_RECONCILE adjustments applied since start',
    registers: [metrics],
    collect() {
      this.set(devices.rfid.adjustmentsApplied);
    },
  });
}
