-- wrk script: place orders through the JSON API, as guests. PIZZERIAS (space-separated
-- slugs) spreads them over pizzerias in turn, as on a Friday evening; one slug puts every
-- order on the same stock rows. Each order is two pizzas; 201 is success. CUSTOM=true makes
-- them customised: a large reine without mushrooms with extra mozzarella, and a large half
-- margherita half reine.
local when = os.getenv("WHEN")
local lines = '[{"pizza":"margherita","quantity":1},{"pizza":"reine","quantity":1}]'
if os.getenv("CUSTOM") == "true" then
    lines = '[{"pizza":"reine","quantity":1,"size":"40","without":["mushrooms"],"extras":["mozzarella"]},'
        .. '{"pizza":"margherita","quantity":1,"size":"40","half":{"pizza":"reine"}}]'
end
local pizzerias = {}
for slug in string.gmatch(os.getenv("PIZZERIAS") or "montreuil", "%S+") do table.insert(pizzerias, slug) end
local bodies = {}
for i, slug in ipairs(pizzerias) do
    bodies[i] = '{"pizzeria":"' .. slug .. '","mode":"takeaway","when":"' .. when .. '","payment":"cash",'
        .. '"lines":' .. lines .. ','
        .. '"contact":{"name":"Banc de charge","email":"banc@exemple.fr","phone":"0611223344"}}'
end
local counter = 0

request = function()
    counter = counter + 1
    local body = bodies[(counter % #bodies) + 1]
    return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end

local errors = 0
response = function(status, headers, body)
    if status ~= 201 then
        errors = errors + 1
        if errors <= 3 then io.stderr:write("status " .. status .. ": " .. body:sub(1, 200) .. "\n") end
    end
end

done = function(summary, latency, requests)
    local seconds = summary.duration / 1e6
    io.write(string.format("orders/s: %.0f\n", summary.requests / seconds))
    io.write(string.format("p50: %.1f ms  p99: %.1f ms  max: %.1f ms\n",
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
    io.write(string.format("requests: %d  socket errors: %d  (non-201 answers are printed above, 3 at most per thread)\n",
        summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
