import { describe, expect, it } from 'vitest';
import { defaultFederation } from '../../../src/sandbox/federation/default.js';
import { federationNodes } from '../../../src/sandbox/federation/flavors.js';
import { checkAnnotations } from '../../../src/provider/check.js';

describe('default federation', () => {
  it('annotates every provider node the way `flare annotate --check` accepts', () => {
    const nodes = federationNodes(defaultFederation());
    expect(nodes.length).toBeGreaterThan(0);
    const problems = nodes.flatMap((n) =>
      checkAnnotations(n.metadata.annotations ?? {}).map((v) => `${n.metadata.name}: ${v.key}: ${v.message}`),
    );
    expect(problems).toEqual([]);
  });
});
