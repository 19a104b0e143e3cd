// The few sodium-native (5.x) functions vrf/node uses; the package ships no types and @types/sodium-native describes
// an older major. Each throws when libsodium returns non-zero (refused input or an identity result).
declare module 'sodium-native' {
  const sodium: {
    crypto_scalarmult_ed25519_base_noclamp(q: Uint8Array, n: Uint8Array): void;
    crypto_scalarmult_ed25519_noclamp(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
    crypto_core_ed25519_sub(r: Uint8Array, p: Uint8Array, q: Uint8Array): void;
    crypto_core_ed25519_add(r: Uint8Array, p: Uint8Array, q: Uint8Array): void;
  };
  export default sodium;
}
