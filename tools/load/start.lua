-- wrk: POST /start for a new merchant order each time (ioka: customer-less order creation at
-- the sandbox on every request). Args: the demo origin.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  origin = args[1]
  prefix = "LOAD-" .. tid .. "-" .. os.time() .. "-"
  n = 0
end
function request()
  n = n + 1
  local order = prefix .. n
  local body = '{"provider":"ioka","order":{"id":"' .. order .. '","amount":150000,"currency":"KZT"},'
    .. '"returnUrl":"' .. origin .. '/","idempotencyKey":"k-' .. order .. '"}'
  return wrk.format("POST", "/api/checkout/start", { ["Content-Type"] = "application/json" }, body)
end
