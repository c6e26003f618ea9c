import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One relative import between two files of the tree, paths relative to its root (`cli/main.ts`). */
export interface ImportEdge {
  from: string;
  to: string;
  /** Erased by tsc (`import type`, `export type`, or every named binding `type`): it loads nothing at run time. */
  typeOnly: boolean;
}

export interface ImportGraph {
  files: string[];
  edges: ImportEdge[];
}

export interface Layer {
  name: string;
  /** Top-level folders (`intent`) or files (`errors.ts`) of src/. */
  modules: readonly string[];
}

export type Violation =
  | { kind: 'upward'; from: string; to: string; fromLayer: string; toLayer: string; typeOnly: boolean }
  | { kind: 'unplaced'; file: string }
  | { kind: 'cycle'; files: string[] };

function listTs(root: string, dir = ''): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) return listTs(root, rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // `import './x.js'` runs x
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function isTypeOnlyExport(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return !!clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
}

/** Relative imports, re-exports and dynamic `import()`s of every .ts file under root (or under its folders `under`). */
export function readImportGraph(root: string, under: readonly string[] = ['']): ImportGraph {
  const files = under.flatMap((dir) => listTs(root, dir)).sort();
  const known = new Set(files);
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const text = readFileSync(path.join(root, file), 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false);
    const add = (spec: ts.Expression | undefined, typeOnly: boolean): void => {
      if (!spec || !ts.isStringLiteralLike(spec) || !spec.text.startsWith('.')) return;
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec.text.replace(/\.js$/, '.ts')));
      if (known.has(to)) edges.push({ from: file, to, typeOnly });
    };
    // Declarations are top-level; only a file that has an `import(` needs the whole walk.
    const deep = text.includes('import(');
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, isTypeOnlyImport(node));
      else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, isTypeOnlyExport(node));
      else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false);
      else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, true);
      else if (deep) ts.forEachChild(node, visit);
    };
    for (const statement of sf.statements) visit(statement);
  }
  return { files, edges };
}

/** The layer index of a file, by its top-level folder or, for a file at the root, its name. */
export function layerOf(file: string, layers: readonly Layer[]): number | undefined {
  const top = file.split('/')[0]!;
  const i = layers.findIndex((l) => l.modules.includes(top));
  return i < 0 ? undefined : i;
}

/** Strongly connected components of more than one file, or a file importing itself (Tarjan). */
export function findCycles(graph: ImportGraph, opts: { includeTypeOnly: boolean }): string[][] {
  const next = new Map<string, string[]>(graph.files.map((f) => [f, []]));
  for (const e of graph.edges) if (opts.includeTypeOnly || !e.typeOnly) next.get(e.from)?.push(e.to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || next.get(v)!.includes(v)) cycles.push(scc.sort());
  };
  for (const f of graph.files) if (!index.has(f)) connect(f);
  return cycles;
}

/**
 * Every import that runs against the layers (a file importing a higher layer), every file no layer
 * holds, and every circle of imports. Type-only imports count for both: tsc erases them, so they
 * cannot break the load order, but they tie the modules together just the same.
 */
export function checkLayers(graph: ImportGraph, layers: readonly Layer[]): Violation[] {
  const out: Violation[] = [];
  for (const file of graph.files) if (layerOf(file, layers) === undefined) out.push({ kind: 'unplaced', file });
  for (const e of graph.edges) {
    const a = layerOf(e.from, layers);
    const b = layerOf(e.to, layers);
    if (a !== undefined && b !== undefined && b > a) {
      out.push({ kind: 'upward', from: e.from, to: e.to, fromLayer: layers[a]!.name, toLayer: layers[b]!.name, typeOnly: e.typeOnly });
    }
  }
  for (const files of findCycles(graph, { includeTypeOnly: true })) out.push({ kind: 'cycle', files });
  return out;
}

export function formatViolation(v: Violation): string {
  switch (v.kind) {
    case 'upward':
      return `upward: ${v.from} (${v.fromLayer}) -> ${v.to} (${v.toLayer})${v.typeOnly ? ' [type]' : ''}`;
    case 'unplaced':
      return `unplaced: ${v.file} is in no layer`;
    case 'cycle':
      return `cycle: ${v.files.join(' <-> ')}`;
  }
}
