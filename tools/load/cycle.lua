-- wrk: cycles through prepared requests, one per line of the file named by the first argument:
-- METHOD PATH [BODY]. The prepared file comes from prepare.mjs (attempts that exist, webhooks
-- signed with the demo key).
function init(args)
  lines = {}
  for line in io.lines(args[1]) do
    lines[#lines + 1] = line
  end
  i = math.random(#lines)
end
function request()
  i = i % #lines + 1
  local method, path, body = lines[i]:match("^(%S+) (%S+) ?(.*)$")
  local headers = {}
  if body ~= "" then
    headers["Content-Type"] = "application/json"
    local sig, rest = body:match("^sig=(%x+) (.*)$")
    if sig then
      headers["X-Signature"] = sig
      body = rest
    end
  else
    body = nil
  end
  return wrk.format(method, path, headers, body)
end
