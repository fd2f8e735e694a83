-- A valid USCC (GB 32100 check character) for company number n, nine digits of org code.
local alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
local weights = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
function uscc(n)
  local body = string.format("91440101%09d", n)
  local s = 0
  for i = 1, 17 do
    local c = body:sub(i, i)
    s = s + (alphabet:find(c, 1, true) - 1) * weights[i]
  end
  local r = (31 - s % 31) % 31
  return body .. alphabet:sub(r + 1, r + 1)
end
