/**
 * Runs an Argo CD health.lua the way Argo CD runs an argocd-cm script (util/lua/lua.go, runLua +
 * ExecuteHealthLua), in a real Lua VM (fengari):
 *  - no standard libraries except package, base and table (SkipOpenLibs when useOpenLibs is off);
 *  - the "safe os" (time, date): Argo CD's OpenSafeOs registers those two functions under the
 *    *table* library's name and preloads them as module "os", so `os` is not a global there but
 *    `require("os")` works; this runner reproduces exactly that;
 *  - the object as global `obj` (JSON-shaped: maps, arrays, numbers, strings, booleans; nulls absent);
 *  - the script's last return value must be a table; it is read as {status, message}; a status
 *    outside Argo CD's set becomes {Unknown, "Lua returned an invalid health status"}.
 * The run is bounded by an instruction budget instead of Argo CD's 1 s context deadline.
 */
import fengari from 'fengari';

const { lua, lauxlib, lualib, to_luastring, to_jsstring } = fengari;

export interface HealthStatus {
  status: string;
  message: string;
}

const VALID = new Set(['Unknown', 'Progressing', 'Suspended', 'Healthy', 'Degraded', 'Missing']);
export const INVALID_HEALTH_STATUS = 'Lua returned an invalid health status';
const INSTRUCTION_BUDGET = 10_000_000;

function pushValue(L: any, v: unknown): void {
  if (v === null || v === undefined) lua.lua_pushnil(L);
  else if (typeof v === 'boolean') lua.lua_pushboolean(L, v);
  // gopher-lua numbers are float64 whose tostring prints integers without ".0"; pushing integral
  // values as Lua 5.3 integers gives the same text.
  else if (typeof v === 'number') Number.isInteger(v) ? lua.lua_pushinteger(L, v) : lua.lua_pushnumber(L, v);
  else if (typeof v === 'string') lua.lua_pushstring(L, to_luastring(v));
  else if (Array.isArray(v)) {
    lua.lua_createtable(L, v.length, 0);
    v.forEach((item, i) => {
      pushValue(L, item);
      lua.lua_rawseti(L, -2, i + 1);
    });
  } else if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    lua.lua_createtable(L, 0, entries.length);
    for (const [k, item] of entries) {
      if (item === null || item === undefined) continue;
      lua.lua_pushstring(L, to_luastring(k));
      pushValue(L, item);
      lua.lua_rawset(L, -3);
    }
  } else throw new TypeError(`cannot pass ${typeof v} to Lua`);
}

function open(L: any, name: string, fn: unknown): void {
  lauxlib.luaL_requiref(L, to_luastring(name), fn, 1);
  lua.lua_pop(L, 1);
}

function safeOsFunctions(L: any, table: number): void {
  lua.lua_pushcfunction(L, (S: any) => {
    lua.lua_pushinteger(S, Math.floor(Date.now() / 1000));
    return 1;
  });
  lua.lua_setfield(L, table, to_luastring('time'));
  lua.lua_pushcfunction(L, (S: any) => {
    lua.lua_pushstring(S, to_luastring(new Date().toISOString()));
    return 1;
  });
  lua.lua_setfield(L, table, to_luastring('date'));
}

/** Which globals the VM offers; used by tests to show `string`/`math` are absent. */
export function newArgoCdState(): any {
  const L = lauxlib.luaL_newstate();
  open(L, lualib.LUA_LOADLIBNAME, lualib.luaopen_package);
  open(L, '_G', lualib.luaopen_base);
  open(L, lualib.LUA_TABLIBNAME, lualib.luaopen_table);
  // OpenSafeOs: RegisterModule(TabLibName, osFuncs) adds time/date to the global `table`.
  lua.lua_getglobal(L, to_luastring('table'));
  safeOsFunctions(L, lua.lua_gettop(L));
  lua.lua_pop(L, 1);
  // PreloadModule("os", SafeOsLoader): require("os") returns a fresh {time, date}.
  lua.lua_getglobal(L, to_luastring('package'));
  lua.lua_getfield(L, -1, to_luastring('preload'));
  lua.lua_pushcfunction(L, (S: any) => {
    lua.lua_createtable(S, 0, 2);
    safeOsFunctions(S, lua.lua_gettop(S));
    return 1;
  });
  lua.lua_setfield(L, -2, to_luastring('os'));
  lua.lua_pop(L, 2);
  return L;
}

function luaTypeName(L: any, idx: number): string {
  return to_jsstring(lua.lua_typename(L, lua.lua_type(L, idx)));
}

function readStringField(L: any, table: number, key: string): string {
  const t = lua.lua_getfield(L, table, to_luastring(key));
  let out = '';
  if (t === lua.LUA_TSTRING) out = to_jsstring(lua.lua_tostring(L, -1));
  else if (t !== lua.LUA_TNIL) throw new Error(`health field ${key} is a ${luaTypeName(L, -1)}, not a string`);
  lua.lua_pop(L, 1);
  return out;
}

/** ExecuteHealthLua: the health of `obj` by `script`, or an Error as Argo CD would report it. */
export function executeHealthLua(obj: unknown, script: string): HealthStatus {
  const L = newArgoCdState();
  pushValue(L, obj);
  lua.lua_setglobal(L, to_luastring('obj'));
  let steps = 0;
  lua.lua_sethook(
    L,
    () => {
      steps += 1000;
      if (steps > INSTRUCTION_BUDGET) lauxlib.luaL_error(L, to_luastring('health script exceeded its time budget'));
    },
    lua.LUA_MASKCOUNT,
    1000,
  );
  const loaded = lauxlib.luaL_loadstring(L, to_luastring(script));
  if (loaded !== lua.LUA_OK || lua.lua_pcall(L, 0, lua.LUA_MULTRET, 0) !== lua.LUA_OK) {
    throw new Error(to_jsstring(lua.lua_tostring(L, -1) ?? to_luastring('Lua error')));
  }
  if (lua.lua_gettop(L) === 0 || lua.lua_type(L, -1) !== lua.LUA_TTABLE) {
    throw new Error(`expect table output from Lua script, not ${lua.lua_gettop(L) === 0 ? 'nil' : luaTypeName(L, -1)}`);
  }
  const top = lua.lua_gettop(L);
  const status = readStringField(L, top, 'status');
  const message = readStringField(L, top, 'message');
  if (!VALID.has(status)) return { status: 'Unknown', message: INVALID_HEALTH_STATUS };
  return { status, message };
}
