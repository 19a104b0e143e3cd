// The CLI's help, and the error for a command line or input it cannot use (exit 2, as for a usage error).
export class UsageError extends Error {}

export const USAGE = `usage: r4 <command> [options]

Offline (no network):
  r4 verify <file|-> --trust <file>   verify /vrf answers and beacon pulses: one JSON value, an array, or
                                      JSON lines; the trust file is \`kubectl get entropyappliance NAME -o json\`,
                                      its status, or GET /vrf/keys. Exit 0: every check passed; 1: some failed.
Calls to a service (R4_URL, R4_API_KEY and R4_CA_FILE, or --url, --key and --ca):
  r4 random -n N [--fmt hex|base64]   N random bytes (hex by default)
  r4 vrf --alpha HEX                  a verifiable output for alpha (JSON)
  r4 beacon latest|info|ROUND         a beacon pulse, or the beacon's info (JSON)
  r4 keys                             the appliance's VRF public keys (JSON): a trust file
Exit codes: 0 ok, 1 verification failed or the service refused, 2 usage or input error.`;
