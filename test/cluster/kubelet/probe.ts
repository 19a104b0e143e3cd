// One probe attempt as the kubelet makes it: httpGet succeeds on a status in [200, 400), tcpSocket on a
// completed connect. Probes only ever target the pod's own address (a namespace this harness created):
// a probe with another `host` is reported as failing, never sent.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { V1Container, V1Probe } from '@kubernetes/client-node';

export type ProbeResult = { ok: true } | { ok: false; reason: string };

function resolvePort(container: V1Container, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function probeTimeoutMs(probe: V1Probe): number {
  return (probe.timeoutSeconds ?? 1) * 1000;
}

function httpProbe(probe: V1Probe, container: V1Container, podIP: string): Promise<ProbeResult> {
  const action = probe.httpGet!;
  const port = resolvePort(container, action.port as number | string);
  if (port === undefined) return Promise.resolve({ ok: false, reason: `port ${action.port} is not a container port` });
  if (action.host && action.host !== podIP) {
    return Promise.resolve({ ok: false, reason: `probe host ${action.host} is outside the pod; the harness only probes pod addresses` });
  }
  const https = action.scheme === 'HTTPS';
  const headers = Object.fromEntries((action.httpHeaders ?? []).map((h) => [h.name, h.value]));
  return new Promise((resolve) => {
    const req = (https ? httpsRequest : httpRequest)(
      {
        host: podIP,
        port,
        path: action.path ?? '/',
        method: 'GET',
        headers: { 'user-agent': 'kube-probe/1.36', ...headers },
        timeout: probeTimeoutMs(probe),
        // The kubelet does not verify probe certificates either.
        ...(https ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(status >= 200 && status < 400 ? { ok: true } : { ok: false, reason: `HTTP probe failed with statuscode: ${status}` });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${probeTimeoutMs(probe)}ms`)));
    req.on('error', (error) => resolve({ ok: false, reason: `Get "http${https ? 's' : ''}://${podIP}:${port}${action.path ?? '/'}": ${error.message}` }));
    req.end();
  });
}

function tcpProbe(probe: V1Probe, container: V1Container, podIP: string): Promise<ProbeResult> {
  const port = resolvePort(container, probe.tcpSocket!.port as number | string);
  if (port === undefined) return Promise.resolve({ ok: false, reason: `port ${probe.tcpSocket!.port} is not a container port` });
  return new Promise((resolve) => {
    const socket = connect({ host: podIP, port, timeout: probeTimeoutMs(probe) });
    socket.on('connect', () => {
      socket.destroy();
      resolve({ ok: true });
    });
    socket.on('timeout', () => socket.destroy(new Error('timeout')));
    socket.on('error', (error) => resolve({ ok: false, reason: `dial tcp ${podIP}:${port}: ${error.message}` }));
  });
}

export function runProbe(probe: V1Probe, container: V1Container, podIP: string): Promise<ProbeResult> {
  if (probe.httpGet) return httpProbe(probe, container, podIP);
  if (probe.tcpSocket) return tcpProbe(probe, container, podIP);
  return Promise.resolve({ ok: false, reason: 'only httpGet and tcpSocket probes are supported by the r4 cluster harness' });
}
