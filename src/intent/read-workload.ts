// workload: its type, name and shape, read from the parts in read-gpu, read-container,
// read-storage and read-scaling.
import type { Container, InputShape, Workload } from './model.js';
import type { DocReader, Fields, Val } from '../doc/yaml-reader.js';
import { NOT_ENFORCED } from './read-constraints.js';
import { COMMUNICATION_PATTERNS, DEPLOYMENT_STRATEGIES } from './fields.js';
import { DNS_LABEL, readWorkloadType } from './read-names.js';
import { readBatch, readScaling } from './read-scaling.js';
import { readVolumes } from './read-storage.js';
import { readContainers, readEnv, readImage, readPorts, readSecrets, readStringList, resolveCommands, type ContainerRequests } from './read-container.js';

/** The workload of an intent in any of the three shapes; undefined when it has errors (reported). */
export function readWorkload(r: DocReader, f: Fields, shape: InputShape): { workload: Workload; requests: ContainerRequests[]; nameVal?: Val; envVal?: Val } | undefined {
  let ok = true;
  const tV = r.need(f, 'type', 'one of service, deployment, batch, job');
  const type = tV ? readWorkloadType(r, tV) : undefined;
  if (!type) ok = false;

  const nV = r.opt(f, 'name');
  let name: string | undefined;
  if (nV && shape !== 'api') {
    name = r.str(nV, { ...DNS_LABEL });
    if (name === undefined) ok = false;
  }

  const imageV = r.opt(f, 'image');
  const contV = r.opt(f, 'containers');
  const cmdV = r.opt(f, 'commands');
  let containers: Container[] = [];
  let requests: ContainerRequests[] = [];
  if (contV) {
    if (imageV) {
      r.errorAtKey(imageV, 'conflicting-fields', 'give either image (with commands) or containers, not both');
      ok = false;
    }
    if (cmdV) {
      r.errorAtKey(cmdV, 'conflicting-fields', 'commands belongs with image; a container of containers[] has its own command and args');
      ok = false;
    }
    const c = readContainers(r, contV);
    if (!c) ok = false;
    else {
      containers = c.containers;
      requests = c.requests;
    }
  } else if (!imageV) {
    r.need(f, 'image', 'a container image such as "nvcr.io/nvidia/pytorch:23.10-py3"; leave out the workload for a capacity-only intent');
    ok = false;
  } else {
    const image = readImage(r, imageV);
    const cmds = cmdV ? readStringList(r, cmdV, { multiline: true }) : [];
    if (image === undefined || cmds === undefined) ok = false;
    else containers = [{ name: '', image, ...resolveCommands(cmds) }];
  }

  const envV = r.opt(f, 'env');
  const env = envV ? readEnv(r, envV) : [];
  const portsV = r.opt(f, 'ports');
  const ports = portsV ? readPorts(r, portsV) : [];
  const storV = r.opt(f, 'storage');
  const volumes = storV ? readVolumes(r, storV) : [];
  const secV = r.opt(f, 'secrets');
  const secrets = secV ? readSecrets(r, secV) : [];
  if (!env || !ports || !volumes || !secrets) ok = false;
  if (env && secrets) {
    for (const s of secrets) {
      if (env.some((e) => e.name === s.env)) {
        r.error(secV!, 'duplicate-item', `${s.env} is set both in env and by secret ${s.name}`);
        ok = false;
      }
    }
  }

  const dsV = r.opt(f, 'deployment_strategy');
  const ds = dsV ? r.enumOf(dsV, DEPLOYMENT_STRATEGIES) : undefined;
  if (dsV) ds === undefined ? (ok = false) : r.info(dsV, 'not-enforced', NOT_ENFORCED);
  const cpV = r.opt(f, 'communication_pattern');
  const cp = cpV ? r.enumOf(cpV, COMMUNICATION_PATTERNS) : undefined;
  if (cpV) cp === undefined ? (ok = false) : r.info(cpV, 'not-enforced', NOT_ENFORCED);

  const scV = r.opt(f, 'scaling');
  const scaling = readScaling(r, scV);
  if (!scaling) ok = false;
  const repV = r.opt(f, 'replicas');
  let replicas: number | undefined;
  if (repV) {
    replicas = r.int(repV, { min: 1, max: 1000 });
    if (replicas === undefined) ok = false;
  }
  const bV = r.opt(f, 'batch');
  const batch = type === 'batch' ? readBatch(r, bV) : undefined;
  if (type === 'batch' && !batch) ok = false;
  if (type === 'service' && bV) {
    r.errorAtKey(bV, 'wrong-workload-type', `${bV.path.split('.').pop()} settings need a batch workload (type: batch or job)`, 'remove the block or change the type');
    ok = false;
  }
  if (type === 'batch' && repV) {
    r.errorAtKey(repV, 'wrong-workload-type', 'replicas are for services; a batch workload runs batch.parallel_tasks', 'use batch.parallel_tasks');
    ok = false;
  }
  if (type === 'batch' && scV) {
    r.errorAtKey(scV, 'wrong-workload-type', 'scaling is for services; a batch workload runs batch.parallel_tasks', 'use batch.parallel_tasks');
    ok = false;
  }
  if (scaling && replicas !== undefined && scV && (replicas < scaling.min_replicas || replicas > scaling.max_replicas)) {
    r.error(repV!, 'out-of-range', `replicas ${replicas} is outside scaling ${scaling.min_replicas}–${scaling.max_replicas}`);
    ok = false;
  }

  let nameVal: Val | undefined;
  if (shape === 'api' && nV) nameVal = nV;
  if (!ok || !type || !scaling || !env || !ports || !volumes || !secrets) return undefined;
  const wlName = name ?? '';
  const workload: Workload = {
    type,
    name: wlName,
    containers,
    env,
    ports,
    volumes,
    secrets,
    replicas: replicas ?? scaling.min_replicas,
    scaling,
  };
  if (ds) workload.deployment_strategy = ds;
  if (cp) workload.communication_pattern = cp;
  if (batch) workload.batch = batch;
  const res: { workload: Workload; requests: ContainerRequests[]; nameVal?: Val; envVal?: Val } = { workload, requests };
  if (nameVal) res.nameVal = nameVal;
  if (envV) res.envVal = envV;
  return res;
}
