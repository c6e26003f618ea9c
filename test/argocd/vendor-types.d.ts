// Minimal declarations for the two untyped Lua devDependencies used by the health-check tests.
declare module 'fengari' {
  const fengari: {
    lua: any;
    lauxlib: any;
    lualib: any;
    to_luastring(s: string): Uint8Array;
    to_jsstring(s: Uint8Array): string;
  };
  export default fengari;
}
declare module 'luaparse' {
  export function parse(code: string, options?: Record<string, unknown>): any;
}
