import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { KubeObject } from '../k8s/object.js';
import { startApiServer } from '../sandbox/api/server.js';
import { ObjectStore } from '../sandbox/api/store.js';

/**
 * The sandbox API server under the load the reconciler puts on it: server-side applies over HTTP
 * (creating, changing, and no-op re-applies), listing 1,000 objects, and watch fan-out latency
 * (one write, ten HTTP watchers). Also in-process store applies, the floor under the HTTP figure.
 */
const OBJECTS = 1000;
const WATCHERS = 10;
const CONCURRENCY = 8;

function solverYaml(i: number, variant: string): string {
  return [
    'apiVersion: nodecore.fluidos.eu/v1alpha1',
    'kind: Solver',
    'metadata:',
    `  name: bench-${i}`,
    '  namespace: default',
    '  labels:',
    `    flare.fluidos.eu/intent: bench-${i}`,
    '    app.kubernetes.io/managed-by: flare',
    'spec:',
    `  intentID: bench-${i}-${variant}`,
    '  findCandidate: true',
    '  reserveAndBuy: false',
    '  establishPeering: false',
    '  selector:',
    '    flavorType: K8Slice',
    '    filters:',
    '      cpuFilter: {name: Range, data: {min: "2"}}',
    '      memoryFilter: {name: Range, data: {min: 8Gi}}',
    '      gpuFilters:',
    '        - {field: model, filter: StringFilter, data: {value: nvidia-a100}}',
    `        - {field: count, filter: NumberRangeFilter, data: {min: ${1 + (i % 4)}}}`,
    '',
  ].join('\n');
}

function solverObj(i: number, variant: string): KubeObject {
  return {
    apiVersion: 'nodecore.fluidos.eu/v1alpha1',
    kind: 'Solver',
    metadata: { name: `bench-${i}`, namespace: 'default', labels: { 'flare.fluidos.eu/intent': `bench-${i}` } },
    spec: { intentID: `bench-${i}-${variant}`, findCandidate: true, selector: { flavorType: 'K8Slice', filters: { gpuFilters: [{ field: 'count', data: { min: 1 + (i % 4) } }] } } },
  };
}

interface Http {
  call(method: string, path: string, body?: string, contentType?: string): Promise<{ status: number; body: string }>;
  agent: Agent;
}

