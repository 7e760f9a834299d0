-- wrk: a new merchant order each time, as a shop and its widget make it: the shop's server
-- makes the checkout session (POST /sessions, merchant key), then the widget starts it (POST
-- /start with the client secret: a customer-less ioka order made at the sandbox). Each thread
-- keeps the client secrets its sessions answered and starts them in turn, so the figures count
-- both requests of every order. Args: the demo origin, the merchant key.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  origin = args[1]
  merchant_key = args[2]
  prefix = "LOAD-" .. tid .. "-" .. os.time() .. "-"
  n = 0
  started = 0
  secrets = {}
end
function request()
  local secret = table.remove(secrets)
  if secret then
    started = started + 1
    local body = '{"provider":"ioka","clientSecret":"' .. secret .. '","idempotencyKey":"k-' .. prefix .. started .. '"}'
    return wrk.format("POST", "/api/checkout/start", { ["Content-Type"] = "application/json" }, body)
  end
  n = n + 1
  local body = '{"order":{"id":"' .. prefix .. n .. '","amount":150000,"currency":"KZT"},"returnUrl":"' .. origin .. '/"}'
  return wrk.format("POST", "/api/checkout/sessions",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. merchant_key }, body)
end
function response(status, headers, body)
  local secret = body and body:match('"clientSecret":"([^"]+)"')
  if secret then
    table.insert(secrets, secret)
  end
end
