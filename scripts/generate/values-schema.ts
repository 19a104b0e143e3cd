// The chart's values.schema.json, as a function of the appliance's spec schema: everything the chart's
// values.yaml holds is described here, and `appliance.spec` is the CRD's own spec schema (without the
// fields the chart sets from other values), so a value the API server would refuse is refused by
// `helm install` first, with a message naming it. `npm run generate` writes charts/r4/values.schema.json.
import type { JSONSchemaProps } from '../../api/v1alpha1/schema-builder.js';

/** An image as the chart's values name one: repository, then a tag or a digest. */
const IMAGE_REFERENCE = {
  "repository": {
    "type": "string",
    "description": "Image repository",
    "minLength": 1,
    "pattern": "^[^\\s:@]+(:[0-9]+)?(/[^\\s:@]+)*$"
  },
  "tag": {
    "type": "string",
    "description": "Tag; empty: the chart's appVersion",
    "pattern": "^([\\w][\\w.-]{0,127})?$"
  },
  "digest": {
    "type": "string",
    "description": "sha256:<64 hex>; wins over the tag",
    "pattern": "^(sha256:[0-9a-f]{64})?$"
  }
};

/** A namespace (or other RFC 1123 label) by name. */
const NAMESPACE_NAME = {
  "type": "string",
  "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
  "maxLength": 63
};

/** An object name (RFC 1123 subdomain), or empty for none. */
const OPTIONAL_OBJECT_NAME = {
  "type": "string",
  "pattern": "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$",
  "maxLength": 253
};

const PORT = {
  "type": "integer",
  "minimum": 1,
  "maximum": 65535
};

const STRING_MAP = {
  "type": "object",
  "additionalProperties": {
    "type": "string"
  }
};

/** operator.dashboard: the read-only attestation dashboard every operator replica serves. */
const DASHBOARD = {
  "type": "object",
  "additionalProperties": false,
  "description": "The read-only attestation dashboard",
  "properties": {
    "enabled": {
      "type": "boolean",
      "description": "Serve the dashboard (false: DASHBOARD_PORT=off, and no Service, Ingress or NetworkPolicy)"
    },
    "port": {
      ...PORT,
      "description": "The operator container's dashboard port, 1 to 65535"
    },
    "service": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "port": {
          ...PORT,
          "description": "Port of the ClusterIP Service <release>-dashboard, 1 to 65535"
        }
      },
      "required": [
        "port"
      ]
    },
    "auth": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "existingSecret": {
          ...OPTIONAL_OBJECT_NAME,
          "description": "Secret holding the dashboard's bearer token (you create it); empty: no token"
        },
        "key": {
          "type": "string",
          "description": "Key of that Secret holding the token (a file name: letters, digits, - _ ., not starting with a dot)",
          "pattern": "^[-_a-zA-Z0-9][-._a-zA-Z0-9]*$",
          "maxLength": 253
        }
      },
      "required": [
        "key"
      ]
    },
    "ingress": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "enabled": {
          "type": "boolean",
          "description": "An Ingress to the dashboard's Service"
        },
        "className": {
          ...OPTIONAL_OBJECT_NAME,
          "description": "IngressClass; empty: the cluster's default"
        },
        "host": {
          "type": "string",
          "description": "Host name the dashboard is served under (lowercase DNS name, *. allowed first)",
          "pattern": "^((\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$",
          "maxLength": 253
        },
        "annotations": STRING_MAP,
        "tls": {
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "secretName": {
              ...OPTIONAL_OBJECT_NAME,
              "description": "TLS Secret for the host; empty: no TLS"
            }
          }
        }
      },
      "required": [
        "enabled"
      ]
    },
    "networkPolicy": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "enabled": {
          "type": "boolean",
          "description": "A NetworkPolicy: only the namespaces below reach the dashboard port"
        },
        "namespaces": {
          "type": "array",
          "items": {
            ...NAMESPACE_NAME,
            "description": "A namespace name: lowercase letters, digits and -"
          },
          "description": "Namespaces whose pods may reach the dashboard, by name; empty: none (port-forward still works)"
        },
        "ingressControllerNamespace": {
          "type": "string",
          "description": "The ingress controller's namespace, let in with the Ingress (lowercase letters, digits and -)",
          "pattern": "^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$",
          "maxLength": 63
        }
      },
      "required": [
        "enabled",
        "namespaces"
      ]
    }
  },
  "required": [
    "enabled",
    "port",
    "service",
    "auth",
    "ingress",
    "networkPolicy"
  ]
};

