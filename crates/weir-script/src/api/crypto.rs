//! The `crypto` global: message digests, HMACs, PEM keys and JWT verification.
//!
//! | PipyJS                                   | here                                    |
//! |------------------------------------------|-----------------------------------------|
//! | `new crypto.Hash(alg)`                   | [`JsHash`]: `update(data, enc?)`, `digest(enc?)` |
//! | `new crypto.Hmac(alg, key)`              | [`JsHmac`]: the same two methods        |
//! | `new crypto.PublicKey(pem)`              | [`JsPublicKey`]: RSA or P-256           |
//! | `new crypto.PrivateKey(pem)`             | [`JsPrivateKey`]: RSA or P-256          |
//! | `new crypto.JWT(token)`                  | [`JsJwt`]: `isValid`, `header`, `payload`, `verify(key)` |
//!
//! Digest algorithms are `md5`, `sha1`, `sha224`, `sha256`, `sha384` and `sha512` (any
//! case). `digest()` with no encoding gives a `Data`; with one (`hex`, `base64`,
//! `base64url`, …) a string. After `digest()` the object starts over, empty (Pipy leaves
//! it unusable).
//!
//! A JWT is valid when it has three base64url parts, its header and payload are JSON
//! objects, and its header names an algorithm this module verifies: `HS256`/`HS384`/
//! `HS512` (secret: a string or `Data`), `RS256`/`RS384`/`RS512` and `ES256` (a
//! `crypto.PublicKey`, or the `crypto.PrivateKey` it belongs to). `verify` of an invalid
//! token is `false`; a key of the wrong kind for the token's algorithm is a `TypeError`.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use md5::Md5;
use p256::ecdsa::signature::Verifier as _;
use rquickjs::class::Trace;
use rquickjs::function::Opt;
use rquickjs::{Class, Ctx, JsLifetime, Object, Result, Value};
use rsa::pkcs1::DecodeRsaPrivateKey as _;
use rsa::pkcs1::DecodeRsaPublicKey as _;
use rsa::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha1::Sha1;
use sha2::digest::DynDigest;
use sha2::{Sha224, Sha256, Sha384, Sha512};
use weir_engine::{Data, Encoding};

use crate::api::data::{new_data, to_data, JsData};
use crate::config::throw;

pub fn install(ctx: &Ctx<'_>) -> Result<()> {
    let crypto = Object::new(ctx.clone())?;
    crypto.set("Hash", Class::<JsHash>::create_constructor(ctx)?)?;
    crypto.set("Hmac", Class::<JsHmac>::create_constructor(ctx)?)?;
    crypto.set("PublicKey", Class::<JsPublicKey>::create_constructor(ctx)?)?;
    crypto.set(
        "PrivateKey",
        Class::<JsPrivateKey>::create_constructor(ctx)?,
    )?;
    crypto.set("JWT", Class::<JsJwt>::create_constructor(ctx)?)?;
    ctx.globals().set("crypto", crypto)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// shared helpers

#[derive(Clone, Copy)]
enum Alg {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

fn alg(ctx: &Ctx<'_>, what: &str, name: &str) -> Result<Alg> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "md5" => Alg::Md5,
        "sha1" => Alg::Sha1,
        "sha224" => Alg::Sha224,
        "sha256" => Alg::Sha256,
        "sha384" => Alg::Sha384,
        "sha512" => Alg::Sha512,
        _ => return Err(throw(ctx, format!("{what}: unknown algorithm '{name}'"))),
    })
}

fn encoding(ctx: &Ctx<'_>, name: &str) -> Result<Encoding> {
    Encoding::parse(name).ok_or_else(|| throw(ctx, format!("unknown encoding '{name}'")))
}

/// `update()`'s input: a string in `enc` (UTF-8 by default), or any bytes [`to_data`] takes.
fn input_bytes<'js>(ctx: &Ctx<'js>, v: &Value<'js>, enc: Option<String>) -> Result<Vec<u8>> {
    if let Some(s) = v.as_string() {
        let enc = match enc {
            Some(name) => encoding(ctx, &name)?,
            None => Encoding::Utf8,
        };
        return Data::from_encoded(&s.to_string()?, enc)
            .map(|d| d.to_vec())
            .map_err(|e| throw(ctx, e.to_string()));
    }
    Ok(to_data(ctx, v)?.to_vec())
}

