// A synthetic FLARE repo as text: N intents of varied shapes over tenants, a third of them with a
// status in stages B–D. The render benchmark writes it at scale; the YAML reader tests read it, so
// it lives here rather than in src/bench, which does not ship.
const MODELS = ['nvidia-h100', 'nvidia-a100', 'nvidia-rtx-4090', 'nvidia-t4', 'amd-mi300x', 'any'];
const LOCATIONS = ['EU', 'US', 'Asia', 'edge', 'eu-west-1', 'any'];

export function tenantYaml(t: string): string {
  return `apiVersion: flare.fluidos.eu/v1alpha1\nkind: Tenant\nmetadata:\n  name: ${t}\nspec:\n  owners:\n    - kind: Group\n      name: ${t}\n  quota:\n    gpus: 1000000\n`;
}

export function intentYaml(n: number): string {
  const model = MODELS[n % MODELS.length]!;
  const count = 1 + (n % 4);
  const location = LOCATIONS[n % LOCATIONS.length]!;
  const lines = [
    'apiVersion: flare.fluidos.eu/v1alpha1',
    'kind: Intent',
    'metadata:',
    `  name: w${n}`,
    'spec:',
    `  objective: ${['Cost_Minimization', 'Performance_Maximization', 'Balanced_Optimization', 'Latency_Minimization'][n % 4]}`,
  ];
  if (n % 10 === 9) {
    lines.push('  requirements:', '    gpu:', `      model: ${model}`, `      count: ${count}`, '      memory: 24Gi');
  } else {
    const batch = n % 3 === 0;
    lines.push(
      '  workload:',
      `    type: ${batch ? 'batch' : 'service'}`,
      `    image: registry.example.com/app:${n % 50}`,
      `    commands: ["python3", "serve.py", "--id=${n}"]`,
      '    env:',
      `      - MODE=${batch ? 'train' : 'serve'}`,
      '      - LOG_LEVEL=info',
      '    resources:',
      `      cpu: "${2 * count}"`,
      `      memory: ${8 * count}Gi`,
      '      gpu:',
      `        model: ${model}`,
      `        count: ${count}`,
      `        memory_min: ${[16, 24, 40, 80][n % 4]}Gi`,
    );
    if (n % 7 === 0) lines.push('        tier: premium', '        shared: true');
    if (batch) lines.push('    batch:', `      parallel_tasks: ${1 + (n % 8)}`, '      max_retries: 2', '      timeout: 2h');
    else {
      lines.push('    ports:', '      - port: 8000', n % 5 === 0 ? `        expose: true\n        domain: w${n}.example.com` : '        expose: false');
      if (n % 4 === 1) lines.push('    scaling:', '      min_replicas: 2', '      max_replicas: 6', '      auto_scale: true');
      if (n % 6 === 2) lines.push('    storage:', '      volumes:', '        - name: data', '          size: 20Gi', '          type: persistent', '          path: /data');
    }
  }
  lines.push('  constraints:', `    max_hourly_cost: ${2 + (n % 9)} EUR`, `    location: ${location}`);
  if (n % 8 === 3) lines.push('    providers: [provider-de, provider-nl]', '    max_latency_ms: 50');
  if (n % 11 === 4) lines.push('    security:', '      network_isolation: private');
  return lines.join('\n') + '\n';
}

export function statusYaml(t: string, n: number, specHash = 'bench'): string | undefined {
  const stage = n % 6; // 0,1: none; 2: B; 3: C; 4,5: D
  if (stage < 2) return undefined;
  const p = [
    `    - solver: flare-${t}-w${n}`,
    '      attempt: 1',
    '      chosen:',
    `        candidate: pc-provider-${n % 13}`,
    `        flavor: flavor-${n % 13}`,
    `        provider: provider-${n % 13}`,
    `        owner: {domain: provider-${n % 13}.fluidos.local, nodeID: provider-${n % 13}, ip: 10.0.0.${n % 200}}`,
    '        model: nvidia-a100',
    '        count: 8',
    '        memory: 80Gi',
    '        region: eu-west-1',
    '        hourly_rate: 1.5',
    '        hourly_cost: 1.5',
    '        score: 0.8',
    '        breakdown: {cost: 0.5, performance: 0.5, latency: 0.5, energy: 0}',
  ];
  if (stage >= 3) p.push(`      contract: {name: contract-${n}, liqo_id: provider-${n % 13}}`);
  if (stage >= 4) p.push(`      remote_cluster_id: provider-${n % 13}`);
  return [
    'apiVersion: flare.fluidos.eu/v1alpha1',
    'kind: IntentStatus',
    'metadata:',
    `  name: w${n}`,
    `  tenant: ${t}`,
    'status:',
    `  intent_id: ${t}-w${n}`,
    `  tenant: ${t}`,
    `  name: w${n}`,
    `  phase: ${stage === 2 ? 'Reserving' : stage === 3 ? 'Allocating' : 'Deploying'}`,
    '  selection: flare',
    `  spec_hash: "${specHash}"`,
    '  placements:',
    ...p,
    '  history: []',
  ].join('\n') + '\n';
}
