import type { Diagnostic } from '../diagnostics.js';
import type { Intent } from './model.js';
import { GPU_CATALOG, lookupGpu } from '../gpu/catalog.js';
import { didYouMean } from '../util/did-you-mean.js';

/*
 * A separate validation pass (the intent readers only check the model's spelling): a GPU model
 * outside the catalog passes the reader but no provider advertises it, so the intent would end
 * NoMatch. A warning, not an error: a federation may offer a GPU the catalog does not know yet.
 */

const MODELS = GPU_CATALOG.map((g) => g.model);

/** Line/column of the `model:` key holding `value` (the first one), 1-based; 0/0 when not found. */
function positionOf(text: string | undefined, value: string): { line: number; column: number } {
  if (text === undefined) return { line: 0, column: 0 };
  const lines = text.split('\n');
  const lower = value.toLowerCase();
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*(?:-\s+)?)model\s*:\s*["']?([^"'#\s]+)/.exec(lines[i]!);
    if (m && m[2]!.toLowerCase() === lower) return { line: i + 1, column: m[1]!.length + 1 };
  }
  return { line: 0, column: 0 };
}

export function gpuCatalogWarnings(intents: readonly Intent[], textOf: (file: string) => string | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const intent of intents) {
    const model = intent.spec.resources.gpu.model;
    if (model === undefined || model.toLowerCase() === 'any' || lookupGpu(model)) continue;
    const near = didYouMean(model, MODELS);
    const gpuPath = intent.spec.workload ? 'workload.resources.gpu.model' : 'requirements.gpu.model';
    out.push({
      severity: 'warning',
      file: intent.file,
      ...positionOf(textOf(intent.file), model),
      path: gpuPath,
      code: 'unknown-gpu-model',
      message: `GPU model ${JSON.stringify(model)} is not in the GPU catalog: no provider is known to offer it, so the intent would end NoMatch`,
      hint: near ? `did you mean "${near}"?` : `catalog models: ${MODELS.slice(0, 8).join(', ')}, … (see flare resources)`,
    });
  }
  return out;
}
