import { Gauge, type Registry } from 'prom-client';
import type { DeviceManager } from './device-manager.js';

/** Per device: up, and each driver counter (reads, bad frames, scans…) as `storefleet_store_device_<stat>`. */
export function registerDeviceMetrics(metrics: Registry, devices: DeviceManager): void {
  new Gauge({
    name: 'storefleet_store_device_up',
    help: '1 while the device port is open',
    labelNames: ['device', 'kind'],
    registers: [metrics],
    collect() {
      for (const d of devices.status()) this.set({ device: d.name, kind: d.kind }, d.state === 'open' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'storefleet_store_device_stat',
    help: 'driver counters per device (stat label: reads, readsPerSecond, badFrames, scans, rejected, …)',
    labelNames: ['device', 'stat'],
    registers: [metrics],
    collect() {
      for (const d of devices.status()) for (const [stat, v] of Object.entries(d.stats)) this.set({ device: d.name, stat }, v);
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
