-- wrk script for bench/load.py: POST fresh signed statements, each sent once.
-- BODIES is a file of statement files separated by NUL bytes; thread k of n sends
-- bodies k, k+n, k+2n, ... so no two requests carry the same statement.
local counter = 0
local threads = {}

setup = function(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

init = function(args)
  local f = assert(io.open("BODIES", "rb"))
  local data = f:read("*a")
  f:close()
  bodies = {}
  for body in string.gmatch(data, "([^%z]+)") do table.insert(bodies, body) end
  step = 2
  next_body = id + 1
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "text/plain; charset=utf-8"
end

request = function()
  local body = bodies[next_body]
  next_body = next_body + step
  if next_body > #bodies then next_body = id + 1 end
  return wrk.format(nil, "/api/v1/statements", nil, body)
end
