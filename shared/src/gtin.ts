/**
 * GTIN-8/12/13/14 (GS1 General Specifications §7.9): the last digit is a mod-10 check digit over the others,
 * weighted 3,1,3,… from the right. Stored and compared as GTIN-14 (left-padded with zeros).
 */
export function gtinCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const digit = body.charCodeAt(body.length - 1 - i) - 48;
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

export function isValidGtin(code: string): boolean {
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(code)) return false;
  return gtinCheckDigit(code.slice(0, -1)) === code.charCodeAt(code.length - 1) - 48;
}

/** A valid GTIN of any length as GTIN-14; throws RangeError for anything else. */
export function toGtin14(code: string): string {
  if (!isValidGtin(code)) throw new RangeError(`not a valid GTIN: ${code}`);
  return code.padStart(14, '0');
}
