// The shape of the code, enforced: who may import whom (kubebuilder's layering: api/ and contracts/ are
// leaves, the workload construct sits on them, the two programs never reach into each other, product code
// never into tests), and no import loops anywhere — between files, and between top-level folders (test
// folders each count as one), tests included. Type-only imports count: they are dependencies too.
import { importGraph, PRODUCT, reachable } from './import-graph.js';

const graph = importGraph();

const top = (file: string) => file.split('/')[0] as string;
/** A test folder is test/<name>; everything else is its top-level folder. */
const folder = (file: string) => (top(file) === 'test' ? file.split('/').slice(0, 2).join('/') : top(file));

function violations(from: (file: string) => boolean, allowed: (target: string) => boolean): string[] {
  return [...graph.files].filter(([file]) => from(file)).flatMap(([file, targets]) => targets.filter((t) => !allowed(t)).map((t) => `${file} -> ${t}`));
}

test('imports resolve to files that exist', () => {
  const missing = [...graph.files].flatMap(([file, targets]) => targets.filter((t) => !graph.files.has(t)).map((t) => `${file} -> ${t}`));
  expect(missing).toEqual([]);
});

test('api/ and contracts/ import nothing of ours', () => {
  expect(violations((f) => top(f) === 'api', (t) => top(t) === 'api')).toEqual([]);
  expect(violations((f) => top(f) === 'contracts', (t) => top(t) === 'contracts')).toEqual([]);
});

test('cdk8s/ imports only api/ and contracts/', () => {
  expect(violations((f) => top(f) === 'cdk8s', (t) => ['cdk8s', 'api', 'contracts'].includes(top(t)))).toEqual([]);
});

test('service/ and operator/ never import each other', () => {
  expect(violations((f) => top(f) === 'service', (t) => top(t) !== 'operator')).toEqual([]);
  expect(violations((f) => top(f) === 'operator', (t) => top(t) !== 'service')).toEqual([]);
});

test('vrf/ (the verification library) and cli/ import neither program', () => {
  expect(violations((f) => top(f) === 'vrf', (t) => ['vrf', 'contracts'].includes(top(t)))).toEqual([]);
  expect(violations((f) => top(f) === 'cli', (t) => ['cli', 'vrf', 'contracts'].includes(top(t)))).toEqual([]);
});

/** What a browser cannot load: Node's built-ins and native addons. */
const NODE_ONLY_PACKAGES = ['sodium-native'];

test('the portable part of vrf/ (all but vrf/node/) reaches nothing Node-only, so a browser runs it', () => {
  const portable = [...graph.files.keys()].filter((f) => top(f) === 'vrf' && !f.startsWith('vrf/node/') && !f.endsWith('.test.ts'));
  expect(portable.length).toBeGreaterThan(0);
  const nodeOnly = portable.flatMap((entry) =>
    [...reachable(graph, entry)].flatMap((file) => [...(graph.builtins.get(file) ?? []), ...(graph.packages.get(file) ?? []).filter((p) => NODE_ONLY_PACKAGES.includes(p))].map((what) => `${entry} reaches ${file} -> ${what}`)),
  );
  expect([...new Set(nodeOnly)]).toEqual([]);
});

test('dashboard/ (the browser app) imports only dashboard/ and api/, and reaches no Node built-in', () => {
  expect(violations((f) => top(f) === 'dashboard', (t) => ['dashboard', 'api'].includes(top(t)))).toEqual([]);
  const app = [...graph.files.keys()].filter((f) => top(f) === 'dashboard');
  expect(app).toContain('dashboard/main.tsx');
  const nodeOnly = app.flatMap((entry) =>
    [...reachable(graph, entry)].flatMap((file) => [...(graph.builtins.get(file) ?? []), ...(graph.packages.get(file) ?? []).filter((p) => NODE_ONLY_PACKAGES.includes(p))].map((what) => `${entry} reaches ${file} -> ${what}`)),
  );
  expect([...new Set(nodeOnly)]).toEqual([]);
});

test('product code never imports tests, benchmarks or scripts', () => {
  expect(violations((f) => PRODUCT.includes(top(f)), (t) => PRODUCT.includes(top(t)))).toEqual([]);
});

/** Strongly connected components with more than one member (or a self-import): the loops. */
function loops(edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, indices.get(w) as number));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || edges.get(v)?.has(v)) found.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!indices.has(v)) visit(v);
  return found;
}

test('no import loops between files', () => {
  expect(loops(new Map([...graph.files].map(([f, ts]) => [f, new Set(ts)])))).toEqual([]);
});

test('no import loops between folders (each test folder counts as one)', () => {
  const edges = new Map<string, Set<string>>();
  for (const [file, targets] of graph.files) {
    const from = folder(file);
    const set = edges.get(from) ?? new Set<string>();
    for (const t of targets) if (folder(t) !== from) set.add(folder(t));
    edges.set(from, set);
  }
  expect(loops(edges)).toEqual([]);
});

test('the reading sees imports, and the loop finder finds loops', () => {
  expect(graph.files.get('operator/controller.ts')).toContain('api/v1alpha1/labels.ts');
  const sample = new Map([['a', new Set(['b'])], ['b', new Set(['a', 'd'])], ['c', new Set(['c'])], ['d', new Set<string>()]]);
  expect(loops(sample)).toEqual([['a', 'b'], ['c']]);
});
