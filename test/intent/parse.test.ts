import { describe, expect, it } from 'vitest';
import { parseIntent } from '../../src/intent/parse.js';
import { resolveCommands } from '../../src/intent/read-container.js';
import { DEFAULT_CONFIG } from '../../src/config/model.js';
import { hourlyBudget } from '../../src/intent/budget.js';

const opts = { tenant: 'team-a', config: DEFAULT_CONFIG };
const errors = (r: ReturnType<typeof parseIntent>) => r.diagnostics.filter((d) => d.severity === 'error');

const API = JSON.stringify({
  intent: {
    objective: 'Cost_Minimization',
    workload: {
      type: 'Service',
      name: 'llama',
      image: 'ghcr.io/x/tgi:2.0',
      commands: ['--model-id=m', '--max-batch-size=16'],
      env: ['A=1', 'URL=http://x?a=b', 'REF=${HOME}'],
      ports: [{ port: 8080, expose: true }],
      resources: { cpu: '8', memory: '32Gi', gpu: { model: 'nvidia-t4', count: 1, memory: '16Gi' } },
    },
    constraints: { max_hourly_cost: '5 EUR', location: 'eu', max_network_latency: '50ms' },
  },
});

describe('parseIntent: the three shapes', () => {
  it('reads the API body; the name is workload.name; aliases resolved', () => {
    const r = parseIntent(API, 'intents/team-a/x.json', opts);
    expect(errors(r)).toEqual([]);
    const i = r.intent!;
    expect(i).toMatchObject({ id: 'team-a-llama', name: 'llama', tenant: 'team-a', shape: 'api', file: 'intents/team-a/x.json' });
    expect(i.spec.resources).toEqual({
      cpu: '8',
      memory: '32Gi',
      gpu: { model: 'nvidia-t4', count: 1, memory_min: '16Gi', shared: false, interruptible: false, multi_instance: false, dedicated: false },
    });
    expect(i.spec.workload!.type).toBe('service');
    expect(i.spec.workload!.containers).toEqual([{ name: 'llama', image: 'ghcr.io/x/tgi:2.0', args: ['--model-id=m', '--max-batch-size=16'] }]);
    expect(i.spec.workload!.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'URL', value: 'http://x?a=b' },
      { name: 'REF', value: '${HOME}' },
    ]);
    expect(i.spec.workload!.ports).toEqual([{ port: 8080, protocol: 'TCP', expose: true }]);
    expect(i.spec.constraints).toEqual({ preemptible: false, max_hourly_cost: 5, location: 'EU', max_latency_ms: 50 });
    expect(i.spec.workload!.scaling).toEqual({ min_replicas: 1, max_replicas: 10, auto_scale: false, target_cpu_percent: 70, target_gpu_percent: 80 });
  });

  it('reads the envelope; metadata.name is authoritative and labels are kept', () => {
    const text = `apiVersion: flare.fluidos.eu/v1alpha1
kind: Intent
metadata:
  name: trainer
  labels: {team: ml}
spec:
  objective: Performance_Maximization
  selection: fluidos
  workload:
    type: JOB
    image: pytorch/pytorch:2.3
    commands: [torchrun, --nproc_per_node=4, train.py]
    resources: {gpu: {count: 4, model: any, tier: Premium}}
    job: {timeout: 2h, parallel_tasks: 2}
  constraints:
    max_total_cost: 30 EUR
`;
    const r = parseIntent(text, 'intents/team-a/whatever.yaml', opts);
    expect(errors(r)).toEqual([]);
    const i = r.intent!;
    expect(i.name).toBe('trainer');
    expect(i.shape).toBe('envelope');
    expect(i.labels).toEqual({ team: 'ml' });
    expect(i.spec.selection).toBe('fluidos');
    expect(i.spec.workload!.type).toBe('batch');
    expect(i.spec.workload!.name).toBe('trainer');
    expect(i.spec.workload!.batch).toEqual({ parallel_tasks: 2, max_retries: 3, timeout: 7200, completion_policy: 'All' });
    expect(i.spec.workload!.containers[0]!.command).toEqual(['torchrun', '--nproc_per_node=4', 'train.py']);
    expect(i.spec.resources.gpu.model).toBeUndefined();
    expect(i.spec.resources.gpu.tier).toBe('premium');
    // 30 EUR over the 2h timeout
    expect(hourlyBudget(i, DEFAULT_CONFIG)).toBe(15);
  });

  it('reads the one-call form; container requests are checked against the requirements', () => {
    const text = JSON.stringify({
      name: 'gpu-job',
      objective: 'Performance_Maximization',
      requirements: { gpu: { model: 'nvidia-a100', count: 1, memory: '40Gi' }, cpu: { cores: 2 }, memory: { size: '8Gi' } },
      workload: {
        type: 'deployment',
        replicas: 2,
        containers: [{ name: 'inference', image: 'nvcr.io/nvidia/pytorch:23.10-py3', command: ['python', 'inference.py'], resources: { requests: { 'nvidia.com/gpu': '2' } } }],
      },
    });
    const r = parseIntent(text, 'f.json', opts);
    expect(errors(r)).toEqual([]);
    const i = r.intent!;
    expect(i.shape).toBe('one-call');
    expect(i.spec.resources.cpu).toBe('2');
    expect(i.spec.resources.memory).toBe('8Gi');
    expect(i.spec.workload!.replicas).toBe(2);
    expect(i.spec.workload!.name).toBe('gpu-job');
    expect(i.spec.workload!.containers).toEqual([{ name: 'inference', image: 'nvcr.io/nvidia/pytorch:23.10-py3', command: ['python', 'inference.py'] }]);
    const w = r.diagnostics.filter((d) => d.code === 'requests-mismatch');
    expect(w).toHaveLength(1);
    expect(w[0]!.severity).toBe('warning');
    expect(w[0]!.path).toBe('workload.containers[0].resources.requests');
  });

  it('a requirements-only snippet is a capacity-only intent', () => {
    const r = parseIntent('{"name": "batch-processing", "requirements": {"gpu": {"count": 1, "memory": "24Gi"}}, "objective": "Cost_Minimization"}', 'f.json', opts);
    expect(errors(r)).toEqual([]);
    expect(r.intent!.spec.workload).toBeUndefined();
    expect(r.intent!.spec.resources.gpu).toMatchObject({ count: 1, memory_min: '24Gi' });
    expect(r.intent!.spec.resources.gpu.model).toBeUndefined();
  });

  it('cannot tell the shape of an unrelated object', () => {
    const r = parseIntent('foo: 1\n', 'f.yaml', opts);
    expect(r.intent).toBeUndefined();
    expect(errors(r).map((d) => d.code)).toEqual(['unknown-shape']);
  });
});