/// `digest()`'s output: a `Data`, or a string when an encoding is named.
fn output<'js>(ctx: &Ctx<'js>, bytes: Vec<u8>, enc: Option<String>) -> Result<Value<'js>> {
    let data = Data::from(bytes);
    match enc {
        None => new_data(ctx, data),
        Some(name) => {
            let s = data.encode(encoding(ctx, &name)?);
            Ok(rquickjs::String::from_str(ctx.clone(), &s)?.into_value())
        }
    }
}

fn opt_string(v: Opt<Value<'_>>) -> Result<Option<String>> {
    match v.0 {
        Some(v) if v.is_string() => v.as_string().map(|s| s.to_string()).transpose(),
        _ => Ok(None),
    }
}

// ---------------------------------------------------------------------------------------
// Hash

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "Hash")]
pub struct JsHash {
    #[qjs(skip_trace)]
    state: Box<dyn DynDigest>,
}

#[rquickjs::methods]
impl JsHash {
    #[qjs(constructor)]
    pub fn new<'js>(ctx: Ctx<'js>, name: Opt<String>) -> Result<JsHash> {
        let name = name.0.unwrap_or_default();
        let state: Box<dyn DynDigest> = match alg(&ctx, "crypto.Hash()", &name)? {
            Alg::Md5 => Box::new(Md5::default()),
            Alg::Sha1 => Box::new(Sha1::default()),
            Alg::Sha224 => Box::new(Sha224::default()),
            Alg::Sha256 => Box::new(Sha256::default()),
            Alg::Sha384 => Box::new(Sha384::default()),
            Alg::Sha512 => Box::new(Sha512::default()),
        };
        Ok(JsHash { state })
    }

    pub fn update<'js>(
        &mut self,
        ctx: Ctx<'js>,
        data: Value<'js>,
        enc: Opt<Value<'js>>,
    ) -> Result<()> {
        let bytes = input_bytes(&ctx, &data, opt_string(enc)?)?;
        self.state.update(&bytes);
        Ok(())
    }

    pub fn digest<'js>(&mut self, ctx: Ctx<'js>, enc: Opt<Value<'js>>) -> Result<Value<'js>> {
        let enc = opt_string(enc)?;
        let bytes = self.state.finalize_reset().into_vec();
        output(&ctx, bytes, enc)
    }
}

// ---------------------------------------------------------------------------------------
// Hmac

enum MacState {
    Md5(Hmac<Md5>),
    Sha1(Hmac<Sha1>),
    Sha224(Hmac<Sha224>),
    Sha256(Hmac<Sha256>),
    Sha384(Hmac<Sha384>),
    Sha512(Hmac<Sha512>),
}

macro_rules! each_mac {
    ($s:expr, $m:ident => $e:expr) => {
        match $s {
            MacState::Md5($m) => $e,
            MacState::Sha1($m) => $e,
            MacState::Sha224($m) => $e,
            MacState::Sha256($m) => $e,
            MacState::Sha384($m) => $e,
            MacState::Sha512($m) => $e,
        }
    };
}

impl MacState {
    fn new(alg: Alg, key: &[u8]) -> MacState {
        // HMAC takes a key of any length, so `new_from_slice` cannot fail here.
        fn mk<M: Mac + hmac::digest::KeyInit>(key: &[u8]) -> M {
            <M as hmac::digest::KeyInit>::new_from_slice(key)
                .unwrap_or_else(|_| <M as hmac::digest::KeyInit>::new(&Default::default()))
        }
        match alg {
            Alg::Md5 => MacState::Md5(mk(key)),
            Alg::Sha1 => MacState::Sha1(mk(key)),
            Alg::Sha224 => MacState::Sha224(mk(key)),
            Alg::Sha256 => MacState::Sha256(mk(key)),
            Alg::Sha384 => MacState::Sha384(mk(key)),
            Alg::Sha512 => MacState::Sha512(mk(key)),
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        each_mac!(self, m => Mac::update(m, bytes))
    }

    fn finalize(self) -> Vec<u8> {
        each_mac!(self, m => m.finalize().into_bytes().to_vec())
    }

    /// Compares in constant time.
    fn verify(self, tag: &[u8]) -> bool {
        each_mac!(self, m => m.verify_slice(tag).is_ok())
    }
}

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "Hmac")]
pub struct JsHmac {
    #[qjs(skip_trace)]
    alg: Alg,
    #[qjs(skip_trace)]
    key: Vec<u8>,
    #[qjs(skip_trace)]
    state: MacState,
}

