// Every field a reader of the pod cache asks for survives slimming: the readers themselves (attestor,
// gate, planner's EndpointSlice, dashboard rows, the controller's ownership checks) give the same answers on
// the slim pod as on the pod the API server sent, and a table names each field and who reads it.
import type { V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { resolveSpec } from '../../api/v1alpha1/resolve.js';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import { endpointSlice } from '../appliance/children.js';
import { ownerApplianceKey } from '../appliance/reconciler.js';
import { attestationFromPod, entropyContainer, probeable } from '../attestation/attestor.js';
import { PENDING, type PodAttestation } from '../attestation/verdict.js';
import { gatePatch } from '../cordon/gate.js';
import { podRows } from '../dashboard/view-model.js';
import { slimPod, slimReplicaSet, stripManagedFields } from './slim.js';

/** A pod of an appliance as a real API server sent it (test/cluster harness, kubectl --show-managed-fields). */
const served: V1Pod = JSON.parse(`{
 "apiVersion": "v1",
 "kind": "Pod",
 "metadata": {
  "creationTimestamp": "2026-11-30T23:23:24Z",
  "generateName": "demo-865cd7d656-",
  "generation": 1,
  "labels": {
   "app.kubernetes.io/component": "entropy-service",
   "app.kubernetes.io/instance": "demo",
   "app.kubernetes.io/managed-by": "r4-operator",
   "app.kubernetes.io/name": "r4-entropy",
   "app.kubernetes.io/part-of": "r4",
   "pod-template-hash": "865cd7d656",
   "r4.dev/appliance": "demo",
   "r4.dev/cordoned": "true"
  },
  "managedFields": [
   {
    "apiVersion": "v1",
    "fieldsType": "FieldsV1",
    "fieldsV1": {
     "f:metadata": {
      "f:generateName": {},
      "f:labels": {
       ".": {},
       "f:app.kubernetes.io/component": {},
       "f:app.kubernetes.io/instance": {},
       "f:app.kubernetes.io/managed-by": {},
       "f:app.kubernetes.io/name": {},
       "f:app.kubernetes.io/part-of": {},
       "f:pod-template-hash": {},
       "f:r4.dev/appliance": {}
      },
      "f:ownerReferences": {
       ".": {},
       "k:{\\"uid\\":\\"4b28f5a3-bb9c-493f-b164-aa6755bfcf4b\\"}": {}
      }
     },
     "f:spec": {
      "f:automountServiceAccountToken": {},
      "f:containers": {
       "k:{\\"name\\":\\"entropy\\"}": {
        ".": {},
        "f:env": {
         ".": {},
         "k:{\\"name\\":\\"ALLOW_QUERY_KEY\\"}": {
          ".": {},
          "f:name": {},
          "f:value": {}
         },
         "k:{\\"name\\":\\"API_HOST\\"}": {
          ".": {},
          "f:name": {},
          "f:value": {}
         },
         "k:{\\"name\\":\\"API_KEYS_FILE\\"}": {
          ".": {},
          "f:name": {},
          "f:value": {}
         },
         "k:{\\"name\\":\\"PORT\\"}": {
          ".": {},
          "f:name": {},
          "f:value": {}
         },
         "k:{\\"name\\":\\"R4_APPLIANCE\\"}": {
          ".": {},
          "f:name": {},
          "f:value": {}
         },
         "k:{\\"name\\":\\"R4_EXPECTED_CORE_SHA256\\"}": {
          ".": {},
          "f:name": {},
          "f:value": {}
         },
         "k:{\\"name\\":\\"R4_VRF_BEACON_GENESIS\\"}": {
          ".": {},
          "f:name": {},
          "f:value": {}
         },
         "k:{\\"name\\":\\"R4_VRF_BEACON_PERIOD_S\\"}": {
          ".": {},
          "f:name": {},
          "f:value": {}
         },
         "k:{\\"name\\":\\"R4_VRF_KEYSET_FILE\\"}": {
          ".": {},
          "f:name": {},
          "f:value": {}
         },
         "k:{\\"name\\":\\"STRICT_FIPS\\"}": {
          ".": {},
          "f:name": {},
          "f:value": {}
         },
         "k:{\\"name\\":\\"TLS_CERT_FILE\\"}": {
          ".": {},
          "f:name": {},
          "f:value": {}
         },
         "k:{\\"name\\":\\"TLS_KEY_FILE\\"}": {
          ".": {},
          "f:name": {},
          "f:value": {}
         }
        },
        "f:image": {},
        "f:imagePullPolicy": {},
        "f:livenessProbe": {
         ".": {},
         "f:failureThreshold": {},
         "f:httpGet": {
          ".": {},
          "f:path": {},
          "f:port": {},
          "f:scheme": {}
         },
         "f:periodSeconds": {},
         "f:successThreshold": {},
         "f:timeoutSeconds": {}
        },
        "f:name": {},
        "f:ports": {
         ".": {},
         "k:{\\"containerPort\\":8080,\\"protocol\\":\\"TCP\\"}": {
          ".": {},
          "f:containerPort": {},
          "f:protocol": {}
         }
        },
        "f:readinessProbe": {
         ".": {},
         "f:failureThreshold": {},
         "f:httpGet": {
          ".": {},
          "f:path": {},
          "f:port": {},
          "f:scheme": {}
         },
         "f:periodSeconds": {},
         "f:successThreshold": {},
         "f:timeoutSeconds": {}
        },
        "f:resources": {
         ".": {},
         "f:limits": {
          ".": {},
          "f:cpu": {},
          "f:memory": {}
         },
         "f:requests": {
          ".": {},
          "f:cpu": {},
          "f:memory": {}
         }
        },
        "f:securityContext": {
         ".": {},
         "f:allowPrivilegeEscalation": {},
         "f:capabilities": {
          ".": {},
          "f:drop": {}
         },
         "f:privileged": {},
         "f:readOnlyRootFilesystem": {},
         "f:runAsGroup": {},
         "f:runAsNonRoot": {},
         "f:runAsUser": {},
         "f:seccompProfile": {
          ".": {},
          "f:type": {}
         }
        },
        "f:startupProbe": {
         ".": {},
         "f:failureThreshold": {},
         "f:periodSeconds": {},
         "f:successThreshold": {},
         "f:tcpSocket": {
          ".": {},
          "f:port": {}
         },
         "f:timeoutSeconds": {}
        },
        "f:terminationMessagePath": {},
        "f:terminationMessagePolicy": {},
        "f:volumeMounts": {
         ".": {},
         "k:{\\"mountPath\\":\\"/etc/r4/keys\\"}": {
          ".": {},
          "f:mountPath": {},
          "f:name": {},
          "f:readOnly": {}
         },
         "k:{\\"mountPath\\":\\"/etc/r4/tls\\"}": {
          ".": {},
          "f:mountPath": {},
          "f:name": {},
          "f:readOnly": {}
         },
         "k:{\\"mountPath\\":\\"/etc/r4/vrf\\"}": {
          ".": {},
          "f:mountPath": {},
          "f:name": {},
          "f:readOnly": {}
         },
         "k:{\\"mountPath\\":\\"/tmp\\"}": {
          ".": {},
          "f:mountPath": {},
          "f:name": {}
         }
        }
       }
      },
      "f:dnsPolicy": {},
      "f:enableServiceLinks": {},
      "f:readinessGates": {},
      "f:restartPolicy": {},
      "f:schedulerName": {},
      "f:securityContext": {
       ".": {},
       "f:fsGroupChangePolicy": {},
       "f:runAsGroup": {},
       "f:runAsNonRoot": {},
       "f:runAsUser": {},
       "f:seccompProfile": {
        ".": {},
        "f:type": {}
       }
      },
      "f:setHostnameAsFQDN": {},
      "f:terminationGracePeriodSeconds": {},
      "f:volumes": {
       ".": {},
       "k:{\\"name\\":\\"api-keys\\"}": {
        ".": {},
        "f:name": {},
        "f:secret": {
         ".": {},
         "f:defaultMode": {},
         "f:secretName": {}
        }
       },
       "k:{\\"name\\":\\"tls\\"}": {
        ".": {},
        "f:name": {},
        "f:secret": {
         ".": {},
         "f:defaultMode": {},
         "f:secretName": {}
        }
       },
       "k:{\\"name\\":\\"tmp\\"}": {
        ".": {},
        "f:emptyDir": {
         ".": {},
         "f:sizeLimit": {}
        },
        "f:name": {}
       },
       "k:{\\"name\\":\\"vrf-keys\\"}": {
        ".": {},
        "f:name": {},
        "f:secret": {
         ".": {},
         "f:defaultMode": {},
         "f:secretName": {}
        }
       }
      }
     }
    },
    "manager": "kube-controller-manager",
    "operation": "Update",
    "time": "2026-11-30T23:23:24Z"
   },
   {
    "apiVersion": "v1",
    "fieldsType": "FieldsV1",
    "fieldsV1": {
     "f:metadata": {
      "f:labels": {
       "f:r4.dev/cordoned": {}
      }
     }
    },
    "manager": "kubernetes-client-javascript",
    "operation": "Update",
    "time": "2026-11-30T23:23:33Z"
   },
   {
    "apiVersion": "v1",
    "fieldsType": "FieldsV1",
    "fieldsV1": {
     "f:status": {
      "f:conditions": {
       "k:{\\"type\\":\\"ContainersReady\\"}": {
        ".": {},
        "f:lastProbeTime": {},
        "f:lastTransitionTime": {},
        "f:message": {},
        "f:observedGeneration": {},
        "f:reason": {},
        "f:status": {},
        "f:type": {}
       },
       "k:{\\"type\\":\\"Initialized\\"}": {
        ".": {},
        "f:lastProbeTime": {},
        "f:lastTransitionTime": {},
        "f:observedGeneration": {},
        "f:status": {},
        "f:type": {}
       },
       "k:{\\"type\\":\\"PodReadyToStartContainers\\"}": {
        ".": {},
        "f:lastProbeTime": {},
        "f:lastTransitionTime": {},
        "f:observedGeneration": {},
        "f:status": {},
        "f:type": {}
       },
       "k:{\\"type\\":\\"Ready\\"}": {
        ".": {},
        "f:lastProbeTime": {},
        "f:lastTransitionTime": {},
        "f:message": {},
        "f:observedGeneration": {},
        "f:reason": {},
        "f:status": {},
        "f:type": {}
       },
       "k:{\\"type\\":\\"r4.dev/attested\\"}": {
        ".": {},
        "f:lastProbeTime": {},
        "f:lastTransitionTime": {},
        "f:message": {},
        "f:reason": {},
        "f:status": {},
        "f:type": {}
       }
      },
      "f:containerStatuses": {},
      "f:hostIP": {},
      "f:hostIPs": {},
      "f:observedGeneration": {},
      "f:phase": {},
      "f:podIP": {},
      "f:podIPs": {
       ".": {},
       "k:{\\"ip\\":\\"10.244.32.4\\"}": {
        ".": {},
        "f:ip": {}
       }
      },
      "f:startTime": {}
     }
    },
    "manager": "kubernetes-client-javascript",
    "operation": "Update",
    "subresource": "status",
    "time": "2026-11-30T23:23:33Z"
   }
  ],
  "name": "demo-865cd7d656-q877h",
  "namespace": "team-a",
  "ownerReferences": [
   {
    "apiVersion": "apps/v1",
    "blockOwnerDeletion": true,
    "controller": true,
    "kind": "ReplicaSet",
    "name": "demo-865cd7d656",
    "uid": "4b28f5a3-bb9c-493f-b164-aa6755bfcf4b"
   }
  ],
  "resourceVersion": "428",
  "uid": "e339f7fa-9ee0-45d8-a969-c5821c1cfb07"
 },
 "spec": {
  "automountServiceAccountToken": false,
  "containers": [
   {
    "env": [
     {
      "name": "API_HOST",
      "value": "0.0.0.0"
     },
     {
      "name": "PORT",
      "value": "8080"
     },
     {
      "name": "API_KEYS_FILE",
      "value": "/etc/r4/keys/api-keys"
     },
     {
      "name": "STRICT_FIPS",
      "value": "1"
     },
     {
      "name": "ALLOW_QUERY_KEY",
      "value": "0"
     },
     {
      "name": "R4_EXPECTED_CORE_SHA256",
      "value": "3b7cf4e8953edf10cb45e45bdf8c275f621db3df08ec1ee5d4d5c6ea39cd807b"
     },
     {
      "name": "TLS_CERT_FILE",
      "value": "/etc/r4/tls/tls.crt"
     },
     {
      "name": "TLS_KEY_FILE",
      "value": "/etc/r4/tls/tls.key"
     },
     {
      "name": "R4_VRF_KEYSET_FILE",
      "value": "/etc/r4/vrf/keyset.json"
     },
     {
      "name": "R4_APPLIANCE",
      "value": "team-a/demo"
     },
     {
      "name": "R4_VRF_BEACON_PERIOD_S",
      "value": "30"
     },
     {
      "name": "R4_VRF_BEACON_GENESIS",
      "value": "2026-11-30T23:23:22.000Z"
     }
    ],
    "image": "r4:test@sha256:5d5ba1f8dbb443d6a9ceaeb98ca25a816e3b01db4a2c99532f2122c727d3e26b",
    "imagePullPolicy": "IfNotPresent",
    "livenessProbe": {
     "failureThreshold": 3,
     "httpGet": {
      "path": "/health",
      "port": 8080,
      "scheme": "HTTPS"
     },
     "periodSeconds": 10,
     "successThreshold": 1,
     "timeoutSeconds": 1
    },
    "name": "entropy",
    "ports": [
     {
      "containerPort": 8080,
      "protocol": "TCP"
     }
    ],
    "readinessProbe": {
     "failureThreshold": 3,
     "httpGet": {
      "path": "/ready",
      "port": 8080,
      "scheme": "HTTPS"
     },
     "periodSeconds": 10,
     "successThreshold": 1,
     "timeoutSeconds": 1
    },
    "resources": {
     "limits": {
      "cpu": "1",
      "memory": "256Mi"
     },
     "requests": {
      "cpu": "100m",
      "memory": "96Mi"
     }
    },
    "securityContext": {
     "allowPrivilegeEscalation": false,
     "capabilities": {
      "drop": [
       "ALL"
      ]
     },
     "privileged": false,
     "readOnlyRootFilesystem": true,
     "runAsGroup": 65532,
     "runAsNonRoot": true,
     "runAsUser": 65532,
     "seccompProfile": {
      "type": "RuntimeDefault"
     }
    },
    "startupProbe": {
     "failureThreshold": 3,
     "periodSeconds": 10,
     "successThreshold": 1,
     "tcpSocket": {
      "port": 8080
     },
     "timeoutSeconds": 1
    },
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
    "volumeMounts": [
     {
      "mountPath": "/etc/r4/keys",
      "name": "api-keys",
      "readOnly": true
     },
     {
      "mountPath": "/etc/r4/tls",
      "name": "tls",
      "readOnly": true
     },
     {
      "mountPath": "/etc/r4/vrf",
      "name": "vrf-keys",
      "readOnly": true
     },
     {
      "mountPath": "/tmp",
      "name": "tmp"
     }
    ]
   }
  ],
  "dnsPolicy": "ClusterFirst",
  "enableServiceLinks": true,
  "nodeName": "r4-node-1",
  "preemptionPolicy": "PreemptLowerPriority",
  "priority": 0,
  "readinessGates": [
   {
    "conditionType": "r4.dev/attested"
   }
  ],
  "restartPolicy": "Always",
  "schedulerName": "default-scheduler",
  "securityContext": {
   "fsGroupChangePolicy": "Always",
   "runAsGroup": 65532,
   "runAsNonRoot": true,
   "runAsUser": 65532,
   "seccompProfile": {
    "type": "RuntimeDefault"
   }
  },
  "serviceAccount": "default",
  "serviceAccountName": "default",
  "setHostnameAsFQDN": false,
  "terminationGracePeriodSeconds": 30,
  "tolerations": [
   {
    "effect": "NoExecute",
    "key": "node.kubernetes.io/not-ready",
    "operator": "Exists",
    "tolerationSeconds": 300
   },
   {
    "effect": "NoExecute",
    "key": "node.kubernetes.io/unreachable",
    "operator": "Exists",
    "tolerationSeconds": 300
   }
  ],
  "volumes": [
   {
    "name": "api-keys",
    "secret": {
     "defaultMode": 420,
     "secretName": "demo-api-keys"
    }
   },
   {
    "name": "tls",
    "secret": {
     "defaultMode": 420,
     "secretName": "demo-tls"
    }
   },
   {
    "name": "vrf-keys",
    "secret": {
     "defaultMode": 420,
     "secretName": "demo-vrf-keys"
    }
   },
   {
    "emptyDir": {
     "sizeLimit": "32Mi"
    },
    "name": "tmp"
   }
  ]
 },
 "status": {
  "conditions": [
   {
    "lastProbeTime": null,
    "lastTransitionTime": "2026-11-30T23:23:29Z",
    "observedGeneration": 1,
    "status": "True",
    "type": "PodReadyToStartContainers"
   },
   {
    "lastProbeTime": null,
    "lastTransitionTime": "2026-11-30T23:23:29Z",
    "observedGeneration": 1,
    "status": "True",
    "type": "Initialized"
   },
   {
    "lastProbeTime": null,
    "lastTransitionTime": "2026-11-30T23:23:29Z",
    "message": "containers with unready status: [entropy]",
    "observedGeneration": 1,
    "reason": "ContainersNotReady",
    "status": "False",
    "type": "Ready"
   },
   {
    "lastProbeTime": null,
    "lastTransitionTime": "2026-11-30T23:23:29Z",
    "message": "containers with unready status: [entropy]",
    "observedGeneration": 1,
    "reason": "ContainersNotReady",
    "status": "False",
    "type": "ContainersReady"
   },
   {
    "lastProbeTime": "2026-11-30T23:23:32Z",
    "lastTransitionTime": "2026-11-30T23:23:25Z",
    "message": "no answer to 3 consecutive probes (last: connect ECONNREFUSED 10.244.32.4:8080)",
    "reason": "Unreachable",
    "status": "False",
    "type": "r4.dev/attested"
   },
   {
    "lastProbeTime": null,
    "lastTransitionTime": "2026-11-30T23:23:24Z",
    "status": "True",
    "type": "PodScheduled"
   }
  ],
  "containerStatuses": [
   {
    "containerID": "local-process://32484",
    "image": "r4:test@sha256:5d5ba1f8dbb443d6a9ceaeb98ca25a816e3b01db4a2c99532f2122c727d3e26b",
    "imageID": "r4@sha256:5d5ba1f8dbb443d6a9ceaeb98ca25a816e3b01db4a2c99532f2122c727d3e26b",
    "lastState": {},
    "name": "entropy",
    "ready": false,
    "restartCount": 0,
    "started": true,
    "state": {
     "running": {
      "startedAt": "2026-11-30T23:23:29Z"
     }
    }
   }
  ],
  "hostIP": "10.244.32.1",
  "hostIPs": [
   {
    "ip": "10.244.32.1"
   }
  ],
  "observedGeneration": 1,
  "phase": "Running",
  "podIP": "10.244.32.4",
  "podIPs": [
   {
    "ip": "10.244.32.4"
   }
  ],
  "qosClass": "Burstable",
  "startTime": "2026-11-30T23:23:24Z"
 }
}`) as V1Pod;

const terminating: V1Pod = { ...served, metadata: { ...served.metadata, deletionTimestamp: new Date('2026-11-30T23:30:00Z') } };
const bytes = (o: unknown) => Buffer.byteLength(JSON.stringify(o));
const at = (o: unknown, path: readonly (string | number)[]) => path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], o);

