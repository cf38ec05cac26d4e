-- wrk script for bench/load.py: a mixed read load over a log of SIZE statements.
-- 20% home page, 30% a random statement page, 15% /checkpoint, 20% a random full
-- level-0 tile, 15% a random statement's offline bundle.
local size = SIZE

local function tile_index(n)
  local parts = {}
  repeat
    table.insert(parts, 1, string.format("%03d", n % 1000))
    n = math.floor(n / 1000)
  until n == 0
  for i = 1, #parts - 1 do parts[i] = "x" .. parts[i] end
  return table.concat(parts, "/")
end

request = function()
  local r = math.random(100)
  local path
  if r <= 20 then
    path = "/"
  elseif r <= 50 then
    path = "/statements/" .. math.random(0, size - 1)
  elseif r <= 65 then
    path = "/checkpoint"
  elseif r <= 85 then
    path = "/tile/0/" .. tile_index(math.random(0, math.floor(size / 256) - 1))
  else
    path = "/api/v1/statements/" .. math.random(0, size - 1) .. "/bundle"
  end
  return wrk.format("GET", path)
end