describe('parseIntent: values', () => {
  const withConstraints = (c: string) => `apiVersion: flare.fluidos.eu/v1alpha1
kind: Intent
metadata: {name: x}
spec:
  objective: Cost_Minimization
  constraints:
${c}`;

  it('"25 EUR/hour" under max_total_cost is an hourly cap, min with max_hourly_cost', () => {
    const r = parseIntent(withConstraints('    max_total_cost: 25 EUR/hour\n    max_hourly_cost: 30 EUR\n'), 'f.yaml', opts);
    expect(r.intent!.spec.constraints.max_hourly_cost).toBe(25);
    expect(r.intent!.spec.constraints.max_total_cost).toBeUndefined();
    expect(r.diagnostics.find((d) => d.code === 'hourly-total')?.severity).toBe('info');
  });

  it('names the expected currency', () => {
    const r = parseIntent(withConstraints('    max_hourly_cost: "5 usd"\n'), 'f.yaml', { ...opts, config: { ...DEFAULT_CONFIG, currency: 'EUR' } });
    const e = errors(r);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ code: 'currency-mismatch', line: 7, column: 22, path: 'constraints.max_hourly_cost' });
    expect(e[0]!.message).toContain('expected EUR');
  });

  it('lists unenforceable fields as info, without failing', () => {
    const r = parseIntent(withConstraints('    energy: {renewable_energy_only: true}\n    compliance: {gdpr_compliant: true, certifications: [ISO27001]}\n    security: {network_isolation: private, vpn_access: true}\n'), 'f.yaml', opts);
    expect(errors(r)).toEqual([]);
    const notes = r.diagnostics.filter((d) => d.code === 'not-enforced').map((d) => d.path);
    expect(notes).toEqual(['constraints.energy', 'constraints.compliance', 'constraints.security.vpn_access']);
    expect(r.intent!.spec.constraints.compliance).toEqual({ gdpr_compliant: true, certifications: ['ISO27001'] });
  });

  it('reports every problem of a file in one run, each at its own position', () => {
    const r = parseIntent(withConstraints('    deadline: tomorrow\n    max_latency_ms: 0\n    regions: [EU, EU]\n    availability: {window_start: "25:00", days_of_week: [Mon, Funday]}\n'), 'f.yaml', opts);
    const sorted = [...errors(r)].sort((a, b) => a.line - b.line || a.column - b.column);
    expect(sorted.map((d) => `${d.line}:${d.column} ${d.path} ${d.code}`)).toEqual([
      '7:15 constraints.deadline bad-format',
      '8:21 constraints.max_latency_ms out-of-range',
      '9:19 constraints.regions[1] duplicate-item',
      '10:34 constraints.availability.window_start bad-format',
      '10:63 constraints.availability.days_of_week[1] bad-enum',
    ]);
  });

  it('keeps "{{" in free-text values as a literal (values are data, never template source)', () => {
    const text = JSON.stringify({ intent: { objective: 'Cost_Minimization', workload: { type: 'batch', name: 'b', image: 'busybox:1', commands: ['echo {{ .Values.x }}'], env: ['FMT={{.ID}}'] } } });
    const r = parseIntent(text, 'f.json', opts);
    expect(errors(r)).toEqual([]);
    expect(r.intent!.spec.workload!.env).toEqual([{ name: 'FMT', value: '{{.ID}}' }]);
    expect(r.intent!.spec.workload!.containers[0]!.command).toEqual(['/bin/sh', '-c', 'echo {{ .Values.x }}']);
  });

  it('rejects a namespace over 63 characters with the allowed length', () => {
    const r = parseIntent('{"name": "a-very-long-intent-name-that-goes-on-and-on-and-on", "objective": "Cost_Minimization"}', 'f.json', { ...opts, tenant: 'research-and-development' });
    expect(errors(r)[0]).toMatchObject({ code: 'name-too-long', path: 'name' });
    expect(errors(r)[0]!.hint).toContain('at most 21 characters (each "-" of the name counts twice)');
  });

  it('gives a did-you-mean for misspelled fields at every level', () => {
    const r = parseIntent('{"name": "x", "objective": "Cost_Minimization", "requirments": {}, "constraints": {"max_hourly_cst": 3}}', 'f.json', opts);
    expect(errors(r).map((d) => [d.path, d.hint])).toEqual([
      ['requirments', 'did you mean "requirements"?'],
      ['constraints.max_hourly_cst', 'did you mean "max_hourly_cost"?'],
    ]);
  });
});