const defaults = { image: 'r4:0.1.0', imageDigest: `sha256:${'5d5ba1f8dbb443d6a9ceaeb98ca25a816e3b01db4a2c99532f2122c727d3e26b'}`, coreSha256: 'a'.repeat(64) };
const appliance: EntropyAppliance = {
  apiVersion: 'r4.dev/v1alpha1',
  kind: 'EntropyAppliance',
  metadata: { name: 'demo', namespace: 'team-a', uid: '1234' },
  spec: { apiKeySecretRef: { name: 'keys' } },
  status: { imageDigest: defaults.imageDigest, expectedCoreSha256: defaults.coreSha256, pods: [{ name: served.metadata?.name ?? '', verdict: 'Cordoned', reason: 'Unreachable', message: 'no answer', consecutiveFailures: 3 }] },
};
const attested: PodAttestation = { verdict: 'Attested', reason: 'Attested', message: 'core and image as expected', consecutiveFailures: 0 };

describe('slimPod', () => {
  test.each([
    ['attestor, gate, events, dashboard: which pod', ['metadata', 'name']],
    ['attestor, controller, events: which pod', ['metadata', 'namespace']],
    ['attestor (probe request, records), controller (foreign pods), EndpointSlice targetRef', ['metadata', 'uid']],
    ['cache: skips unchanged objects', ['metadata', 'resourceVersion']],
    ['controller index, dashboard grouping, ownerApplianceKey', ['metadata', 'labels', 'r4.dev/appliance']],
    ['gate: is the cordon label there', ['metadata', 'labels', 'r4.dev/cordoned']],
    ['controller podsOf, dashboard rows: owned by a ReplicaSet', ['metadata', 'ownerReferences']],
    ['EndpointSlice, dashboard: node', ['spec', 'nodeName']],
    ['attestor probeable, dashboard phase', ['status', 'phase']],
    ['attestor probe address, planner, EndpointSlice, dashboard', ['status', 'podIP']],
    ['gate, attestationFromPod, planner and dashboard readiness', ['status', 'conditions']],
    ['attestor entropyContainer: which container', ['status', 'containerStatuses', 0, 'name']],
    ['attestor key binding, controller recordedBinding', ['status', 'containerStatuses', 0, 'containerID']],
    ['attestor reported digest, planner, dashboard digest', ['status', 'containerStatuses', 0, 'imageID']],
  ] as const)('%s: %j', (_reader, path) => {
    expect(at(served, path)).toBeDefined();
    expect(at(slimPod(served), path)).toEqual(at(served, path));
  });

  test('deletionTimestamp survives (attestor, planner and dashboard skip pods going away)', () => {
    expect(slimPod(terminating).metadata?.deletionTimestamp).toEqual(terminating.metadata?.deletionTimestamp);
  });

  test.each([
    ['probeable', (p: V1Pod) => probeable(p)],
    ['entropyContainer: the container id and image the attestor reads', (p: V1Pod) => [entropyContainer(p)?.containerID, entropyContainer(p)?.imageID]],
    ['attestationFromPod', (p: V1Pod) => attestationFromPod(p, undefined)],
    ['gatePatch (attested)', (p: V1Pod) => gatePatch(p, attested, new Date('2026-12-01T00:00:00Z'))],
    ['gatePatch (pending)', (p: V1Pod) => gatePatch(p, PENDING, new Date('2026-12-01T00:00:00Z'))],
    ['ownerApplianceKey', (p: V1Pod) => ownerApplianceKey(p)],
    ['endpointSlice', (p: V1Pod) => endpointSlice(appliance, resolveSpec(appliance, defaults), [p])],
    ['podRows', (p: V1Pod) => podRows(appliance, [p])],
  ] as const)('%s answers the same on the slim pod', (_name, read) => {
    for (const pod of [served, terminating]) expect(read(slimPod(pod))).toEqual(read(pod));
  });

  test('drops managedFields, the spec but its node, and container states: the cached pod is under a fifth of what was sent', () => {
    const slim = slimPod(served);
    expect(slim.metadata?.managedFields).toBeUndefined();
    expect(Object.keys(slim.spec ?? {})).toEqual(['nodeName']);
    expect(bytes(slim)).toBeLessThan(bytes(served) / 5);
  });
});

describe('stripManagedFields', () => {
  test('removes managedFields and nothing else; an object without them is returned as it is', () => {
    const { managedFields, ...metadata } = served.metadata ?? {};
    expect(managedFields).toBeDefined();
    expect(stripManagedFields(served)).toEqual({ ...served, metadata });
    const bare = stripManagedFields(served);
    expect(stripManagedFields(bare)).toBe(bare);
  });
});

describe('slimReplicaSet', () => {
  test('keeps who owns it and its uid (podsOf matches pods to it), drops its pod template', () => {
    const rs: V1ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'demo-865cd7d656', namespace: 'team-a', uid: 'rs-uid', resourceVersion: '7', labels: { 'r4.dev/appliance': 'demo' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo', uid: 'd-uid', controller: true }], managedFields: [{ manager: 'kube-controller-manager' }] },
      spec: { selector: {}, template: served as never },
    };
    expect(slimReplicaSet(rs)).toEqual({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'demo-865cd7d656', namespace: 'team-a', uid: 'rs-uid', resourceVersion: '7', labels: { 'r4.dev/appliance': 'demo' }, ownerReferences: rs.metadata?.ownerReferences } });
  });
});
