import { SECRET_NAME_RE } from '../doc/patterns.js';

/**
 * Recognizes credentials written into an intent, which would be committed to Git: env variables
 * whose names look secret, and in commands flags such as `--token X`, `KEY=value` assignments,
 * `Authorization:` headers and URLs with `user:password@`. A reference (`$VAR`, `${VAR}`,
 * `$(…)`) is fine: the value then comes from the pod's environment (a Secret). Pure.
 */
function isSecretName(name: string): boolean {
  return SECRET_NAME_RE.test(name.toUpperCase());
}

function unquote(s: string): string {
  return s.replace(/^['"]+|['"]+$/g, '');
}

/** `$VAR`, `${VAR}`, `$(command)`, or nothing: not a literal secret. */
function isReference(value: string): boolean {
  const v = unquote(value);
  return v === '' || /^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*|\()/.test(v);
}

const SECRET_WORDS = new Set(['password', 'passwd', 'pass', 'passphrase', 'token', 'secret', 'credential', 'credentials', 'apikey', 'auth']);
const KEY_PREFIX = new Set(['api', 'access', 'private', 'secret', 'client', 'signing', 'encryption']);

function isSecretFlag(flag: string): boolean {
  const words = flag.toLowerCase().split(/[-_]+/).filter(Boolean);
  return words.some((w, i) => SECRET_WORDS.has(w) || (w === 'key' && i > 0 && KEY_PREFIX.has(words[i - 1]!)));
}

/** What secret a command line carries (never the value itself), or undefined. */
export function commandSecret(items: readonly string[]): string | undefined {
  const line = items.join(' ');
  const url = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]+:([^\s/@'"]+)@/i.exec(line);
  if (url && !isReference(url[1]!)) return 'a URL with user:password@';
  const header = /authorization:\s*(?:bearer|basic|token)\s+([^\s'"\\]+)/i.exec(line);
  if (header && !isReference(header[1]!)) return 'an Authorization header with a literal credential';
  const tokens = line.split(/\s+/).filter(Boolean);
  for (let i = 0; i < tokens.length; i++) {
    const t = unquote(tokens[i]!);
    const flag = /^--?([A-Za-z][A-Za-z0-9_-]*)(?:=(.*))?$/.exec(t);
    if (flag && isSecretFlag(flag[1]!)) {
      const value = flag[2] ?? tokens[i + 1];
      if (value !== undefined && !value.startsWith('-') && !isReference(value)) return `a literal value for ${t.split('=')[0]}`;
      continue;
    }
    const assign = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(t);
    if (assign && isSecretName(assign[1]!) && !isReference(assign[2]!)) return `a literal value for ${assign[1]}`;
  }
  return undefined;
}