/** grafana: the chart's Grafana dashboard as a ConfigMap for Grafana's sidecar. */
const GRAFANA = {
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "dashboard": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "enabled": {
          "type": "boolean",
          "description": "A ConfigMap <release>-grafana-dashboard with the dashboard JSON"
        },
        "label": {
          "type": "string",
          "description": "Label key Grafana's sidecar selects dashboards by (a Kubernetes label key)",
          "pattern": "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$",
          "maxLength": 317
        },
        "labelValue": {
          "type": "string",
          "description": "Its value (a Kubernetes label value)",
          "pattern": "^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$"
        },
        "namespace": {
          "type": "string",
          "description": "The ConfigMap's namespace; empty: the release's",
          "pattern": "^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$",
          "maxLength": 63
        },
        "annotations": {
          ...STRING_MAP,
          "description": "e.g. grafana_folder"
        }
      },
      "required": [
        "enabled",
        "label",
        "labelValue"
      ]
    }
  },
  "required": [
    "dashboard"
  ]
};

export function chartValuesSchema(applianceSpec: JSONSchemaProps): object {
  return {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Values of the r4 chart",
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "global": {
        "type": "object",
        "description": "Helm's global values (unused by this chart)"
      },
      "operator": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "replicas": {
            "type": "integer",
            "minimum": 1,
            "maximum": 10,
            "description": "Operator replicas (one leads)"
          },
          "image": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              ...IMAGE_REFERENCE,
              "pullPolicy": {
                "type": "string",
                "enum": [
                  "Always",
                  "IfNotPresent",
                  "Never"
                ],
                "description": "Kubernetes imagePullPolicy"
              }
            },
            "required": [
              "repository"
            ],
            "description": "The operator image"
          },
          "defaultImageDigest": {
            "type": "string",
            "description": "Digest entropy pods run and must report when their appliance's image names none; empty: appliances.image.digest, else the operator image's own",
            "pattern": "^(sha256:[0-9a-f]{64})?$"
          },
          "leaderElection": {
            "type": "boolean",
            "description": "Leader election through a Lease"
          },
          "watchNamespace": {
            "type": "string",
            "description": "Namespaces to watch, comma-separated (a Role in each); empty: all (a ClusterRole)",
            "pattern": "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(,[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$",
            "maxLength": 4096
          },
          "allowedImageRepositories": {
            "type": "array",
            "items": {
              "type": "string",
              "minLength": 1,
              "pattern": "^[^\\s:@,]+(:[0-9]+)?(/[^\\s:@,*]+)*(/\\*)?$"
            },
            "description": "Repositories an appliance's spec.image may name (<prefix>/* for everything below); empty: appliances.image.repository"
          },
          "logLevel": {
            "type": "string",
            "enum": [
              "debug",
              "info",
              "warn",
              "error"
            ]
          },
          "probeConcurrency": {
            "type": "integer",
            "minimum": 1,
            "maximum": 1024,
            "description": "Attestation probes in flight at once"
          },
          "apiQps": {
            "type": "integer",
            "minimum": 1,
            "maximum": 10000,
            "description": "Requests per second to the API server after apiBurst (watches and the Lease not counted)"
          },
          "apiBurst": {
            "type": "integer",
            "minimum": 1,
            "maximum": 10000,
            "description": "Requests to the API server at once before apiQps applies"
          },
          "httpPort": {
            "type": "integer",
            "minimum": 1,
            "maximum": 65535,
            "description": "Port of /healthz, /readyz, /metrics"
          },
          "dashboard": DASHBOARD,
          "resources": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              "requests": {
                "type": "object",
                "additionalProperties": {
                  "anyOf": [
                    {
                      "type": "integer",
                      "minimum": 0
                    },
                    {
                      "type": "string",
                      "pattern": "^[0-9]+(\\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$"
                    }
                  ]
                }
              },
              "limits": {
                "type": "object",
                "additionalProperties": {
                  "anyOf": [
                    {
                      "type": "integer",
                      "minimum": 0
                    },
                    {
                      "type": "string",
                      "pattern": "^[0-9]+(\\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$"
                    }
                  ]
                }
              }
            },
            "description": "Compute resources"
          },
          "podLabels": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          },
          "podAnnotations": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          },
          "nodeSelector": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          },
          "tolerations": {
            "type": "array",
            "items": {
              "type": "object"
            }
          },
          "affinity": {
            "type": "object"
          },
          "imagePullSecrets": {
            "type": "array",
            "items": {
              "type": "string",
              "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
            }
          }
        },
        "required": [
          "replicas",
          "image",
          "leaderElection"
        ]
      },
      "appliances": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "image": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              ...IMAGE_REFERENCE,
            },
            "required": [
              "repository"
            ],
            "description": "Default entropy service image for appliances"
          },
          "expectedCoreSha256": {
            "type": "string",
            "description": "Default SHA-256 of the core; empty: the operator image's",
            "pattern": "^([0-9a-f]{64})?$"
          }
        },
        "required": [
          "image"
        ]
      },
      "serviceAccount": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "create": {
            "type": "boolean",
            "description": "Create the operator's ServiceAccount"
          },
          "name": {
            "type": "string",
            "description": "Its name; empty: derived",
            "pattern": "^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$",
            "maxLength": 253
          },
          "annotations": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          }
        },
        "required": [
          "create"
        ]
      },
      "rbac": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "create": {
            "type": "boolean",
            "description": "Create the operator's ClusterRole (or a Role per watched namespace), its own-namespace Role and bindings"
          }
        },
        "required": [
          "create"
        ]
      },
      "admissionPolicy": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "enabled": {
            "type": "boolean",
            "description": "A ValidatingAdmissionPolicy that lets the operator change only objects labelled as its own, and on pods only its condition and label"
          }
        },
        "required": [
          "enabled"
        ]
      },
      "metrics": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "networkPolicy": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              "enabled": {
                "type": "boolean",
                "description": "A NetworkPolicy: only the namespaces below reach the operators' port"
              },
              "namespaces": {
                "type": "array",
                "minItems": 1,
                "items": {
                  "type": "string",
                  "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
                  "maxLength": 63
                },
                "description": "Namespaces (Prometheus's) that may scrape /metrics, by name"
              }
            },
            "required": [
              "enabled",
              "namespaces"
            ]
          },
          "service": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              "enabled": {
                "type": "boolean",
                "description": "Service in front of /metrics"
              },
              "type": {
                "type": "string",
                "enum": [
                  "ClusterIP",
                  "NodePort",
                  "LoadBalancer"
                ]
              },
              "port": {
                "type": "integer",
                "minimum": 1,
                "maximum": 65535,
                "description": "Service port"
              }
            },
            "required": [
              "enabled"
            ]
          },
          "serviceMonitor": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              "enabled": {
                "type": "boolean",
                "description": "Create a prometheus-operator ServiceMonitor"
              },
              "interval": {
                "type": "string",
                "pattern": "^[0-9]+(ms|s|m|h)$"
              },
              "scrapeTimeout": {
                "type": "string",
                "pattern": "^[0-9]+(ms|s|m|h)$"
              },
              "labels": {
                "type": "object",
                "additionalProperties": {
                  "type": "string"
                }
              }
            },
            "required": [
              "enabled"
            ]
          }
        }
      },
      "grafana": GRAFANA,
      "appliance": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "enabled": {
            "type": "boolean",
            "description": "Create an EntropyAppliance with the release"
          },
          "name": {
            "type": "string",
            "description": "Its name; empty: the release name",
            "pattern": "^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$",
            "maxLength": 63
          },
          "replicas": {
            "type": "integer",
            "minimum": 1,
            "maximum": 100,
            "description": "Entropy pods"
          },
          "apiKeys": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              "existingSecret": {
                "type": "string",
                "description": "Existing Secret with the keys",
                "pattern": "^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$",
                "maxLength": 253
              },
              "key": {
                "type": "string",
                "description": "Key of the Secret holding the keys, one per line",
                "minLength": 1,
                "pattern": "^[-._a-zA-Z0-9]+$"
              },
              "keys": {
                "type": "array",
                "items": {
                  "type": "string",
                  "pattern": "^[A-Za-z0-9_-]{32,512}$"
                },
                "description": "Keys for the Secret the chart creates: 32 to 512 characters from A-Z a-z 0-9 _ - each (openssl rand -hex 16)"
              }
            },
            "required": [
              "key"
            ]
          },
          "strictFips": {
            "type": "boolean",
            "description": "Fail closed when a core fails its self-test"
          },
          "spec": applianceSpec
        },
        "required": [
          "enabled",
          "replicas",
          "apiKeys",
          "strictFips"
        ]
      },
      "tests": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "image": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              "repository": {
                "type": "string",
                "description": "Test pod image; empty: the appliances' image",
                "pattern": "^([^\\s:@]+(:[0-9]+)?(/[^\\s:@]+)*)?$"
              },
              "tag": {
                "type": "string",
                "description": "Tag; empty: appVersion",
                "pattern": "^([\\w][\\w.-]{0,127})?$"
              }
            }
          }
        }
      }
    },
    "required": [
      "operator",
      "appliances",
      "serviceAccount",
      "rbac",
      "admissionPolicy",
      "metrics",
      "appliance"
    ]
  };
}
