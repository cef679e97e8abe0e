-- wrk script for the bench: POST a body read from a file, with extra headers.
-- usage: wrk ... -s post.lua <url> -- <method> <body-file|-> ["Name: value" ...]
function init(args)
  wrk.method = args[1] or "POST"
  if args[2] and args[2] ~= "-" then
    local f = assert(io.open(args[2], "rb"))
    wrk.body = f:read("*a")
    f:close()
  end
  for i = 3, #args do
    local k, v = args[i]:match("^([^:]+):%s*(.*)$")
    if k then wrk.headers[k] = v end
  end
end
