-- wrk script for bench/run: POST each pre-generated SAMLResponse form body once.
--   wrk -t T -c T -d MAX -s bench/acs.lua URL -- ACS_PATH BODIES_FILE T
-- One connection per thread, so each thread sends its share of the bodies
-- (one per line, already form-encoded) in order and stops after the last: a
-- body sent twice would be a replay and measure the refusal instead.
local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
   table.insert(threads, thread)
end

function init(args)
   acs_path, nthreads = args[1], tonumber(args[3])
   bodies, sent, ok, bad = {}, 0, 0, 0
   local n = 0
   for line in io.lines(args[2]) do
      if n % nthreads == id - 1 then
         table.insert(bodies, line)
      end
      n = n + 1
   end
end

function request()
   sent = sent + 1
   return wrk.format("POST", acs_path,
                     {["Content-Type"] = "application/x-www-form-urlencoded"},
                     bodies[(sent - 1) % #bodies + 1])
end

function response(status, headers, body)
   if status == 302 or status == 303 then ok = ok + 1 else bad = bad + 1 end
   if ok + bad >= #bodies then
      wrk.thread:stop()
   end
end

function done(summary, latency, requests)
   local good, wrong = 0, 0
   for _, t in ipairs(threads) do
      good = good + t:get("ok")
      wrong = wrong + t:get("bad")
   end
   io.write(string.format("acs-result ok=%d bad=%d seconds=%.3f\n", good, wrong,
                          summary.duration / 1e6))
end
