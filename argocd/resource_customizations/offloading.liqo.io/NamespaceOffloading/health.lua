-- Argo CD health check for Liqo NamespaceOffloading (offloading.liqo.io/v1beta1):
-- status.offloadingPhase, with the first failing remote namespace condition as detail.
-- Runs as an argocd-cm script: only the Lua base, package and table libraries and a safe os are
-- loaded there (no string, no math), so this uses plain comparisons and concatenation only.
local hs = {}
local phases = {
  ["Ready"] = { "Healthy", "Remote namespaces ready" },
  ["InProgress"] = { "Progressing", "Creating remote namespaces" },
  ["Terminating"] = { "Progressing", "Remote namespaces terminating" },
  ["NoClusterSelected"] = { "Degraded", "No cluster matches the cluster selector" },
  ["SomeFailed"] = { "Degraded", "Some remote namespaces failed" },
  ["AllFailed"] = { "Degraded", "All remote namespaces failed" },
}
local phase = nil
local detail = nil
if type(obj.status) == "table" then
  phase = obj.status.offloadingPhase
  local byCluster = obj.status.remoteNamespacesConditions
  if type(byCluster) == "table" then
    -- pairs order is unspecified: pick the smallest cluster id so the message is stable.
    local chosen = nil
    for cluster, conditions in pairs(byCluster) do
      if type(conditions) == "table" then
        for _, c in ipairs(conditions) do
          if type(c) == "table" and c.status == "False" and type(c.message) == "string" and c.message ~= "" then
            if chosen == nil or cluster < chosen then
              chosen = cluster
              detail = cluster .. ": " .. c.message
            end
            break
          end
        end
      end
    end
  end
end
if type(phase) ~= "string" or phase == "" then
  hs.status = "Progressing"
  hs.message = "Waiting for Liqo to offload the namespace"
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
if known[1] == "Degraded" and detail ~= nil then
  hs.message = hs.message .. " (" .. detail .. ")"
end
return hs
