import type { Diagnostic } from '../diagnostics.js';
import type { RepoModel } from '../repo/model.js';
import { loadTemplates } from './load-templates.js';
import { render } from './render.js';

/**
 * What `flare validate` reports about templates: compile errors and objects a template renders
 * outside the plan (policy), for the repo's intents at the stage their status has reached. The
 * rest of render's diagnostics are render's own business (`flare render`).
 */
export async function templateDiagnostics(repoDir: string, model: RepoModel): Promise<Diagnostic[]> {
  const tpl = await loadTemplates(repoDir);
  const out = [...tpl.diagnostics];
  const r = render(model, tpl.templates);
  for (const d of r.diagnostics) if (d.code === 'template-policy' || d.code === 'template-output' || d.code === 'template-missing') out.push(d);
  return out;
}
