// workload.storage: volumes and their sources.
import type { Volume } from './model.js';
import type { DocReader, Val } from '../doc/yaml-reader.js';
import { STORAGE_FIELDS, VOLUME_FIELDS, VOLUME_SOURCE_FIELDS, VOLUME_SOURCE_TYPES, VOLUME_TYPES } from './fields.js';
import { DNS_SUBDOMAIN_RE } from '../doc/patterns.js';
import { readDnsLabel } from './read-names.js';

export function readVolumes(r: DocReader, v: Val): Volume[] | undefined {
  const sf = r.map(v, STORAGE_FIELDS);
  if (!sf) return undefined;
  const vv = r.opt(sf, 'volumes');
  if (!vv) return [];
  const items = r.list(vv, { max: 100 });
  if (!items) return undefined;
  const out: Volume[] = [];
  let ok = true;
  const names = new Set<string>();
  const paths = new Set<string>();
  for (const it of items) {
    const f = r.map(it, VOLUME_FIELDS);
    if (!f) {
      ok = false;
      continue;
    }
    const nV = r.need(f, 'name');
    const name = nV ? readDnsLabel(r, nV, 'volume name') : undefined;
    const sV = r.need(f, 'size');
    const size = sV ? r.quantity(sV, '"100Gi"') : undefined;
    const tV = r.need(f, 'type', `one of ${VOLUME_TYPES.join(', ')}`);
    const type = tV ? r.enumOf(tV, VOLUME_TYPES) : undefined;
    const pV = r.need(f, 'path');
    const path = pV ? r.str(pV, { pattern: /^\/[^\0]*$/, patternName: 'an absolute path', hint: 'e.g. "/data"', max: 1024 }) : undefined;
    if (pV && path !== undefined && path.split('/').includes('..')) {
      r.error(pV, 'bad-format', 'the path must not contain ".."');
      ok = false;
    }
    let source: Volume['source'];
    const srcV = r.opt(f, 'source');
    if (srcV) {
      const sf2 = r.map(srcV, VOLUME_SOURCE_FIELDS);
      const stV = sf2 && r.need(sf2, 'type');
      const st = stV ? r.enumOf(stV, VOLUME_SOURCE_TYPES) : undefined;
      const uV = sf2 && r.need(sf2, 'uri');
      const uri = uV ? r.str(uV, { pattern: /^(s3|gs|gcs|az|azure|abfss?|wasbs?|https?):\/\/\S+$/, patternName: 'a storage URI', hint: 'e.g. "s3://bucket/prefix"', max: 2048 }) : undefined;
      if (uri !== undefined && /^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/.test(uri)) {
        r.error(uV!, 'secret-in-repo', 'the URI carries credentials (user:password@) that would be committed to Git', 'drop them from the URI and name a Secret in source.credentials');
        ok = false;
      }
      const cV = sf2 && r.opt(sf2, 'credentials');
      const cred = cV ? r.str(cV, { pattern: DNS_SUBDOMAIN_RE, patternName: 'the name of a Secret', hint: 'name an existing Secret; credentials never go in the repo', max: 253 }) : undefined;
      if (st === undefined || uri === undefined || (cV && cred === undefined)) ok = false;
      else {
        source = { type: st, uri };
        if (cred !== undefined) source.credentials = cred;
      }
    }
    if (name === undefined || size === undefined || type === undefined || path === undefined) {
      ok = false;
      continue;
    }
    if (names.has(name)) {
      r.error(nV!, 'duplicate-item', `volume ${name} is defined twice`);
      ok = false;
    }
    if (paths.has(path)) {
      r.error(pV!, 'duplicate-item', `two volumes are mounted at ${path}`);
      ok = false;
    }
    names.add(name);
    paths.add(path);
    const vol: Volume = { name, size, type, path };
    if (source) vol.source = source;
    out.push(vol);
  }
  return ok ? out : undefined;
}
