import { GitError } from '../errors.js';

interface CommitMessageInput {
  subject: string;
  body?: string;
  /** Rendered in insertion order; an array value repeats the key (one line per value). */
  trailers?: Record<string, string | string[]>;
  /** Appends `[skip ci]` to the subject so CI systems ignore the status commit. */
  skipCi?: boolean;
}

const TRAILER_KEY = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;
const MAX_VALUE = 1000;

// A value is one line: a newline in an intent name or phase must not forge another trailer.
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Builds a full commit message: subject, optional body, then a trailer block git recognizes
 * (`git interpret-trailers --parse` reads it back), e.g.
 * `Flare-Intent: team-a-llama` and `Flare-Phase: team-a-llama=Running`.
 */
export function buildCommitMessage(input: CommitMessageInput): string {
  let subject = oneLine(input.subject);
  if (!subject) throw new GitError('commit subject is empty', 'invalid-message');
  if (input.skipCi && !subject.includes('[skip ci]')) subject = `${subject} [skip ci]`;
  const parts = [subject];
  const body = input.body?.replace(/\r\n?/g, '\n').trim();
  if (body) parts.push(body);
  const lines: string[] = [];
  for (const [key, raw] of Object.entries(input.trailers ?? {})) {
    if (!TRAILER_KEY.test(key)) {
      throw new GitError(`invalid commit trailer key ${JSON.stringify(key)}`, 'invalid-message');
    }
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      const v = oneLine(value);
      if (!v) continue;
      lines.push(`${key}: ${v.length > MAX_VALUE ? v.slice(0, MAX_VALUE) : v}`);
    }
  }
  if (lines.length > 0) parts.push(lines.join('\n'));
  return `${parts.join('\n\n')}\n`;
}

/**
 * Reads the trailer block (the last paragraph, when every line is `Key: value`) of a message.
 * The pure twin of buildCommitMessage, used to recognize FLARE's own status commits in a log.
 */
export function parseCommitTrailers(message: string): Record<string, string[]> {
  const paragraphs = message.replace(/\r\n?/g, '\n').trim().split(/\n{2,}/);
  const result: Record<string, string[]> = {};
  if (paragraphs.length < 2) return result;
  const last = paragraphs[paragraphs.length - 1] ?? '';
  const lines = last.split('\n');
  const parsed: Array<[string, string]> = [];
  for (const line of lines) {
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
    if (!m) return result;
    parsed.push([m[1] ?? '', (m[2] ?? '').trim()]);
  }
  for (const [key, value] of parsed) (Object.hasOwn(result, key) ? result[key]! : (result[key] = [])).push(value);
  return result;
}
