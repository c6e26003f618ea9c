-- Argo CD health check for FLUIDOS Allocation (nodecore.fluidos.eu/v1alpha1): status.status,
-- which progresses Provisioning -> ResourceCreation -> Peering -> Active.
-- Runs as an argocd-cm script: only the Lua base, package and table libraries and a safe os are
-- loaded there (no string, no math), so this uses plain comparisons and concatenation only.
local hs = {}
local states = {
  ["Provisioning"] = { "Progressing", "Provisioning" },
  ["ResourceCreation"] = { "Progressing", "Creating resources" },
  ["Peering"] = { "Progressing", "Peering" },
  ["Reserved"] = { "Progressing", "Reserved" },
  ["Active"] = { "Healthy", "Active" },
  ["Released"] = { "Suspended", "Released" },
  ["Inactive"] = { "Degraded", "Inactive" },
  ["Error"] = { "Degraded", "Error" },
  ["Failed"] = { "Degraded", "Failed" },
}
local state = nil
local message = nil
if type(obj.status) == "table" then
  state = obj.status.status
  message = obj.status.message
end
if type(state) ~= "string" or state == "" then
  hs.status = "Progressing"
  hs.message = "Waiting for FLUIDOS to start the Allocation"
  return hs
end
local known = states[state]
if known == nil then
  hs.status = "Progressing"
  hs.message = "Unrecognised status " .. state
  return hs
end
hs.status = known[1]
hs.message = known[2]
if type(message) == "string" and message ~= "" then
  hs.message = hs.message .. ": " .. message
end
return hs
