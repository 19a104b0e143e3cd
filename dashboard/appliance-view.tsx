// One appliance: its summary, its pods, conditions, recent Events, VRF keys and the history of verdicts.
import { useMemo, useState } from 'preact/hooks';
import type { ApplianceDetail, DashboardVrf } from '../api/dashboard/v1.js';
import { StateBadge, VerdictBadge } from './badges.js';
import { PodTable } from './pod-table.js';
import { HeadedTable } from './table-scroll.js';
import { Age, Ago, ShortHash } from './time-text.js';

/** The timeline shows this many changes at most; the filter narrows it to one pod. */
const HISTORY_SHOWN = 200;

function Summary({ detail, now }: { detail: ApplianceDetail; now: number }) {
  const s = detail.summary;
  return (
    <dl class="summary">
      <div>
        <dt>State</dt>
        <dd>
          <StateBadge state={s.state} /> <span class="reason">{s.stateReason}</span>
          {s.stateMessage && <span class="message"> — {s.stateMessage}</span>}
        </dd>
      </div>
      <div>
        <dt>Pods</dt>
        <dd>
          {s.pods} of {s.replicas}: {s.attested} attested, {s.cordoned} cordoned, {s.pending} pending, {s.available} available
        </dd>
      </div>
      <div>
        <dt>Core hash in force</dt>
        <dd>
          <ShortHash value={s.coreSha256} />
        </dd>
      </div>
      <div>
        <dt>Image digest in force</dt>
        <dd>
          <ShortHash value={s.imageDigest} />
        </dd>
      </div>
      <div>
        <dt>Age</dt>
        <dd>
          <Age since={s.createdAt} now={now} />
        </dd>
      </div>
    </dl>
  );
}

function Conditions({ detail, now }: { detail: ApplianceDetail; now: number }) {
  return (
    <section aria-labelledby="conditions-heading">
      <h2 id="conditions-heading">Conditions</h2>
      {detail.conditions.length === 0 ? (
        <p>None reported yet.</p>
      ) : (
        <HeadedTable label="Conditions" headers={['Type', 'Status', 'Reason', 'Message', 'Since']}>
          {detail.conditions.map((c) => (
            <tr key={c.type}>
              <th scope="row">{c.type}</th>
              <td>{c.status}</td>
              <td>{c.reason}</td>
              <td class="wrap">{c.message}</td>
              <td>
                <Ago at={c.lastTransitionTime} now={now} />
              </td>
            </tr>
          ))}
        </HeadedTable>
      )}
    </section>
  );
}

function Events({ detail, now }: { detail: ApplianceDetail; now: number }) {
  return (
    <section aria-labelledby="events-heading">
      <h2 id="events-heading">Recent events</h2>
      {detail.events.length === 0 ? (
        <p>No events.</p>
      ) : (
        <HeadedTable label="Recent events" headers={['When', 'Type', 'Reason', 'Object', 'Message', 'Count']}>
          {detail.events.map((e) => (
            <tr key={e.uid}>
              <td>
                <Ago at={e.at} now={now} />
              </td>
              <td>{e.type}</td>
              <th scope="row">{e.reason}</th>
              <td>{e.object}</td>
              <td class="wrap">{e.message}</td>
              <td class="num">{e.count}</td>
            </tr>
          ))}
        </HeadedTable>
      )}
    </section>
  );
}

function Vrf({ vrf, now }: { vrf: DashboardVrf; now: number }) {
  return (
    <section aria-labelledby="vrf-heading">
      <h2 id="vrf-heading">VRF keys and beacon</h2>
      <p>
        Suite <code>{vrf.keys.suite}</code>, signatures <code>{vrf.keys.signature_algorithm}</code>. Latest beacon round: <strong>{vrf.latestRound}</strong>
        {vrf.latestRoundAt && (
          <>
            {' '}
            (began <Ago at={vrf.latestRoundAt} now={now} />)
          </>
        )}
        , every {vrf.keys.beacon.period_seconds} s, chain <code>{vrf.keys.beacon.chain_id}</code>.
      </p>
      <HeadedTable label="VRF keys" headers={['Key id', 'Status', 'VRF key fingerprint (SHA-256)', 'ML-DSA key fingerprint (SHA-256)', 'Active from']}>
        {vrf.keys.keys.map((k) => (
          <tr key={k.key_id}>
            <th scope="row">
              <code>{k.key_id}</code>
            </th>
            <td>{k.status}</td>
            <td>
              <code class="fingerprint">{k.vrf_public_key_sha256}</code>
            </td>
            <td>
              <code class="fingerprint">{k.public_key_sha256}</code>
            </td>
            <td>
              <Ago at={k.active_from} now={now} />
            </td>
          </tr>
        ))}
      </HeadedTable>
    </section>
  );
}

function History({ detail, now }: { detail: ApplianceDetail; now: number }) {
  const [pod, setPod] = useState('');
  const history = detail.history;
  const pods = useMemo(() => [...new Set(history.map((c) => c.pod))].sort(), [history]);
  const shown = useMemo(() => history.filter((c) => !pod || c.pod === pod).slice(0, HISTORY_SHOWN), [history, pod]);
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">History of verdicts</h2>
      <label class="filters">
        Pod
        <select value={pod} onChange={(e) => setPod(e.currentTarget.value)}>
          <option value="">All pods</option>
          {pods.map((p) => (
            <option value={p}>{p}</option>
          ))}
        </select>
      </label>
      {shown.length === 0 ? (
        <p>No verdict changes remembered.</p>
      ) : (
        <ol class="timeline">
          {shown.map((c) => (
            <li key={`${c.pod}@${c.at}@${c.verdict}`}>
              <Ago at={c.at} now={now} /> <strong>{c.pod}</strong> <VerdictBadge verdict={c.verdict} /> <span class="reason">{c.reason}</span>
              {c.message && <span class="message"> — {c.message}</span>}
              {c.source === 'event' && <span class="source"> (from an Event)</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function ApplianceView({ detail, missing, namespace, name, now }: { detail: ApplianceDetail | undefined; missing: boolean; namespace: string; name: string; now: number }) {
  return (
    <section aria-labelledby="appliance-heading">
      <p class="back">
        <a href="#/">← Fleet</a>
      </p>
      <h1 id="appliance-heading" tabIndex={-1}>
        {namespace}/{name}
      </h1>
      {missing ? (
        <p class="error" role="alert">
          No appliance {namespace}/{name}.
        </p>
      ) : !detail ? (
        <p class="loading">Loading…</p>
      ) : (
        <>
          <Summary detail={detail} now={now} />
          <section aria-labelledby="pods-heading">
            <h2 id="pods-heading">Pods</h2>
            <PodTable pods={detail.pods} now={now} />
          </section>
          <Conditions detail={detail} now={now} />
          <Events detail={detail} now={now} />
          {detail.vrf && <Vrf vrf={detail.vrf} now={now} />}
          <History detail={detail} now={now} />
        </>
      )}
    </section>
  );
}
