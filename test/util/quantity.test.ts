import { describe, expect, it } from 'vitest';
import { isQuantity, parseQuantity } from '../../src/util/quantity.js';

describe('quantities are what the Kubernetes API accepts', () => {
  it('accepts the suffixes of resource.Quantity', () => {
    for (const q of ['500m', '8', '4.5', '32Gi', '1.5G', '1e3', '2k', '100Mi', '.5']) expect(isQuantity(q), q).toBe(true);
    expect(parseQuantity('2k')).toBe(2000);
    expect(parseQuantity('32Gi')).toBe(32 * 2 ** 30);
  });

  it('rejects suffixes the API server rejects (upper-case K, lower-case binary, KB)', () => {
    for (const q of ['2K', '2ki', '2KB', '2gi', '1 Gi', '-1', 'Gi']) {
      expect(isQuantity(q), q).toBe(false);
      expect(parseQuantity(q), q).toBeUndefined();
    }
  });
});
