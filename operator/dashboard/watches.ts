// The dashboard's own read-only watches, run by every replica (leader and standbys alike) from start to
// exit, so any replica serves the same view and a leader change loses nothing: appliances, their pods, and
// the Events the operator records on appliances. They only list and watch.
import { CoreV1Api, CustomObjectsApi, type CoreV1Event, type KubeConfig, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import { KIND, PLURAL } from '../../api/v1alpha1/group.js';
import { COMPONENT } from '../cordon/events.js';
import type { Logger } from '../log.js';
import { ResilientInformer } from '../manager/informer.js';
import type { WatchObserver } from '../manager/reflector.js';
import { ALL_NAMESPACES, InformerSet } from '../manager/informer-set.js';
import { stripManagedFields } from '../manager/slim.js';
import { appliancePodsResource, appliancesResource, asList, scopedPath } from '../manager/watched.js';
import type { Appliance, FleetView } from './fleet-view.js';

/** Only what the operator itself recorded about appliances (it records every pod's Event there too). */
export const EVENT_SELECTOR = `involvedObject.kind=${KIND},source=${COMPONENT}`;

export class DashboardWatches {
  private readonly sets: InformerSet<KubernetesObject>[];
  /** The appliances' pods, which the leader's controller shares (ControllerOptions.pods) rather than caching them twice. */
  readonly pods: InformerSet<V1Pod>;

  /** observer: counts watch restarts and relists (the operator's metrics). */
  constructor(kubeConfig: KubeConfig, watchNamespaces: readonly string[], view: FleetView, log: Logger, observer?: WatchObserver) {
    const namespaces = watchNamespaces.length > 0 ? watchNamespaces : [ALL_NAMESPACES];
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const dashboardLog = log.child({ watcher: 'dashboard' });

    const appliances = new InformerSet(namespaces, (ns) =>
      new ResilientInformer<Appliance>(kubeConfig, appliancesResource(custom, ns, `dashboard ${PLURAL}`), (kind, a) => view.applianceChanged(kind, a), dashboardLog, observer),
    );
    const pods = new InformerSet(namespaces, (ns) =>
      new ResilientInformer<V1Pod>(kubeConfig, appliancePodsResource(core, ns, 'dashboard pods'), (kind, pod) => view.podChanged(kind, pod), dashboardLog, observer),
    );
    this.pods = pods;
    const events = new InformerSet(namespaces, (ns) =>
      new ResilientInformer<CoreV1Event>(
        kubeConfig,
        {
          name: 'dashboard events',
          path: scopedPath(ns, '/api/v1', 'events'),
          fieldSelector: EVENT_SELECTOR,
          transform: stripManagedFields,
          list: () =>
            asList(ns ? core.listNamespacedEvent({ namespace: ns, fieldSelector: EVENT_SELECTOR }) : core.listEventForAllNamespaces({ fieldSelector: EVENT_SELECTOR })),
        },
        (kind, event) => view.eventChanged(kind, event),
        dashboardLog,
        observer,
      ),
    );
    this.sets = [events, pods, appliances] as InformerSet<KubernetesObject>[];
  }

  /** Events and pods first, so the first appliances seen already have their history and rows. */
  async start(): Promise<void> {
    for (const set of this.sets) await set.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.sets.map((s) => s.stop()));
  }

  get synced(): boolean {
    return this.sets.every((s) => s.synced);
  }
}