function client(base: string, token: string): Http {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });
  const u = new URL(base);
  return {
    agent,
    call: (method, path, body, contentType) =>
      new Promise((resolve, reject) => {
        const headers: Record<string, string | number> = { Accept: 'application/json', Authorization: `Bearer ${token}` };
        if (body !== undefined) {
          headers['Content-Type'] = contentType ?? 'application/json';
          headers['Content-Length'] = Buffer.byteLength(body);
        }
        const req = request({ host: u.hostname, port: u.port, method, path, agent, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      }),
  };
}

async function pool<T>(n: number, work: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      await work(i);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const PATH = '/apis/nodecore.fluidos.eu/v1alpha1/namespaces/default/solvers';

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

export async function benchApi(log: (line: string) => void): Promise<void> {
  // In-process floor.
  {
    const store = new ObjectStore();
    const t0 = performance.now();
    for (let i = 0; i < OBJECTS; i++) store.apply(solverObj(i, 'a'), { fieldManager: 'flare' });
    for (let i = 0; i < OBJECTS; i++) store.apply(solverObj(i, 'b'), { fieldManager: 'flare' });
    const t1 = performance.now();
    for (let i = 0; i < OBJECTS; i++) store.apply(solverObj(i, 'b'), { fieldManager: 'flare' });
    const t2 = performance.now();
    log(`api: in-process store: ${Math.round((2 * OBJECTS) / ((t1 - t0) / 1000))} applies/s (create+change), ${Math.round(OBJECTS / ((t2 - t1) / 1000))} no-op applies/s`);
  }

  const srv = await startApiServer();
  const http = client(srv.url, srv.token);
  try {
    const apply = async (i: number, variant: string, yaml = false): Promise<void> => {
      const body = yaml ? solverYaml(i, variant) : JSON.stringify(solverObj(i, variant));
      const r = await http.call('PATCH', `${PATH}/bench-${i}?fieldManager=flare&force=true`, body, 'application/apply-patch+yaml');
      if (r.status !== 200 && r.status !== 201) throw new Error(`apply bench-${i}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    };
    const t0 = performance.now();
    await pool(OBJECTS, (i) => apply(i, 'a'));
    await pool(OBJECTS, (i) => apply(i, 'b'));
    const t1 = performance.now();
    const rvBefore = srv.store.resourceVersion;
    await pool(OBJECTS, (i) => apply(i, 'b'));
    const t2 = performance.now();
    if (srv.store.resourceVersion !== rvBefore) throw new Error('no-op applies changed the resourceVersion');
    await pool(OBJECTS, (i) => apply(i, 'c', true));
    const t3 = performance.now();
    log(
      `api: HTTP server-side apply (JSON body): ${2 * OBJECTS} applies (create+change) in ${(t1 - t0).toFixed(0)} ms = ${Math.round((2 * OBJECTS) / ((t1 - t0) / 1000))}/s; ` +
        `${OBJECTS} no-op re-applies in ${(t2 - t1).toFixed(0)} ms = ${Math.round(OBJECTS / ((t2 - t1) / 1000))}/s; ` +
        `${OBJECTS} YAML-body applies = ${Math.round(OBJECTS / ((t3 - t2) / 1000))}/s (concurrency ${CONCURRENCY})`,
    );

    const listTimes: number[] = [];
    let bytes = 0;
    for (let k = 0; k < 7; k++) {
      const s = performance.now();
      const r = await http.call('GET', PATH);
      const parsed = JSON.parse(r.body) as { items: unknown[] };
      listTimes.push(performance.now() - s);
      bytes = r.body.length;
      if (parsed.items.length !== OBJECTS) throw new Error(`list returned ${parsed.items.length} items`);
    }
    listTimes.sort((a, b) => a - b);
    log(`api: list ${OBJECTS} objects over HTTP (incl. client JSON.parse): median ${pct(listTimes, 50).toFixed(1)} ms, ${(bytes / 1024).toFixed(0)} KiB`);

    // Watch fan-out: WATCHERS streams from the current resourceVersion; time from issuing a merge
    // patch to the moment the last watcher has the event.
    const rv = String(srv.store.resourceVersion);
    const waiting = new Map<string, { left: number; done: () => void }>();
    const watchReqs = await Promise.all(
      Array.from({ length: WATCHERS }, () =>
        new Promise<ReturnType<typeof request>>((resolve, reject) => {
          const u = new URL(srv.url);
          const req = request({ host: u.hostname, port: u.port, path: `${PATH}?watch=true&resourceVersion=${rv}`, headers: { Authorization: `Bearer ${srv.token}` } }, (res) => {
            let buf = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              buf += chunk;
              let nl: number;
              while ((nl = buf.indexOf('\n')) >= 0) {
                const line = buf.slice(0, nl);
                buf = buf.slice(nl + 1);
                const ev = JSON.parse(line) as { object: KubeObject };
                const w = waiting.get(ev.object.spec?.intentID as string);
                if (w && --w.left === 0) w.done();
              }
            });
            resolve(req);
          });
          req.on('error', reject);
          req.end();
        }),
      ),
    );
    const lat: number[] = [];
    for (let k = 0; k < 100; k++) {
      const tag = `fanout-${k}`;
      const seen = new Promise<void>((done) => waiting.set(tag, { left: WATCHERS, done }));
      const s = performance.now();
      await Promise.all([
        http.call('PATCH', `${PATH}/bench-${k % OBJECTS}`, JSON.stringify({ spec: { intentID: tag } }), 'application/merge-patch+json'),
        seen,
      ]);
      lat.push(performance.now() - s);
    }
    for (const r of watchReqs) r.destroy();
    lat.sort((a, b) => a - b);
    log(`api: watch fan-out (${OBJECTS} objects, ${WATCHERS} watchers, 100 writes): write-to-all-delivered median ${pct(lat, 50).toFixed(2)} ms, p95 ${pct(lat, 95).toFixed(2)} ms`);
  } finally {
    http.agent.destroy();
    await srv.close();
  }
}
