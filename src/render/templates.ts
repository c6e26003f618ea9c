import Handlebars from 'handlebars';
import { parseAllDocuments } from 'yaml';
import type { Diagnostic } from '../diagnostics.js';
import type { KubeObject } from '../k8s/object.js';
import { RENDERED_KINDS, type RenderedKind } from './types.js';

/**
 * Templates are Handlebars with one rule that makes YAML injection impossible: every value is
 * written through `{{json x}}`, which emits a JSON literal (a valid YAML flow scalar or
 * collection). The rule is checked on the template's syntax tree when it is compiled, and every
 * rendered document is parsed back and must be exactly one object of the declared kind.
 */
export interface CompiledTemplate {
  kind: RenderedKind;
  /** Where it came from, e.g. `templates/solver.yaml.hbs` (shipped) or the repo override. */
  file: string;
  /** The rendered text, every value a JSON literal. */
  render: (context: Record<string, unknown>) => string;
  /**
   * The rendered text with every value replaced by a placeholder, and the values in order. The
   * text depends only on which branches and how many iterations the template took, so its parse
   * is cached (see renderObject).
   */
  renderSkeleton: (context: Record<string, unknown>) => { text: string; values: unknown[] };
  /** Parsed skeletons by text: a handful per template. */
  skeletons: Map<string, { tree?: unknown; error?: string }>;
}

export type TemplateSet = Map<RenderedKind, CompiledTemplate>;

export interface TemplateSource {
  /** File name, e.g. `solver.yaml.hbs`. */
  name: string;
  /** Path shown in diagnostics. */
  file: string;
  text: string;
}

const BLOCK_HELPERS = new Set(['if', 'unless', 'each', 'with']);
const KIND_RE = /^#\s*kind:\s*([A-Za-z]+)\s*$/;

/** Lowercase kind + `.yaml.hbs`: the default file name of a kind's template. */
export function templateFileName(kind: RenderedKind): string {
  return `${kind.toLowerCase()}.yaml.hbs`;
}

/** JSON literal of a value; undefined becomes null (dropped after parsing). Non-ASCII is escaped so no byte can be read as YAML syntax. */
export function jsonLiteral(value: unknown): string {
  const s = JSON.stringify(value === undefined ? null : value);
  return (s ?? 'null').replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A plain YAML scalar no template text contains; `<n>` indexes the values of one render. */
const PH_PREFIX = '__flare_value_3f1c9e_';
const PH_EXACT = /^__flare_value_3f1c9e_(\d+)__$/;
/** Set only during a synchronous skeleton render (Handlebars runs synchronously). */
let collecting: unknown[] | undefined;

function makeEnv(): typeof Handlebars {
  const env = Handlebars.create();
  env.registerHelper('json', function (this: unknown, ...args: unknown[]) {
    // the last argument is Handlebars' options object
    const value = args.length > 1 ? args[0] : undefined;
    if (collecting) {
      collecting.push(value);
      return `${PH_PREFIX}${collecting.length - 1}__`;
    }
    return jsonLiteral(value);
  });
  return env;
}

class NeedsFullParse extends Error {}

/** JSON semantics (what parsing a JSON literal gives), minus nulls: a fresh copy. */
function cloneValue(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'object') return typeof v === 'function' || typeof v === 'symbol' ? undefined : typeof v === 'bigint' ? undefined : v;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return JSON.parse(jsonLiteral(v)) as unknown;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const c = cloneValue(x);
      if (c !== undefined) out.push(c);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const c = cloneValue((v as Record<string, unknown>)[k]);
    if (c !== undefined) out[k] = c;
  }
  return out;
}

