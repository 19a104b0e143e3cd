// The operator on the real control plane, with real entropy service processes in real pod networks:
// what a platform team sees from `kubectl apply` of an EntropyAppliance to its deletion. The scenarios
// are in appliance-scenarios.ts; appliance-lifecycle.podman.test.ts runs them with pods as podman containers.
import { useLocalCluster } from '../cluster/jest-cluster.js';
import { describeApplianceLifecycle } from './appliance-scenarios.js';

describeApplianceLifecycle(useLocalCluster({ runtime: 'process' }), 'EntropyAppliance on a real control plane');