#[rquickjs::methods]
impl JsHmac {
    #[qjs(constructor)]
    pub fn new<'js>(ctx: Ctx<'js>, name: Opt<String>, key: Opt<Value<'js>>) -> Result<JsHmac> {
        let name = name.0.unwrap_or_default();
        let alg = alg(&ctx, "crypto.Hmac()", &name)?;
        let key = match key.0 {
            Some(k) if !k.is_undefined() && !k.is_null() => to_data(&ctx, &k)?.to_vec(),
            _ => return Err(throw(&ctx, "crypto.Hmac(): a key is required")),
        };
        let state = MacState::new(alg, &key);
        Ok(JsHmac { alg, key, state })
    }

    pub fn update<'js>(
        &mut self,
        ctx: Ctx<'js>,
        data: Value<'js>,
        enc: Opt<Value<'js>>,
    ) -> Result<()> {
        let bytes = input_bytes(&ctx, &data, opt_string(enc)?)?;
        self.state.update(&bytes);
        Ok(())
    }

    pub fn digest<'js>(&mut self, ctx: Ctx<'js>, enc: Opt<Value<'js>>) -> Result<Value<'js>> {
        let enc = opt_string(enc)?;
        let done = std::mem::replace(&mut self.state, MacState::new(self.alg, &self.key));
        output(&ctx, done.finalize(), enc)
    }
}

// ---------------------------------------------------------------------------------------
// keys

fn pem_text<'js>(ctx: &Ctx<'js>, what: &str, v: Opt<Value<'js>>) -> Result<String> {
    let v = v.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
    let ok = v.is_string() || Class::<JsData>::from_value(&v).is_ok();
    if !ok {
        return Err(throw(
            ctx,
            format!(
                "{what}: expected a PEM string or Data, got {}",
                crate::value::type_name(&v)
            ),
        ));
    }
    let bytes = to_data(ctx, &v)?.to_vec();
    String::from_utf8(bytes).map_err(|_| throw(ctx, format!("{what}: the PEM is not text")))
}

enum PublicKey {
    Rsa(RsaPublicKey),
    P256(p256::PublicKey),
}

fn parse_public(pem: &str) -> Option<PublicKey> {
    if pem.contains("-----BEGIN RSA PUBLIC KEY-----") {
        return RsaPublicKey::from_pkcs1_pem(pem.trim())
            .ok()
            .map(PublicKey::Rsa);
    }
    if pem.contains("-----BEGIN PUBLIC KEY-----") {
        if let Ok(k) = RsaPublicKey::from_public_key_pem(pem.trim()) {
            return Some(PublicKey::Rsa(k));
        }
        if let Ok(k) = p256::PublicKey::from_public_key_pem(pem.trim()) {
            return Some(PublicKey::P256(k));
        }
    }
    None
}

fn parse_private(pem: &str) -> Option<PublicKey> {
    let pem = pem.trim();
    if pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
        return RsaPrivateKey::from_pkcs1_pem(pem)
            .ok()
            .map(|k| PublicKey::Rsa(k.to_public_key()));
    }
    if pem.contains("-----BEGIN EC PRIVATE KEY-----") {
        return p256::SecretKey::from_sec1_pem(pem)
            .ok()
            .map(|k| PublicKey::P256(k.public_key()));
    }
    if pem.contains("-----BEGIN PRIVATE KEY-----") {
        if let Ok(k) = RsaPrivateKey::from_pkcs8_pem(pem) {
            return Some(PublicKey::Rsa(k.to_public_key()));
        }
        if let Ok(k) = p256::SecretKey::from_pkcs8_pem(pem) {
            return Some(PublicKey::P256(k.public_key()));
        }
    }
    None
}

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "PublicKey")]
pub struct JsPublicKey {
    #[qjs(skip_trace)]
    key: PublicKey,
}

