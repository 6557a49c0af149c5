/**
 * Times said to people in a venue's zone: `19:42`, and `Sat 5 Dec 19:30` (en-GB, 24 h) — UTC, said so, when the zone
 * is not one the runtime knows. The one formatter of the booking module's sentences and of its customer notices.
 */
function inZone(timeZone: string, at: number, withDay: boolean): string {
  const fmt = (zone: string) => {
    const parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      ...(withDay ? { weekday: 'short', day: 'numeric', month: 'short' } : {}),
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(at);
    const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
    const clock = `${part('hour')}:${part('minute')}`;
    return withDay ? `${part('weekday')} ${part('day')} ${part('month')} ${clock}` : clock;
  };
  try {
    return fmt(timeZone);
  } catch {
    return `${fmt('UTC')} UTC`;
  }
}

/** A clock (HH:MM) in a time zone. */
export const clockIn = (timeZone: string, at: number): string => inZone(timeZone, at, false);

/** A day and clock (`Sat 5 Dec 19:30`) in a time zone. */
export const dayAndClockIn = (timeZone: string, at: number): string => inZone(timeZone, at, true);
