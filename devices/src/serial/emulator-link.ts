import { SerialLink, type ByteSink, type DeviceDriver, type PortOpener, openSerialPort } from './serial-link.js';

/** A device emulator: the device's side of the protocol, fed what the host writes. */
export interface DeviceEmulator {
  readonly kind: string;
  attach(sink: ByteSink): void;
  detach(): void;
  receive(chunk: Buffer): void;
}

/** Runs an emulator on the host end of a pty pair (reopened like any port when the pair is replugged). */
export function emulatorLink(path: string, emulator: DeviceEmulator, open: PortOpener = openSerialPort): SerialLink {
  const driver: DeviceDriver = {
    kind: `${emulator.kind}-emulator`,
    onOpen: (sink) => emulator.attach(sink),
    onClose: () => emulator.detach(),
    onData: (chunk) => emulator.receive(chunk),
    stats: () => ({}),
  };
  return new SerialLink(path, 115200, driver, open);
}
