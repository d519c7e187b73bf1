import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { collapse, describeCycles, fileGraph, findCycles, folderOf, moduleSpecifiers, sourceFiles, type Graph } from './import-graph.js';

// The sources, not dist/: this file runs as dist/test/architecture/import-cycles.test.js.
const ROOT = path.resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const ROOTS = ['lib', 'profiles', 'distributions'];

const graphOf = (edges: Record<string, string[]>): Graph => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));

describe('the cycle finder', () => {
  it('finds each cycle of a small graph, and nothing in its acyclic part', () => {
    // a → b → c → a is one cycle; d ↔ e another; f imports itself; g → a and h are outside any.
    const g = graphOf({ a: ['b'], b: ['c', 'h'], c: ['a'], d: ['e'], e: ['d', 'a'], f: ['f'], g: ['a'], h: [] });
    const cycles = findCycles(g);
    assert.deepEqual(
      cycles.map((c) => c.members),
      [['a', 'b', 'c'], ['d', 'e'], ['f']],
    );
    assert.deepEqual(
      cycles.map((c) => c.path),
      [
        ['a', 'b', 'c', 'a'],
        ['d', 'e', 'd'],
        ['f', 'f'],
      ],
    );
    assert.match(describeCycles(cycles), /^a → b → c → a\nd → e → d\nf → f$/);
  });

  it('gives the shortest cycle through a component, and lists every member when the path shows fewer', () => {
    const g = graphOf({ a: ['b', 'c'], b: ['d'], c: ['a'], d: ['a'] });
    const [cycle] = findCycles(g);
    assert.deepEqual(cycle?.path, ['a', 'c', 'a']);
    assert.match(describeCycles(findCycles(g)), /component of 4: a, b, c, d/);
  });

  it('finds none in a DAG', () => {
    assert.deepEqual(findCycles(graphOf({ a: ['b', 'c'], b: ['c'], c: [] })), []);
  });

  it('collapses files into folders, dropping imports inside one folder', () => {
    const files = graphOf({
      'lib/x/a.ts': ['lib/x/b.ts', 'lib/top.ts'],
      'lib/x/b.ts': ['lib/y/c.ts'],
      'lib/y/c.ts': ['lib/x/d.ts'],
      'lib/x/d.ts': [],
      'lib/top.ts': ['profiles/p.ts'],
      'profiles/p.ts': [],
    });
    const folders = collapse(files, folderOf);
    assert.deepEqual(
      [...folders].map(([k, v]) => [k, [...v]]),
      [
        ['lib/x', ['lib', 'lib/y']],
        ['lib/y', ['lib/x']],
        ['lib', ['profiles']],
        ['profiles', []],
      ],
    );
    assert.deepEqual(findCycles(files), []);
    assert.deepEqual(
      findCycles(folders).map((c) => c.path),
      [['lib/x', 'lib/y', 'lib/x']],
    );
  });

  it('reads every kind of import, type-only ones too, and nothing in comments or strings', () => {
    const text = [
      "import a from './a.js';",
      "import type { B } from './b.js';",
      "import { type C } from './c.js';",
      "import './d.js';",
      "export { e } from './e.js';",
      "export type { F } from './f.js';",
      "export * from './g.js';",
      "import h = require('./h.js');",
      "const i = () => import('./i.js');",
      "let j: import('./j.js').J;",
      "// import k from './k.js';",
      'const l = "import m from \'./m.js\'";',
      "import n from 'node:fs';",
    ].join('\n');
    assert.deepEqual(moduleSpecifiers('x.ts', text), ['./a.js', './b.js', './c.js', './d.js', './e.js', './f.js', './g.js', './h.js', './i.js', './j.js', 'node:fs']);
  });
});

describe('import cycles in lib/, profiles/ and distributions/', () => {
  const files = ROOTS.flatMap((r) => sourceFiles(path.join(ROOT, r)));
  const { graph, unresolved } = fileGraph(ROOT, files);

  it('reads the sources', () => {
    assert.ok(files.length > 100, `only ${files.length} source files under ${ROOT}`);
    assert.ok(graph.get('lib/index.ts')?.size, 'lib/index.ts imports nothing?');
  });

  it('resolves every relative import to a source file', () => {
    assert.deepEqual(unresolved, []);
  });

  it('has no cycle between files', () => {
    const cycles = findCycles(graph);
    assert.equal(cycles.length, 0, `${cycles.length} import cycle(s) between files:\n${describeCycles(cycles)}`);
  });

  it('has no cycle between folders (each lib/ subfolder, lib/ itself, profiles/, distributions/)', () => {
    const cycles = findCycles(collapse(graph, folderOf));
    assert.equal(cycles.length, 0, `${cycles.length} import cycle(s) between folders:\n${describeCycles(cycles)}`);
  });
});
