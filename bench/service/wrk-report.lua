-- wrk reporter for bench/service/run.ts: the run's totals as one JSON line on stdout.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"bytes":%d,"duration_us":%d,"errors":%d}\n',
    summary.requests, summary.bytes, summary.duration, e.connect + e.read + e.write + e.status + e.timeout))
end
