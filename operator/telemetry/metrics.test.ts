import { createOperatorMetrics } from './metrics.js';

const sources = { isLeader: () => true, appliances: () => [{ namespace: 'team-a', appliance: 'demo', attested: 2, cordoned: 1 }] };

describe('operator metrics in Prometheus text', () => {
  test('counters end in _total and carry the attributes the dashboard groups by', async () => {
    const metrics = createOperatorMetrics('0.0.0-test', sources);
    try {
      metrics.reconciled('success', 0.02);
      metrics.attestation('Cordoned', 'HashMismatch');
      metrics.verdictChanged({ namespace: 'team-a', appliance: 'demo', from: 'Attested', to: 'Cordoned', reason: 'HashMismatch' });
      metrics.verdictChanged({ namespace: 'team-a', appliance: 'demo', from: 'Attested', to: 'Cordoned', reason: 'HashMismatch' });
      metrics.probed('team-a', 'demo', 0.003);
      metrics.probed('team-a', 'demo', 1.5);
      metrics.apiRequest({ verb: 'patch', resource: 'entropyappliances/status', code: 200 });
      metrics.watchRestarted('pods');
      metrics.watchRestarted('pods');
      metrics.relisted('pods');
      const text = await metrics.render();
      expect(text).toMatch(/^r4_operator_verdict_changes_total\{namespace="team-a",appliance="demo",from="Attested",to="Cordoned",reason="HashMismatch"\} 2$/m);
      expect(text).toMatch(/^r4_operator_attestation_duration_seconds_count\{namespace="team-a",appliance="demo"\} 2$/m);
      expect(text).toMatch(/^r4_operator_attestation_duration_seconds_bucket\{namespace="team-a",appliance="demo",le="0.005"\} 1$/m);
      expect(text).toMatch(/^r4_operator_attestation_duration_seconds_bucket\{namespace="team-a",appliance="demo",le="2.5"\} 2$/m);
      expect(text).toMatch(/^r4_operator_attestations_total\{verdict="Cordoned",reason="HashMismatch"\} 1$/m);
      expect(text).toMatch(/^r4_operator_api_requests_total\{verb="patch",resource="entropyappliances\/status",code="200"\} 1$/m);
      expect(text).toMatch(/^r4_operator_attested_pods\{namespace="team-a",appliance="demo"\} 2$/m);
      expect(text).toMatch(/^r4_operator_watch_restarts_total\{resource="pods"\} 2$/m);
      expect(text).toMatch(/^r4_operator_watch_relists_total\{resource="pods"\} 1$/m);
      expect(text).toMatch(/^r4_operator_cordoned_pods\{namespace="team-a",appliance="demo"\} 1$/m);
    } finally {
      await metrics.shutdown();
    }
  });

  test('reconcile errors are exported at 0 before the first error, so a rate shows "none" rather than "no data"', async () => {
    const metrics = createOperatorMetrics('0.0.0-test', sources);
    try {
      expect(await metrics.render()).toMatch(/^r4_operator_reconcile_errors_total 0$/m);
      metrics.reconciled('error', 0.1);
      expect(await metrics.render()).toMatch(/^r4_operator_reconcile_errors_total 1$/m);
    } finally {
      await metrics.shutdown();
    }
  });
});
