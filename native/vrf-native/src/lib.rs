//! The native half of /vrf, as a Node-API module: ML-DSA-65 (FIPS 204) through libcrux-ml-dsa, and the one
//! Edwards25519 operation ECVRF verification spends most of its time in, through curve25519-dalek.
//!
//! Why: node:crypto (OpenSSL) signs in about 950 µs on the service's machines; libcrux (formally verified,
//! AVX2 chosen at run time, portable code otherwise) signs in about 130 µs (160 µs called from Node), with the same standard keys and
//! signatures. Pure ML-DSA with the empty context only, as /vrf uses it.
//!
//! Nothing here may unwind into Node: every length is checked before libcrux sees it, libcrux reports
//! failures as `Result`s, and `catch_unwind` turns any panic left into a JavaScript error.

use libcrux_ml_dsa::ml_dsa_65::{
    self, MLDSA65Signature, MLDSA65SigningKey, MLDSA65VerificationKey,
};
use curve25519_dalek::constants::ED25519_BASEPOINT_COMPRESSED;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use napi::bindgen_prelude::{Buffer, Error, Result, Status};
use napi_derive::napi;

const SEED_BYTES: usize = 32;
const RANDOMNESS_BYTES: usize = 32;
const SIGNING_KEY_BYTES: usize = 4032;
const PUBLIC_KEY_BYTES: usize = 1952;
const SIGNATURE_BYTES: usize = 3309;

#[napi(object)]
pub struct KeyPair {
    pub public_key: Buffer,
    pub signing_key: Buffer,
}

fn invalid(what: &str) -> Error {
    Error::new(Status::InvalidArg, what.to_string())
}

/// Overwrites a copy of secret bytes before it is freed; `black_box` keeps the compiler from dropping the writes.
fn wipe(bytes: &mut [u8]) {
    bytes.fill(0);
    std::hint::black_box(bytes);
}

/// FIPS 204 ML-DSA.KeyGen_internal from the 32-byte seed xi (the form r4's keyset stores).
#[napi(catch_unwind)]
pub fn key_pair(seed: &[u8]) -> Result<KeyPair> {
    let mut xi: [u8; SEED_BYTES] = seed
        .try_into()
        .map_err(|_| invalid("seed must be 32 bytes"))?;
    let mut pair = ml_dsa_65::generate_key_pair(xi);
    wipe(&mut xi);
    let result = KeyPair {
        public_key: pair.verification_key.as_slice().to_vec().into(),
        signing_key: pair.signing_key.as_slice().to_vec().into(),
    };
    wipe(pair.signing_key.as_mut_slice());
    Ok(result)
}

/// Pure ML-DSA-65 signature with the empty context; `randomness` all zero is FIPS 204's deterministic variant.
#[napi(catch_unwind)]
pub fn sign(signing_key: &[u8], message: &[u8], randomness: &[u8]) -> Result<Buffer> {
    let key: [u8; SIGNING_KEY_BYTES] = signing_key
        .try_into()
        .map_err(|_| invalid("signing key must be 4032 bytes"))?;
    let rnd: [u8; RANDOMNESS_BYTES] = randomness
        .try_into()
        .map_err(|_| invalid("randomness must be 32 bytes"))?;
    let mut key = MLDSA65SigningKey::new(key);
    let signed = ml_dsa_65::sign(&key, message, b"", rnd);
    wipe(key.as_mut_slice());
    // Rejection sampling gives up only after far more rounds than FIPS 204 expects ever to need.
    let signature = signed.map_err(|e| {
        Error::new(
            Status::GenericFailure,
            format!("ML-DSA-65 signing failed: {e:?}"),
        )
    })?;
    Ok(signature.as_slice().to_vec().into())
}

/// Pure ML-DSA-65 verification with the empty context: anything malformed is `false`, never an error.
#[napi(catch_unwind)]
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let (Ok(pk), Ok(sig)) = (
        <[u8; PUBLIC_KEY_BYTES]>::try_from(public_key),
        <[u8; SIGNATURE_BYTES]>::try_from(signature),
    ) else {
        return false;
    };
    ml_dsa_65::verify(
        &MLDSA65VerificationKey::new(pk),
        message,
        b"",
        &MLDSA65Signature::new(sig),
    )
    .is_ok()
}

/// s·P − c·Q for PUBLIC scalars (32 bytes little-endian, reduced mod L) and points (RFC 8032 encodings the
/// caller has already checked strictly): ECVRF verification's U = s·B − c·Y and V = s·H − c·Gamma, each one
/// variable-time multiscalar multiplication (never used with a secret). The exact group element, torsion
/// included, as its canonical encoding; null when a point does not decode or a length is wrong.
#[napi(catch_unwind)]
pub fn edwards_mul_sub(s: &[u8], p: &[u8], c: &[u8], q: &[u8]) -> Option<Buffer> {
    let scalar = |bytes: &[u8]| <[u8; 32]>::try_from(bytes).ok().map(Scalar::from_bytes_mod_order);
    let point = |bytes: &[u8]| <[u8; 32]>::try_from(bytes).ok().and_then(|b| CompressedEdwardsY(b).decompress());
    // −Q rather than −c: c and s are below L and used as the integers they are, so a torsion component of a
    // point is multiplied exactly (the negated scalar L − c would multiply it by another residue mod 8).
    let (s, c, minus_q) = (scalar(s)?, scalar(c)?, -point(q)?);
    let result = if p == ED25519_BASEPOINT_COMPRESSED.as_bytes() {
        EdwardsPoint::vartime_double_scalar_mul_basepoint(&c, &minus_q, &s)
    } else {
        EdwardsPoint::vartime_multiscalar_mul([s, c], [point(p)?, minus_q])
    };
    Some(result.compress().to_bytes().to_vec().into())
}