/** Puts the values into a parsed skeleton; a placeholder that is not a whole node needs a real parse. */
function fill(node: unknown, values: readonly unknown[]): unknown {
  if (typeof node === 'string') {
    if (!node.includes(PH_PREFIX)) return node;
    const m = PH_EXACT.exec(node);
    if (!m) throw new NeedsFullParse();
    return cloneValue(values[Number(m[1])]);
  }
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) {
    const out: unknown[] = [];
    for (const x of node) {
      const c = fill(x, values);
      if (c !== undefined && c !== null) out.push(c);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(node)) {
    if (k.includes(PH_PREFIX)) throw new NeedsFullParse();
    const c = fill((node as Record<string, unknown>)[k], values);
    if (c !== undefined && c !== null) out[k] = c;
  }
  return out;
}

type HbsNode = { type: string; [k: string]: any };

/** Every mustache must be `{{json <one value>}}`; blocks only if/unless/each/with; no partials. */
function checkAst(node: HbsNode, problems: string[]): void {
  switch (node.type) {
    case 'Program':
      for (const s of node.body as HbsNode[]) checkAst(s, problems);
      return;
    case 'MustacheStatement': {
      const name = node.path?.original;
      if (name !== 'json' || (node.params as unknown[]).length !== 1 || (node.hash && node.hash.pairs.length > 0)) {
        problems.push(`line ${node.loc?.start.line ?? 0}: "{{${name ?? '?'}…}}" writes a value without the json helper; write {{json ${name ?? 'value'}}}`);
      }
      return;
    }
    case 'BlockStatement': {
      const name = node.path?.original;
      if (!BLOCK_HELPERS.has(name)) problems.push(`line ${node.loc?.start.line ?? 0}: block helper "${name}" is not allowed (use if, unless, each, with)`);
      if (node.program) checkAst(node.program, problems);
      if (node.inverse) checkAst(node.inverse, problems);
      return;
    }
    case 'ContentStatement':
    case 'CommentStatement':
      return;
    default:
      problems.push(`line ${node.loc?.start.line ?? 0}: ${node.type} is not allowed in templates`);
  }
}

function declaredKind(src: TemplateSource): string | undefined {
  const first = src.text.split('\n', 1)[0] ?? '';
  const m = KIND_RE.exec(first.trim());
  if (m) return m[1];
  const byName = RENDERED_KINDS.find((k) => templateFileName(k) === src.name);
  return byName;
}

function diag(file: string, message: string, code: string, hint?: string): Diagnostic {
  const d: Diagnostic = { severity: 'error', file, line: 0, column: 0, path: '', message, code };
  if (hint) d.hint = hint;
  return d;
}

/**
 * Compiles templates. `sources` are applied in order: a later source for the same kind replaces
 * an earlier one (pass the shipped templates first, then the repo's overrides).
 */
export function compileTemplates(sources: readonly TemplateSource[]): { templates: TemplateSet; diagnostics: Diagnostic[] } {
  const env = makeEnv();
  const templates: TemplateSet = new Map();
  const diagnostics: Diagnostic[] = [];
  for (const src of sources) {
    const kind = declaredKind(src);
    if (!kind || !(RENDERED_KINDS as readonly string[]).includes(kind)) {
      diagnostics.push(
        diag(src.file, `template declares no known kind${kind ? ` ("${kind}")` : ''}`, 'template-kind', `start it with "# kind: <Kind>", one of ${RENDERED_KINDS.join(', ')}`),
      );
      continue;
    }
    let ast: HbsNode;
    try {
      ast = env.parse(src.text) as unknown as HbsNode;
    } catch (err) {
      diagnostics.push(diag(src.file, `template does not parse: ${(err as Error).message.split('\n')[0]}`, 'template-syntax'));
      continue;
    }
    const problems: string[] = [];
    checkAst(ast, problems);
    if (problems.length > 0) {
      for (const p of problems) diagnostics.push(diag(src.file, p, 'template-unsafe'));
      continue;
    }
    const fn = env.compile(src.text, { noEscape: true, knownHelpers: { json: true }, knownHelpersOnly: true });
    templates.set(kind as RenderedKind, {
      kind: kind as RenderedKind,
      file: src.file,
      render: (ctx) => fn(ctx),
      renderSkeleton: (ctx) => {
        const values: unknown[] = [];
        collecting = values;
        try {
          return { text: fn(ctx), values };
        } finally {
          collecting = undefined;
        }
      },
      skeletons: new Map(),
    });
  }
  for (const k of RENDERED_KINDS) {
    if (!templates.has(k)) diagnostics.push(diag(`templates/${templateFileName(k)}`, `no template for kind ${k}`, 'template-missing'));
  }
  return { templates, diagnostics };
}

