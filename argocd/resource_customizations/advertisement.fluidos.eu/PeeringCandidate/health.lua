-- Argo CD health check for FLUIDOS PeeringCandidate (advertisement.fluidos.eu/v1alpha1).
-- A PeeringCandidate has no phase: spec.available says whether its Flavor can still be reserved
-- (FLUIDOS sets it false once a Reservation takes it).
-- Runs as an argocd-cm script: only the Lua base, package and table libraries and a safe os are
-- loaded there (no string, no math), so this uses plain comparisons and concatenation only.
local hs = {}
local available = nil
if type(obj.spec) == "table" then
  available = obj.spec.available
end
local provider = nil
if type(obj.spec) == "table" and type(obj.spec.flavor) == "table" and type(obj.spec.flavor.spec) == "table"
  and type(obj.spec.flavor.spec.owner) == "table" then
  provider = obj.spec.flavor.spec.owner.domain
end
local from = ""
if type(provider) == "string" and provider ~= "" then
  from = " from " .. provider
end
if available == true then
  hs.status = "Healthy"
  hs.message = "Available" .. from
elseif available == false then
  hs.status = "Suspended"
  hs.message = "Reserved, no longer offered" .. from
else
  hs.status = "Progressing"
  hs.message = "Waiting for discovery to report availability"
end
return hs
