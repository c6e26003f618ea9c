-- Argo CD health check for Capsule Tenant (capsule.clastix.io v1beta1 and v1beta2):
-- status.state (Active, Cordoned, Terminating) and, in v1beta2, the Ready condition.
-- Runs as an argocd-cm script: only the Lua base, package and table libraries and a safe os are
-- loaded there (no string, no math), so this uses plain comparisons and concatenation only.
local hs = {}
local state = nil
local ready = nil
if type(obj.status) == "table" then
  state = obj.status.state
  if type(obj.status.conditions) == "table" then
    for _, c in ipairs(obj.status.conditions) do
      if type(c) == "table" and c.type == "Ready" then
        ready = c
      end
    end
  end
end
local function detail(text)
  if ready ~= nil and type(ready.message) == "string" and ready.message ~= "" then
    return text .. ": " .. ready.message
  end
  return text
end
if ready ~= nil and ready.status == "False" then
  hs.status = "Degraded"
  hs.message = detail("Tenant not ready")
elseif state == "Active" then
  hs.status = "Healthy"
  hs.message = "Tenant active"
elseif state == "Cordoned" then
  hs.status = "Suspended"
  hs.message = "Tenant cordoned: no new workloads are admitted"
elseif state == "Terminating" then
  hs.status = "Progressing"
  hs.message = "Tenant terminating"
elseif type(state) == "string" and state ~= "" then
  hs.status = "Progressing"
  hs.message = "Unrecognised state " .. state
else
  hs.status = "Progressing"
  hs.message = "Waiting for Capsule to reconcile the Tenant"
end
return hs