#[rquickjs::methods]
impl JsPublicKey {
    #[qjs(constructor)]
    pub fn new<'js>(ctx: Ctx<'js>, pem: Opt<Value<'js>>) -> Result<JsPublicKey> {
        let what = "crypto.PublicKey()";
        let text = pem_text(&ctx, what, pem)?;
        match parse_public(&text) {
            Some(key) => Ok(JsPublicKey { key }),
            None => Err(throw(
                &ctx,
                format!("{what}: not a PEM RSA or P-256 public key"),
            )),
        }
    }
}

/// A private key; only its public half is used (to verify), and the PEM is kept.
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "PrivateKey")]
pub struct JsPrivateKey {
    #[qjs(skip_trace)]
    public: PublicKey,
    #[qjs(skip_trace)]
    pub pem: String,
}

#[rquickjs::methods]
impl JsPrivateKey {
    #[qjs(constructor)]
    pub fn new<'js>(ctx: Ctx<'js>, pem: Opt<Value<'js>>) -> Result<JsPrivateKey> {
        let what = "crypto.PrivateKey()";
        let text = pem_text(&ctx, what, pem)?;
        match parse_private(&text) {
            Some(public) => Ok(JsPrivateKey { public, pem: text }),
            None => Err(throw(
                &ctx,
                format!("{what}: not a PEM RSA or P-256 private key"),
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------
// JWT

#[derive(Clone, Copy)]
enum JwtAlg {
    Hs(Alg),
    Rs(Alg),
    Es256,
}

fn jwt_alg(name: &str) -> Option<JwtAlg> {
    Some(match name {
        "HS256" => JwtAlg::Hs(Alg::Sha256),
        "HS384" => JwtAlg::Hs(Alg::Sha384),
        "HS512" => JwtAlg::Hs(Alg::Sha512),
        "RS256" => JwtAlg::Rs(Alg::Sha256),
        "RS384" => JwtAlg::Rs(Alg::Sha384),
        "RS512" => JwtAlg::Rs(Alg::Sha512),
        "ES256" => JwtAlg::Es256,
        _ => return None,
    })
}

const B64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What `verify` needs from a well-formed token.
struct Signed {
    alg: JwtAlg,
    /// `header.payload`, as it appears in the token.
    input: String,
    signature: Vec<u8>,
}

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "JWT")]
pub struct JsJwt<'js> {
    header: Value<'js>,
    payload: Value<'js>,
    #[qjs(skip_trace)]
    signed: Option<Signed>,
}

/// A base64url part decoded and parsed as a JSON object; `None` if it is not one.
fn json_part<'js>(ctx: &Ctx<'js>, part: &str) -> Option<Value<'js>> {
    let bytes = B64URL.decode(part).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    match ctx.json_parse(text) {
        Ok(v) if v.is_object() && !v.is_array() => Some(v),
        Ok(_) => None,
        Err(_) => {
            let _ = ctx.catch();
            None
        }
    }
}