/** null means "leave out": templates write optional values unconditionally through {{json}}. */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map(dropNulls);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === null || v === undefined) continue;
    out[k] = dropNulls(v);
  }
  return out;
}

const MAX_SKELETONS = 512;

/** Parses rendered text: exactly one YAML document holding a mapping. */
function parseOne(text: string): { value?: unknown; error?: string } {
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false });
  if (!Array.isArray(docs)) return { error: 'rendered output is empty' };
  const nonEmpty = docs.filter((d) => d.contents !== null || d.errors.length > 0);
  if (nonEmpty.length !== 1) return { error: `rendered output has ${nonEmpty.length} YAML documents, expected exactly 1` };
  const doc = nonEmpty[0]!;
  if (doc.errors.length > 0) return { error: `rendered output is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}` };
  const value = doc.toJS({ maxAliasCount: 0 }) as unknown;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'rendered output is not a mapping' };
  return { value };
}

function checkObject(t: CompiledTemplate, obj: KubeObject): string | undefined {
  if (obj.kind !== t.kind) return `rendered output has kind ${JSON.stringify(obj.kind)}, the template declares ${t.kind}`;
  if (typeof obj.apiVersion !== 'string' || !obj.metadata || typeof obj.metadata.name !== 'string' || obj.metadata.name === '') {
    return 'rendered output lacks apiVersion or metadata.name';
  }
  return undefined;
}

/**
 * Renders one object and parses it back: the output must be exactly one mapping of the declared
 * kind, or the result carries an error for a diagnostic naming the template.
 *
 * Speed: the template is rendered with placeholders instead of values; the skeleton text is
 * parsed once and cached, then the values are put in. Because every value is a JSON literal in a
 * node position, this gives exactly what parsing the full text gives (tests compare both); when a
 * placeholder is not a whole node (e.g. inside a quoted string or a key) the full text is parsed.
 */
export function renderObject(t: CompiledTemplate, context: Record<string, unknown>): { object?: KubeObject; error?: string } {
  let skeleton: { text: string; values: unknown[] };
  try {
    skeleton = t.renderSkeleton(context);
  } catch (err) {
    return { error: `template failed: ${(err as Error).message.split('\n')[0]}` };
  }
  let parsed = t.skeletons.get(skeleton.text);
  if (!parsed) {
    const r = parseOne(skeleton.text);
    parsed = r.error !== undefined ? { error: r.error } : { tree: r.value };
    if (t.skeletons.size < MAX_SKELETONS) t.skeletons.set(skeleton.text, parsed);
  }
  let obj: KubeObject;
  try {
    if (parsed.error !== undefined) throw new NeedsFullParse();
    obj = fill(parsed.tree, skeleton.values) as KubeObject;
  } catch (err) {
    if (!(err instanceof NeedsFullParse)) throw err;
    return renderObjectByText(t, context);
  }
  const error = checkObject(t, obj);
  return error ? { error } : { object: obj };
}

/** The reference path: render the full text with JSON literals and parse it. */
export function renderObjectByText(t: CompiledTemplate, context: Record<string, unknown>): { object?: KubeObject; error?: string } {
  let text: string;
  try {
    text = t.render(context);
  } catch (err) {
    return { error: `template failed: ${(err as Error).message.split('\n')[0]}` };
  }
  const r = parseOne(text);
  if (r.error !== undefined) return { error: r.error };
  const obj = dropNulls(r.value) as KubeObject;
  const error = checkObject(t, obj);
  return error ? { error } : { object: obj };
}
