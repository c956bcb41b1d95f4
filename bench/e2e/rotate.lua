-- Sends the cookies of the file given after "--" in turn, one per
-- request: 1,000 returning visitors. Each wrk thread starts at its own
-- place in the list.
local cookies = {}
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then cookies[#cookies + 1] = line end
  end
  i = math.random(#cookies)
end

function request()
  i = i % #cookies + 1
  wrk.headers["Cookie"] = cookies[i]
  return wrk.format()
end
