-- wrk script: place orders through the JSON API, as guests, at one pizzeria.
-- Each request is one order of two pizzas; 201 is success, anything else an error.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local when = os.getenv("WHEN")
local pizzeria = os.getenv("PIZZERIA") or "montreuil"
wrk.body = '{"pizzeria":"' .. pizzeria .. '","mode":"takeaway","when":"' .. when .. '","payment":"cash",'
    .. '"lines":[{"pizza":"margherita","quantity":1},{"pizza":"reine","quantity":1}],'
    .. '"contact":{"name":"Banc de charge","email":"banc@exemple.fr","phone":"0611223344"}}'

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
    io.write(string.format("requests: %d  non-201 (last thread): %d  socket errors: %d\n",
        summary.requests, errors, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
