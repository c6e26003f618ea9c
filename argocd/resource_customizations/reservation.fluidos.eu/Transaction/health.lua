-- Argo CD health check for FLUIDOS Transaction (reservation.fluidos.eu/v1alpha1): status.phase.
-- Runs as an argocd-cm script: only the Lua base, package and table libraries and a safe os are
-- loaded there (no string, no math), so this uses plain comparisons and concatenation only.
local hs = {}
local phases = {
  ["Solved"] = { "Healthy", "Solved" },
  ["Active"] = { "Healthy", "Active" },
  ["Idle"] = { "Progressing", "Idle" },
  ["Pending"] = { "Progressing", "Pending" },
  ["Running"] = { "Progressing", "Running" },
  ["Allocating"] = { "Progressing", "Allocating" },
  ["Failed"] = { "Degraded", "Failed" },
  ["Timed Out"] = { "Degraded", "Timed out" },
  ["Inactive"] = { "Suspended", "Inactive" },
}
local phase = nil
local message = nil
if type(obj.status) == "table" and type(obj.status.phase) == "table" then
  phase = obj.status.phase.phase
  message = obj.status.phase.message
end
if type(phase) ~= "string" or phase == "" then
  hs.status = "Progressing"
  hs.message = "Waiting for FLUIDOS to process the Transaction"
  return hs
end
local known = phases[phase]
if known == nil then
  hs.status = "Progressing"
  hs.message = "Unrecognised phase " .. phase
  return hs
end
hs.status = known[1]
hs.message = known[2]
if type(message) == "string" and message ~= "" then
  hs.message = hs.message .. ": " .. message
end
return hs
