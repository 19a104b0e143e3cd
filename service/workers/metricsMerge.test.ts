import { mergeMetrics } from './metricsMerge.js';

test('adds counters and histograms, keeps shared gauges, adds amounts held per worker', () => {
  const worker = (requests: number, bucket: number, pool: number) =>
    [
      '# HELP r4_http_requests_total HTTP requests answered, by route and status',
      '# TYPE r4_http_requests_total counter',
      `r4_http_requests_total{route="/random",status="200"} ${requests}`,
      '# HELP r4_mode 1 for the current mode',
      '# TYPE r4_mode gauge',
      'r4_mode{mode="sealed"} 1',
      'r4_mode{mode="blocked"} 0',
      '# TYPE r4_pool_bytes gauge',
      `r4_pool_bytes ${pool}`,
      '# TYPE r4_http_request_duration_seconds histogram',
      `r4_http_request_duration_seconds_bucket{route="/random",le="0.001"} ${bucket}`,
      `r4_http_request_duration_seconds_count{route="/random"} ${bucket}`,
      '',
    ].join('\n');
  expect(mergeMetrics([worker(3, 2, 100), worker(4, 5, 50)])).toBe(
    [
      '# HELP r4_http_requests_total HTTP requests answered, by route and status',
      '# TYPE r4_http_requests_total counter',
      'r4_http_requests_total{route="/random",status="200"} 7',
      '# HELP r4_mode 1 for the current mode',
      '# TYPE r4_mode gauge',
      'r4_mode{mode="sealed"} 1',
      'r4_mode{mode="blocked"} 0',
      '# TYPE r4_pool_bytes gauge',
      'r4_pool_bytes 150',
      '# TYPE r4_http_request_duration_seconds histogram',
      'r4_http_request_duration_seconds_bucket{route="/random",le="0.001"} 7',
      'r4_http_request_duration_seconds_count{route="/random"} 7',
      '',
    ].join('\n'),
  );
});

test('a series only one worker has is kept, and labels with spaces stay whole', () => {
  const a = '# TYPE r4_rate_limited_total counter\nr4_rate_limited_total{limit="key requests"} 2\n';
  const b = '# TYPE r4_rate_limited_total counter\nr4_rate_limited_total{limit="ip_requests"} 1\n';
  expect(mergeMetrics([a, b])).toBe('# TYPE r4_rate_limited_total counter\nr4_rate_limited_total{limit="key requests"} 2\nr4_rate_limited_total{limit="ip_requests"} 1\n');
});
