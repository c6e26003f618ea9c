/** Builds the dashboard bundle into `outDir` (default dist/ui); resolves to the folder. */
export function buildUi(outDir?: string): Promise<string>;