#[rquickjs::methods]
impl<'js> JsJwt<'js> {
    #[qjs(constructor)]
    pub fn new(ctx: Ctx<'js>, token: Opt<Value<'js>>) -> Result<JsJwt<'js>> {
        let token = token.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        let ok = token.is_string() || Class::<JsData>::from_value(&token).is_ok();
        if !ok {
            return Err(throw(
                &ctx,
                format!(
                    "crypto.JWT(): expected a string or Data, got {}",
                    crate::value::type_name(&token)
                ),
            ));
        }
        let text = String::from_utf8_lossy(&to_data(&ctx, &token)?.to_vec()).into_owned();
        let undef = Value::new_undefined(ctx.clone());
        let mut jwt = JsJwt {
            header: undef.clone(),
            payload: undef,
            signed: None,
        };
        let parts: Vec<&str> = text.trim().split('.').collect();
        let [h, p, s] = parts[..] else {
            return Ok(jwt);
        };
        let (Some(header), Some(payload)) = (json_part(&ctx, h), json_part(&ctx, p)) else {
            return Ok(jwt);
        };
        jwt.header = header.clone();
        jwt.payload = payload;
        let name: Option<String> = header
            .as_object()
            .and_then(|o| o.get::<_, Value>("alg").ok())
            .and_then(|v| v.as_string().and_then(|s| s.to_string().ok()));
        let alg = name.as_deref().and_then(jwt_alg);
        if let (Some(alg), Ok(signature)) = (alg, B64URL.decode(s)) {
            jwt.signed = Some(Signed {
                alg,
                input: format!("{h}.{p}"),
                signature,
            });
        }
        Ok(jwt)
    }

    #[qjs(get, rename = "isValid")]
    pub fn is_valid(&self) -> bool {
        self.signed.is_some()
    }

    #[qjs(get)]
    pub fn header(&self) -> Value<'js> {
        self.header.clone()
    }

    #[qjs(get)]
    pub fn payload(&self) -> Value<'js> {
        self.payload.clone()
    }

    pub fn verify(&self, ctx: Ctx<'js>, key: Opt<Value<'js>>) -> Result<bool> {
        let Some(signed) = &self.signed else {
            return Ok(false);
        };
        let key = key.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        let msg = signed.input.as_bytes();
        let sig = &signed.signature[..];
        match signed.alg {
            JwtAlg::Hs(alg) => {
                let secret = key.is_string() || Class::<JsData>::from_value(&key).is_ok();
                if !secret {
                    return Err(throw(
                        &ctx,
                        "JWT.verify(): an HMAC token needs a string or Data secret",
                    ));
                }
                let mut mac = MacState::new(alg, &to_data(&ctx, &key)?.to_vec());
                mac.update(msg);
                Ok(mac.verify(sig))
            }
            JwtAlg::Rs(alg) => with_public(&ctx, &key, |k| match k {
                PublicKey::Rsa(k) => Ok(verify_rsa(k, alg, msg, sig)),
                PublicKey::P256(_) => Err("an RS token needs an RSA key"),
            }),
            JwtAlg::Es256 => with_public(&ctx, &key, |k| match k {
                PublicKey::P256(k) => Ok(verify_p256(k, msg, sig)),
                PublicKey::Rsa(_) => Err("an ES256 token needs a P-256 key"),
            }),
        }
    }
}

fn with_public<'js>(
    ctx: &Ctx<'js>,
    key: &Value<'js>,
    f: impl FnOnce(&PublicKey) -> std::result::Result<bool, &'static str>,
) -> Result<bool> {
    let r = if let Ok(k) = Class::<JsPublicKey>::from_value(key) {
        f(&k.borrow().key)
    } else if let Ok(k) = Class::<JsPrivateKey>::from_value(key) {
        f(&k.borrow().public)
    } else {
        Err("expected a crypto.PublicKey")
    };
    r.map_err(|e| throw(ctx, format!("JWT.verify(): {e}")))
}

fn verify_rsa(key: &RsaPublicKey, alg: Alg, msg: &[u8], sig: &[u8]) -> bool {
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;
    let Ok(sig) = Signature::try_from(sig) else {
        return false;
    };
    let key = key.clone();
    match alg {
        Alg::Sha384 => VerifyingKey::<Sha384>::new(key).verify(msg, &sig).is_ok(),
        Alg::Sha512 => VerifyingKey::<Sha512>::new(key).verify(msg, &sig).is_ok(),
        _ => VerifyingKey::<Sha256>::new(key).verify(msg, &sig).is_ok(),
    }
}

/// JWS carries ES256 signatures as the raw 64-byte `r || s`.
fn verify_p256(key: &p256::PublicKey, msg: &[u8], sig: &[u8]) -> bool {
    let Ok(sig) = p256::ecdsa::Signature::from_slice(sig) else {
        return false;
    };
    p256::ecdsa::VerifyingKey::from(key)
        .verify(msg, &sig)
        .is_ok()
}
