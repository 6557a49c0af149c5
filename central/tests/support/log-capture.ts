/**
 * Log lines kept by a test and searched for secrets (issue #27's log check): each secret a flow created is looked for
 * as sent, URL-encoded, and in base64 and base64url (those of 8 characters or more), in every line of every source.
 */

export interface CapturedLine {
  /** Which process wrote it: `hub`, `store-node`. */
  readonly source: string;
  readonly text: string;
}

export interface Secret {
  /** What it is, for the failure message (`console session token`, `staff PIN`, …); never the value. */
  readonly kind: string;
  readonly value: string;
}

/** Credential shapes looked for whatever their value, for secrets a test cannot read (a store node's own token). */
export interface SecretShape {
  readonly kind: string;
  readonly pattern: RegExp;
}

export const SECRET_SHAPES: readonly SecretShape[] = [
  {
    kind: 'a JWT-shaped token (a store token)',
    pattern: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/,
  },
  { kind: 'a customer session token (sfc_…)', pattern: /sfc_[A-Za-z0-9_-]{20,}/ },
  {
    kind: 'a signed pickup code (SF<n>.<claim>.<signature>)',
    pattern: /SF\d+\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/,
  },
];

/** Every line written, per source, in the order written; `destination(source)` is a pino destination. */
export class LogCapture {
  readonly lines: CapturedLine[] = [];

  destination(source: string): { write(line: string): void } {
    return { write: (text: string) => void this.add(source, text) };
  }

  add(source: string, text: string): void {
    for (const line of text.split('\n')) if (line.trim()) this.lines.push({ source, text: line });
  }

  /** Lines of one source holding `needle` (for checking that a flow was logged at all). */
  count(source: string, needle: string): number {
    return this.lines.filter((l) => l.source === source && l.text.includes(needle)).length;
  }
}

/** The spellings a secret can take in a log: as sent, URL-encoded, base64 and base64url (8 characters or more). */
export function secretForms(value: string): { form: string; text: string }[] {
  const forms = [{ form: 'as sent', text: value }];
  const encoded = encodeURIComponent(value);
  if (encoded !== value) forms.push({ form: 'URL-encoded', text: encoded });
  if (value.length >= 8) {
    const b64 = Buffer.from(value).toString('base64');
    const b64url = Buffer.from(value).toString('base64url');
    // a base64 text's last characters depend on what follows it; its unpadded body is what any encoding starts with
    forms.push({ form: 'base64', text: b64.replace(/=+$/, '') });
    if (b64url !== b64.replace(/=+$/, '')) forms.push({ form: 'base64url', text: b64url });
  }
  return forms;
}

/**
 * Whether `text` holds `needle`. A secret of digits only shorter than 8 (a 6-digit sign-in code) counts only standing
 * alone, not inside a longer number (every line's epoch-ms `time` holds some 6-digit run by chance).
 */
function holds(text: string, needle: string): boolean {
  if (/^\d{1,7}$/.test(needle)) return new RegExp(`(?<!\\d)${needle}(?!\\d)`).test(text);
  return text.includes(needle);
}

export interface Leak {
  readonly kind: string;
  readonly form: string;
  readonly source: string;
  /** The offending line with every secret replaced by `[SECRET: kind]`, at most 600 characters. */
  readonly line: string;
}

/** A line with each secret's every form blanked and each shape's match blanked, for a failure message. */
export function redactForMessage(line: string, secrets: readonly Secret[]): string {
  let out = line;
  for (const s of secrets)
    for (const f of secretForms(s.value)) if (f.text.length >= 4) out = out.split(f.text).join(`[SECRET: ${s.kind}]`);
  for (const shape of SECRET_SHAPES)
    out = out.replace(new RegExp(shape.pattern.source, 'g'), `[SECRET: ${shape.kind}]`);
  return out.length > 600 ? `${out.slice(0, 600)}…` : out;
}

/**
 * Every line holding a secret in any of its forms, or matching a credential's shape. Secrets shorter than 6 characters
 * are not searched (too many lines hold any such text by chance).
 */
export function findLeaks(lines: readonly CapturedLine[], secrets: readonly Secret[]): Leak[] {
  const leaks: Leak[] = [];
  const searched = secrets.filter((s) => s.value.length >= 6);
  for (const l of lines) {
    for (const s of searched)
      for (const f of secretForms(s.value))
        if (holds(l.text, f.text))
          leaks.push({ kind: s.kind, form: f.form, source: l.source, line: redactForMessage(l.text, secrets) });
    for (const shape of SECRET_SHAPES)
      if (shape.pattern.test(l.text))
        leaks.push({ kind: shape.kind, form: 'shape', source: l.source, line: redactForMessage(l.text, secrets) });
  }
  return leaks;
}

/** A failure message: each leak's kind, form, source and redacted line (the secret itself never printed). */
export function describeLeaks(leaks: readonly Leak[]): string {
  return leaks.map((k) => `${k.kind} (${k.form}) in a ${k.source} line: ${k.line}`).join('\n');
}