describe('commands rule', () => {
  it('one string with whitespace runs through a shell', () => {
    expect(resolveCommands(['python3 -m server --port 8000'])).toEqual({ command: ['/bin/sh', '-c', 'python3 -m server --port 8000'] });
  });
  it('a list starting with "-" is args for the entrypoint', () => {
    expect(resolveCommands(['--model-id=x', '--port=1'])).toEqual({ args: ['--model-id=x', '--port=1'] });
  });
  it('otherwise the list is the argv; a single word is argv too', () => {
    expect(resolveCommands(['torchrun', '--nproc_per_node=4'])).toEqual({ command: ['torchrun', '--nproc_per_node=4'] });
    expect(resolveCommands(['serve'])).toEqual({ command: ['serve'] });
    expect(resolveCommands([])).toEqual({});
  });
});

describe('hostile input', () => {
  it('absurdly deep nesting is a diagnostic, not a crash', () => {
    const r = parseIntent('['.repeat(100_000), 'f.yaml', opts);
    expect(r.intent).toBeUndefined();
    expect(errors(r).length).toBeGreaterThan(0);
  });
  it('a string over the length bound is rejected', () => {
    const r = parseIntent(JSON.stringify({ name: 'x', objective: 'Cost_Minimization', constraints: { availability_zone: 'a'.repeat(20_000) } }), 'f.json', opts);
    expect(errors(r).map((d) => d.code)).toEqual(['string-too-long']);
  });
});
