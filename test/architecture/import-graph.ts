import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** A directed graph: each node and the nodes it imports. */
export type Graph = Map<string, Set<string>>;

/** Every `.ts` file (not `.d.ts`) under `dir`, recursively, as absolute paths. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/**
 * Every module specifier a file names: `import` (including `import type` and
 * side-effect imports), `export … from`, `import x = require(…)`, `import(…)`
 * calls and `import('…').T` types. Read with TypeScript's own parser, so
 * comments and strings are never mistaken for imports.
 */
export function moduleSpecifiers(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      out.push(node.moduleReference.expression.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) out.push(arg.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The `.ts` file a relative specifier (`./x.js`, `../y/index.js`, `./z`) names, or undefined. */
export function resolveRelative(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, path.join(base, 'index.ts')];
  return candidates.find((c) => c.endsWith('.ts') && existsSync(c) && statSync(c).isFile());
}

export interface FileGraph {
  graph: Graph;
  /** Relative specifiers that name no source file: each is a bug in the test or the code. */
  unresolved: string[];
}

/** The file-level import graph of `files`, nodes named relative to `root` with `/`. */
export function fileGraph(root: string, files: string[]): FileGraph {
  const rel = (f: string) => path.relative(root, f).split(path.sep).join('/');
  const graph: Graph = new Map();
  const unresolved: string[] = [];
  for (const file of files) {
    const deps = new Set<string>();
    for (const spec of moduleSpecifiers(file, readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue; // a package or node: built-in
      const target = resolveRelative(file, spec);
      if (target) deps.add(rel(target));
      else unresolved.push(`${rel(file)}: '${spec}'`);
    }
    graph.set(rel(file), deps);
  }
  return { graph, unresolved };
}

/** The graph with each node replaced by `group(node)`; edges within one group are dropped. */
export function collapse(graph: Graph, group: (node: string) => string): Graph {
  const out: Graph = new Map();
  for (const [from, deps] of graph) {
    const g = group(from);
    const set = out.get(g) ?? new Set<string>();
    out.set(g, set);
    for (const d of deps) if (group(d) !== g) set.add(group(d));
  }
  return out;
}

/** A file's folder node: lib/<sub>/… is `lib/<sub>`, lib/x.ts is `lib`, anything else its top folder. */
export function folderOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'lib') return parts.length > 2 ? `lib/${parts[1]}` : 'lib';
  return parts[0]!;
}

/** The strongly connected components of `graph` (Tarjan's algorithm), each sorted, in a stable order. */
export function stronglyConnected(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;
  const succ = (n: string) => [...(graph.get(n) ?? [])].sort();
  // Iterative, so a long import chain cannot overflow the call stack.
  for (const start of [...graph.keys()].sort()) {
    if (index.has(start)) continue;
    const work: { node: string; edges: string[]; i: number }[] = [];
    const enter = (n: string) => {
      index.set(n, next);
      low.set(n, next);
      next++;
      stack.push(n);
      onStack.add(n);
      work.push({ node: n, edges: succ(n), i: 0 });
    };
    enter(start);
    while (work.length) {
      const top = work[work.length - 1]!;
      if (top.i < top.edges.length) {
        const w = top.edges[top.i++]!;
        if (!index.has(w)) enter(w);
        else if (onStack.has(w)) low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        continue;
      }
      work.pop();
      const v = top.node;
      if (work.length) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
        } while (w !== v);
        out.push(comp.sort());
      }
    }
  }
  return out.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
}

/** A shortest cycle through `start` staying inside `members`, as `[start, …, start]` (breadth first). */
export function cycleThrough(graph: Graph, start: string, members: Set<string>): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  const seen = new Set<string>();
  while (queue.length) {
    const n = queue.shift()!;
    for (const d of [...(graph.get(n) ?? [])].sort()) {
      if (!members.has(d)) continue;
      if (d === start) {
        const between: string[] = [];
        for (let c: string | undefined = n; c !== undefined && c !== start; c = prev.get(c)) between.unshift(c);
        return [start, ...between, start];
      }
      if (seen.has(d)) continue;
      seen.add(d);
      prev.set(d, n);
      queue.push(d);
    }
  }
  return [start];
}

export interface Cycle {
  /** Every node of the strongly connected component. */
  members: string[];
  /** One cycle through its first member, e.g. `['a', 'b', 'a']`. */
  path: string[];
}

/** Each strongly connected component of more than one node (and each node importing itself), with one cycle through it. */
export function findCycles(graph: Graph): Cycle[] {
  return stronglyConnected(graph)
    .filter((c) => c.length > 1 || graph.get(c[0]!)?.has(c[0]!))
    .map((members) => ({ members, path: cycleThrough(graph, members[0]!, new Set(members)) }));
}

/** One line per cycle: its path, then every member when the component is bigger than the path shows. */
export function describeCycles(cycles: Cycle[]): string {
  return cycles
    .map((c) => {
      const line = c.path.join(' → ');
      return c.members.length > c.path.length - 1 ? `${line}\n    (component of ${c.members.length}: ${c.members.join(', ')})` : line;
    })
    .join('\n');
}
