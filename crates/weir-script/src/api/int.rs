//! `Int`: Pipy's fixed-width integer (8, 16, 32 or 64 bits, signed or unsigned).
//!
//! Construction, as Pipy reads its arguments:
//! `new Int('u16')` (zero of a type), `new Int('-42')` (decimal, i64), `new Int(type, x)`
//! with `x` an `Int`, a number, a decimal string or an array of bytes (little-endian),
//! `new Int(type, low, high)` (two 32-bit halves), `new Int(int)` (a copy), `new Int(n)`
//! (i64), `new Int(low, high)` (i64 from halves), `new Int([bytes])` (i32).
//! Types are `i8 i16 i32 i64 u8 u16 u32 u64`; a value that does not fit its type is taken
//! modulo 2^width, as a C++ integer conversion does.
//!
//! Fields `type`, `width`, `low`, `high`, `isUnsigned`; methods `toBytes()`, `toString()`,
//! `valueOf()` (a number, so large values lose precision there); static `Int.parse(s, base)`
//! (strtoll-like: leading white space, sign, `0x` for base 16 or 0, trailing blanks; `null`
//! when it is not a number).
//!
//! Pipy also overloads its operators for `Int` (`+ - * / % << >> >>> ~ & | ^ == < ++ --`);
//! QuickJS cannot, so weir offers the same operations as methods: `add`, `sub`, `mul`,
//! `div`, `mod`, `neg`, `inc`, `dec`, `shl`, `shr`, `ushr`, `not`, `and`, `or`, `xor`,
//! `equals`, `compare`. Mixed operands follow Pipy: a number operand is an i64, and the
//! result type is the smallest one holding both operand types (`u64` wins over everything;
//! a signed and a not narrower unsigned type give the signed type of twice the unsigned
//! width). Arithmetic wraps. Shifts keep the left operand's type and use the shift count
//! modulo 64; `shr` shifts the 64-bit two's complement value arithmetically and `ushr`
//! logically, as Pipy does.
//!
//! Bad input throws: a `TypeError` for a wrong type or a string that is not an integer, a
//! `RangeError` for division by zero, a value outside [-2^63, 2^64) or a bad radix.

use rquickjs::class::Trace;
use rquickjs::function::{Opt, Rest};
use rquickjs::{Class, Ctx, Exception, JsLifetime, Result, Value};

pub fn install(ctx: &Ctx<'_>) -> Result<()> {
    Class::<JsInt>::define(&ctx.globals())
}

// ---------------------------------------------------------------------------------------
// The integer (pure)

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntType {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
}

const TYPES: [IntType; 8] = [
    IntType::I8,
    IntType::I16,
    IntType::I32,
    IntType::I64,
    IntType::U8,
    IntType::U16,
    IntType::U32,
    IntType::U64,
];

impl IntType {
    pub fn name(self) -> &'static str {
        match self {
            IntType::I8 => "i8",
            IntType::I16 => "i16",
            IntType::I32 => "i32",
            IntType::I64 => "i64",
            IntType::U8 => "u8",
            IntType::U16 => "u16",
            IntType::U32 => "u32",
            IntType::U64 => "u64",
        }
    }

    pub fn from_name(s: &str) -> Option<IntType> {
        TYPES.into_iter().find(|t| t.name() == s)
    }

    pub fn width(self) -> u32 {
        match self {
            IntType::I8 | IntType::U8 => 8,
            IntType::I16 | IntType::U16 => 16,
            IntType::I32 | IntType::U32 => 32,
            IntType::I64 | IntType::U64 => 64,
        }
    }

    pub fn is_unsigned(self) -> bool {
        matches!(
            self,
            IntType::U8 | IntType::U16 | IntType::U32 | IntType::U64
        )
    }

    fn signed_of_width(w: u32) -> IntType {
        match w {
            8 => IntType::I8,
            16 => IntType::I16,
            32 => IntType::I32,
            _ => IntType::I64,
        }
    }

    /// The 64-bit pattern cut to this type's width and extended again: sign extension for
    /// a signed type, zero extension for an unsigned one.
    pub fn wrap(self, bits: i64) -> i64 {
        match self {
            IntType::I8 => i64::from(bits as i8),
            IntType::I16 => i64::from(bits as i16),
            IntType::I32 => i64::from(bits as i32),
            IntType::U8 => i64::from(bits as u8),
            IntType::U16 => i64::from(bits as u16),
            IntType::U32 => i64::from(bits as u32),
            IntType::I64 | IntType::U64 => bits,
        }
    }

    /// The type both operands of a binary operation are converted to.
    pub fn promote(a: IntType, b: IntType) -> IntType {
        if a == IntType::U64 || b == IntType::U64 {
            return IntType::U64;
        }
        if a.is_unsigned() == b.is_unsigned() {
            return if a.width() >= b.width() { a } else { b };
        }
        let (s, u) = if a.is_unsigned() { (b, a) } else { (a, b) };
        if u.width() < s.width() {
            s
        } else {
            IntType::signed_of_width(u.width() * 2)
        }
    }
}

/// A typed value. `bits` is always `t.wrap(bits)`: the value sign- or zero-extended to 64
/// bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Int64 {
    pub t: IntType,
    pub bits: i64,
}

impl Int64 {
    pub fn new(t: IntType, bits: i64) -> Int64 {
        Int64 {
            t,
            bits: t.wrap(bits),
        }
    }

    /// The mathematical value.
    pub fn value(self) -> i128 {
        if self.t.is_unsigned() {
            i128::from(self.bits as u64)
        } else {
            i128::from(self.bits)
        }
    }

    pub fn to_f64(self) -> f64 {
        if self.t.is_unsigned() {
            self.bits as u64 as f64
        } else {
            self.bits as f64
        }
    }

    pub fn low(self) -> f64 {
        f64::from(self.bits as u32)
    }

    pub fn high(self) -> f64 {
        if self.t.is_unsigned() {
            ((self.bits as u64) >> 32) as f64
        } else {
            (self.bits >> 32) as f64
        }
    }

    /// `width / 8` bytes, least significant first.
    pub fn to_bytes(self) -> Vec<u8> {
        let n = (self.t.width() / 8) as usize;
        self.bits.to_le_bytes()[..n].to_vec()
    }

    /// Digits in `radix` (2 to 36), lowercase, a `-` in front of a negative value.
    pub fn to_string_radix(self, radix: u32) -> String {
        let v = self.value();
        let mut m = v.unsigned_abs();
        if m == 0 {
            return "0".to_string();
        }
        let mut digits = Vec::new();
        while m > 0 {
            let d = (m % u128::from(radix)) as u32;
            digits.push(char::from_digit(d, radix).unwrap_or('?'));
            m /= u128::from(radix);
        }
        if v < 0 {
            digits.push('-');
        }
        digits.iter().rev().collect()
    }

    fn binary(self, o: Int64, f: impl Fn(i64, i64, bool) -> i64) -> Int64 {
        let t = IntType::promote(self.t, o.t);
        Int64::new(t, f(t.wrap(self.bits), t.wrap(o.bits), t.is_unsigned()))
    }

    pub fn add(self, o: Int64) -> Int64 {
        self.binary(o, |a, b, _| a.wrapping_add(b))
    }
    pub fn sub(self, o: Int64) -> Int64 {
        self.binary(o, |a, b, _| a.wrapping_sub(b))
    }
    pub fn mul(self, o: Int64) -> Int64 {
        self.binary(o, |a, b, _| a.wrapping_mul(b))
    }
    /// `None` for a zero divisor. Truncates toward zero; `i64::MIN / -1` wraps.
    pub fn div(self, o: Int64) -> Option<Int64> {
        let t = IntType::promote(self.t, o.t);
        (t.wrap(o.bits) != 0).then(|| {
            self.binary(o, |a, b, u| {
                if u {
                    ((a as u64) / (b as u64)) as i64
                } else {
                    a.wrapping_div(b)
                }
            })
        })
    }
    /// `None` for a zero divisor. The sign follows the dividend.
    pub fn rem(self, o: Int64) -> Option<Int64> {
        let t = IntType::promote(self.t, o.t);
        (t.wrap(o.bits) != 0).then(|| {
            self.binary(o, |a, b, u| {
                if u {
                    ((a as u64) % (b as u64)) as i64
                } else {
                    a.wrapping_rem(b)
                }
            })
        })
    }
    pub fn and(self, o: Int64) -> Int64 {
        self.binary(o, |a, b, _| a & b)
    }
    pub fn or(self, o: Int64) -> Int64 {
        self.binary(o, |a, b, _| a | b)
    }
    pub fn xor(self, o: Int64) -> Int64 {
        self.binary(o, |a, b, _| a ^ b)
    }

    pub fn neg(self) -> Int64 {
        Int64::new(self.t, self.bits.wrapping_neg())
    }
    pub fn inc(self) -> Int64 {
        Int64::new(self.t, self.bits.wrapping_add(1))
    }
    pub fn dec(self) -> Int64 {
        Int64::new(self.t, self.bits.wrapping_sub(1))
    }
    pub fn not(self) -> Int64 {
        Int64::new(self.t, !self.bits)
    }
    /// Shift counts are taken modulo 64.
    pub fn shl(self, n: i64) -> Int64 {
        Int64::new(self.t, self.bits.wrapping_shl((n & 63) as u32))
    }
    /// Arithmetic shift of the 64-bit value (so a `u64` with its top bit set keeps it).
    pub fn shr(self, n: i64) -> Int64 {
        Int64::new(self.t, self.bits >> (n & 63))
    }
    /// Logical shift of the 64-bit value.
    pub fn ushr(self, n: i64) -> Int64 {
        Int64::new(self.t, ((self.bits as u64) >> (n & 63)) as i64)
    }
}

/// A number as a 64-bit pattern: truncated toward zero, then modulo 2^64. Only values in
/// [-2^63, 2^64) are accepted.
pub fn bits_of_f64(n: f64) -> std::result::Result<i64, String> {
    if !n.is_finite() {
        return Err(format!("{} is not a finite number", js_num(n)));
    }
    let t = n.trunc();
    let two63 = 2f64.powi(63);
    if !(-two63..2.0 * two63).contains(&t) {
        return Err(format!("{} is out of the 64-bit range", js_num(n)));
    }
    Ok(if t < two63 { t as i64 } else { t as u64 as i64 })
}

/// Why a string is not an `Int`.
#[derive(Debug, PartialEq, Eq)]
pub enum BadDecimal {
    NotInteger(String),
    OutOfRange(String),
}

/// A decimal integer with optional sign and surrounding white space, as a 64-bit pattern;
/// only values in [-2^63, 2^64) are accepted.
pub fn bits_of_decimal(s: &str) -> std::result::Result<i64, BadDecimal> {
    let t = s.trim();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BadDecimal::NotInteger(format!(
            "'{s}' is not a decimal integer"
        )));
    }
    let out_of_range = || BadDecimal::OutOfRange(format!("'{s}' is out of the 64-bit range"));
    let m: u128 = digits.parse().map_err(|_| out_of_range())?;
    match (neg, m) {
        (false, m) if m <= u128::from(u64::MAX) => Ok(m as u64 as i64),
        (true, m) if m <= 1u128 << 63 => Ok((m as i128).wrapping_neg() as i64),
        _ => Err(out_of_range()),
    }
}

/// `Int.parse()`: like C's `strtoll` (leading white space, a sign, `0x`/`0X` in base 16 or
/// 0, base 0 also takes a leading `0` as octal, trailing spaces and tabs), but `None` when
/// there are no digits or the value does not fit an i64.
pub fn parse_radix(s: &str, base: u32) -> Option<i64> {
    let mut t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    t = t.trim_end_matches([' ', '\t']);
    let neg = t.starts_with('-');
    if neg || t.starts_with('+') {
        t = &t[1..];
    }
    let hex_prefix = (t.starts_with("0x") || t.starts_with("0X"))
        && t[2..].starts_with(|c: char| c.is_ascii_hexdigit());
    let base = match base {
        0 if hex_prefix => 16,
        0 if t.starts_with('0') => 8,
        0 => 10,
        b => b,
    };
    if base == 16 && hex_prefix {
        t = &t[2..];
    }
    if t.is_empty() || !t.chars().all(|c| c.is_digit(base)) {
        return None;
    }
    let m = u128::from_str_radix(t, base).ok()?;
    let v = if neg { -(m as i128) } else { m as i128 };
    i64::try_from(v).ok()
}

// ---------------------------------------------------------------------------------------
// JS

fn type_error(ctx: &Ctx<'_>, what: &str, msg: &str) -> rquickjs::Error {
    Exception::throw_type(ctx, &format!("{what}: {msg}"))
}

fn range_error(ctx: &Ctx<'_>, what: &str, msg: &str) -> rquickjs::Error {
    Exception::throw_range(ctx, &format!("{what}: {msg}"))
}

/// A number as JS prints it (for messages).
fn js_num(n: f64) -> String {
    if n.is_nan() {
        "NaN".to_string()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
    } else {
        n.to_string()
    }
}

fn got(v: &Value<'_>) -> String {
    if let Some(n) = v.as_number() {
        format!("number {}", js_num(n))
    } else if v.is_undefined() {
        "undefined".to_string()
    } else if v.is_null() {
        "null".to_string()
    } else {
        crate::value::type_name(v)
    }
}

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "Int")]
pub struct JsInt {
    #[qjs(skip_trace)]
    pub v: Int64,
}

impl JsInt {
    /// The value of an `Int` instance, if `v` is one.
    pub fn of(v: &Value<'_>) -> Option<Int64> {
        Class::<JsInt>::from_value(v).ok().map(|c| c.borrow().v)
    }

    /// A new `Int` value, e.g. for an API that hands out 64-bit integers.
    pub fn make<'js>(ctx: &Ctx<'js>, t: IntType, bits: i64) -> Result<Value<'js>> {
        Ok(Class::instance(
            ctx.clone(),
            JsInt {
                v: Int64::new(t, bits),
            },
        )?
        .into_value())
    }
}

/// An operand: an `Int`, or a number taken as an i64 (as Pipy does).
fn operand<'js>(ctx: &Ctx<'js>, what: &str, v: Opt<Value<'js>>) -> Result<Int64> {
    let v = v.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
    if let Some(i) = JsInt::of(&v) {
        return Ok(i);
    }
    if let Some(n) = v.as_number() {
        let bits = bits_of_f64(n).map_err(|e| range_error(ctx, what, &e))?;
        return Ok(Int64::new(IntType::I64, bits));
    }
    Err(type_error(
        ctx,
        what,
        &format!("expects an Int or a number, got {}", got(&v)),
    ))
}

/// A shift count: a number or an `Int`.
fn count<'js>(ctx: &Ctx<'js>, what: &str, v: Opt<Value<'js>>) -> Result<i64> {
    let v = v.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
    if let Some(i) = JsInt::of(&v) {
        return Ok(i.bits);
    }
    match v.as_number() {
        Some(n) if n.is_finite() => Ok(n.trunc().rem_euclid(64.0) as i64),
        _ => Err(type_error(
            ctx,
            what,
            &format!("expects a shift count, got {}", got(&v)),
        )),
    }
}

/// A 32-bit half: a number (or an `Int`) taken modulo 2^32.
fn half(ctx: &Ctx<'_>, i: usize, v: &Value<'_>) -> Result<u32> {
    if let Some(x) = JsInt::of(v) {
        return Ok(x.bits as u32);
    }
    match v.as_number().map(bits_of_f64) {
        Some(Ok(b)) => Ok(b as u32),
        Some(Err(e)) => Err(range_error(ctx, "Int", &e)),
        None => Err(type_error(
            ctx,
            "Int",
            &format!("argument #{} expects a number, got {}", i + 1, got(v)),
        )),
    }
}

/// Up to `n` bytes of an array, least significant first; each element is a number taken
/// modulo 256, missing ones are 0.
fn bytes_le(ctx: &Ctx<'_>, arr: &rquickjs::Array<'_>, n: usize) -> Result<i64> {
    let mut bits = 0u64;
    for i in 0..n.min(arr.len()) {
        let x: Value = arr.get(i)?;
        let b = match x.as_number().map(bits_of_f64) {
            Some(Ok(b)) => b as u8,
            _ => {
                return Err(type_error(
                    ctx,
                    "Int",
                    &format!("byte #{i} is not a number: {}", got(&x)),
                ))
            }
        };
        bits |= u64::from(b) << (8 * i);
    }
    Ok(bits as i64)
}

/// `new Int(type, x)`: `x` converted to `t`.
fn convert<'js>(ctx: &Ctx<'js>, t: IntType, x: &Value<'js>) -> Result<Int64> {
    if let Some(i) = JsInt::of(x) {
        return Ok(Int64::new(t, i.bits));
    }
    if let Some(n) = x.as_number() {
        let bits = bits_of_f64(n).map_err(|e| range_error(ctx, "Int", &e))?;
        return Ok(Int64::new(t, bits));
    }
    if let Some(s) = x.as_string() {
        let s = s.to_string()?;
        return decimal(ctx, t, &s);
    }
    if let Some(a) = x.as_array() {
        return Ok(Int64::new(t, bytes_le(ctx, a, (t.width() / 8) as usize)?));
    }
    Err(type_error(
        ctx,
        "Int",
        &format!(
            "argument #2 expects a number, a string or an array, got {}",
            got(x)
        ),
    ))
}

fn decimal(ctx: &Ctx<'_>, t: IntType, s: &str) -> Result<Int64> {
    match bits_of_decimal(s) {
        Ok(bits) => Ok(Int64::new(t, bits)),
        Err(BadDecimal::OutOfRange(e)) => Err(range_error(ctx, "Int", &e)),
        Err(BadDecimal::NotInteger(e)) => Err(type_error(ctx, "Int", &e)),
    }
}

fn int_type(ctx: &Ctx<'_>, s: &str) -> Result<IntType> {
    IntType::from_name(s).ok_or_else(|| {
        type_error(
            ctx,
            "Int",
            &format!("unknown type '{s}' (expected i8, i16, i32, i64, u8, u16, u32 or u64)"),
        )
    })
}

#[rquickjs::methods]
impl JsInt {
    #[qjs(constructor)]
    pub fn new<'js>(ctx: Ctx<'js>, args: Rest<Value<'js>>) -> Result<JsInt> {
        let args = args.0;
        let undefined = Value::new_undefined(ctx.clone());
        let arg = |i: usize| args.get(i).unwrap_or(&undefined);
        let v = if let Some(s) = arg(0).as_string() {
            let s = s.to_string()?;
            match args.len() {
                1 => match IntType::from_name(&s) {
                    Some(t) => Int64::new(t, 0),
                    None => decimal(&ctx, IntType::I64, &s)?,
                },
                2 => convert(&ctx, int_type(&ctx, &s)?, arg(1))?,
                _ => {
                    let t = int_type(&ctx, &s)?;
                    let (l, h) = (half(&ctx, 1, arg(1))?, half(&ctx, 2, arg(2))?);
                    Int64::new(t, ((u64::from(h) << 32) | u64::from(l)) as i64)
                }
            }
        } else if let Some(i) = JsInt::of(arg(0)) {
            i
        } else if let Some(a) = arg(0).as_array() {
            Int64::new(IntType::I32, bytes_le(&ctx, a, 4)?)
        } else if arg(0).is_number() {
            if arg(1).is_number() {
                let (l, h) = (half(&ctx, 0, arg(0))?, half(&ctx, 1, arg(1))?);
                Int64::new(IntType::I64, ((u64::from(h) << 32) | u64::from(l)) as i64)
            } else {
                convert(&ctx, IntType::I64, arg(0))?
            }
        } else {
            return Err(type_error(
                &ctx,
                "Int",
                &format!(
                    "argument #1 expects a number, a string or an array, got {}",
                    got(arg(0))
                ),
            ));
        };
        Ok(JsInt { v })
    }

    /// `Int.parse(string, base = 10)`: an i64, or `null` when `string` is not a number.
    #[qjs(static)]
    pub fn parse<'js>(
        ctx: Ctx<'js>,
        s: Opt<Value<'js>>,
        base: Opt<Value<'js>>,
    ) -> Result<Value<'js>> {
        let s = s.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        let Some(text) = s.as_string() else {
            return Err(type_error(
                &ctx,
                "Int.parse()",
                &format!("argument #1 expects a string, got {}", got(&s)),
            ));
        };
        let text = text.to_string()?;
        let base = match base.0 {
            None => 10,
            Some(b) if b.is_undefined() => 10,
            Some(b) => match b.as_number() {
                Some(n) if n == 0.0 || (n.fract() == 0.0 && (2.0..=36.0).contains(&n)) => n as u32,
                Some(n) => {
                    return Err(range_error(
                        &ctx,
                        "Int.parse()",
                        &format!("base must be 0 or from 2 to 36, got {}", js_num(n)),
                    ))
                }
                None => {
                    return Err(type_error(
                        &ctx,
                        "Int.parse()",
                        &format!("argument #2 expects a number, got {}", got(&b)),
                    ))
                }
            },
        };
        match parse_radix(&text, base) {
            Some(i) => JsInt::make(&ctx, IntType::I64, i),
            None => Ok(Value::new_null(ctx)),
        }
    }

    #[qjs(get, rename = "type")]
    pub fn type_name(&self) -> &'static str {
        self.v.t.name()
    }
    #[qjs(get)]
    pub fn width(&self) -> u32 {
        self.v.t.width()
    }
    #[qjs(get)]
    pub fn low(&self) -> f64 {
        self.v.low()
    }
    #[qjs(get)]
    pub fn high(&self) -> f64 {
        self.v.high()
    }
    #[qjs(get, rename = "isUnsigned")]
    pub fn is_unsigned(&self) -> bool {
        self.v.t.is_unsigned()
    }

    #[qjs(rename = "toBytes")]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.v.to_bytes()
    }

    /// Decimal by default; a radix from 2 to 36 is a weir addition (Pipy ignores it).
    #[qjs(rename = "toString")]
    pub fn to_string_js<'js>(&self, ctx: Ctx<'js>, radix: Opt<Value<'js>>) -> Result<String> {
        let radix = match radix.0 {
            None => 10,
            Some(r) if r.is_undefined() => 10,
            Some(r) => match r.as_number() {
                Some(n) if n.fract() == 0.0 && (2.0..=36.0).contains(&n) => n as u32,
                Some(n) => {
                    return Err(range_error(
                        &ctx,
                        "Int.toString()",
                        &format!("radix must be from 2 to 36, got {}", js_num(n)),
                    ))
                }
                None => {
                    return Err(type_error(
                        &ctx,
                        "Int.toString()",
                        &format!("radix expects a number, got {}", got(&r)),
                    ))
                }
            },
        };
        Ok(self.v.to_string_radix(radix))
    }

    #[qjs(rename = "valueOf")]
    pub fn value_of(&self) -> f64 {
        self.v.to_f64()
    }

    pub fn add<'js>(&self, ctx: Ctx<'js>, x: Opt<Value<'js>>) -> Result<JsInt> {
        let x = operand(&ctx, "Int.add()", x)?;
        Ok(JsInt { v: self.v.add(x) })
    }
    pub fn sub<'js>(&self, ctx: Ctx<'js>, x: Opt<Value<'js>>) -> Result<JsInt> {
        let x = operand(&ctx, "Int.sub()", x)?;
        Ok(JsInt { v: self.v.sub(x) })
    }
    pub fn mul<'js>(&self, ctx: Ctx<'js>, x: Opt<Value<'js>>) -> Result<JsInt> {
        let x = operand(&ctx, "Int.mul()", x)?;
        Ok(JsInt { v: self.v.mul(x) })
    }
    pub fn div<'js>(&self, ctx: Ctx<'js>, x: Opt<Value<'js>>) -> Result<JsInt> {
        let x = operand(&ctx, "Int.div()", x)?;
        match self.v.div(x) {
            Some(v) => Ok(JsInt { v }),
            None => Err(range_error(&ctx, "Int.div()", "division by zero")),
        }
    }
    #[qjs(rename = "mod")]
    pub fn rem<'js>(&self, ctx: Ctx<'js>, x: Opt<Value<'js>>) -> Result<JsInt> {
        let x = operand(&ctx, "Int.mod()", x)?;
        match self.v.rem(x) {
            Some(v) => Ok(JsInt { v }),
            None => Err(range_error(&ctx, "Int.mod()", "division by zero")),
        }
    }
    #[qjs(rename = "and")]
    pub fn bit_and<'js>(&self, ctx: Ctx<'js>, x: Opt<Value<'js>>) -> Result<JsInt> {
        let x = operand(&ctx, "Int.and()", x)?;
        Ok(JsInt { v: self.v.and(x) })
    }
    #[qjs(rename = "or")]
    pub fn bit_or<'js>(&self, ctx: Ctx<'js>, x: Opt<Value<'js>>) -> Result<JsInt> {
        let x = operand(&ctx, "Int.or()", x)?;
        Ok(JsInt { v: self.v.or(x) })
    }
    #[qjs(rename = "xor")]
    pub fn bit_xor<'js>(&self, ctx: Ctx<'js>, x: Opt<Value<'js>>) -> Result<JsInt> {
        let x = operand(&ctx, "Int.xor()", x)?;
        Ok(JsInt { v: self.v.xor(x) })
    }
    pub fn neg(&self) -> JsInt {
        JsInt { v: self.v.neg() }
    }
    pub fn inc(&self) -> JsInt {
        JsInt { v: self.v.inc() }
    }
    pub fn dec(&self) -> JsInt {
        JsInt { v: self.v.dec() }
    }
    #[qjs(rename = "not")]
    pub fn bit_not(&self) -> JsInt {
        JsInt { v: self.v.not() }
    }
    pub fn shl<'js>(&self, ctx: Ctx<'js>, n: Opt<Value<'js>>) -> Result<JsInt> {
        let n = count(&ctx, "Int.shl()", n)?;
        Ok(JsInt { v: self.v.shl(n) })
    }
    pub fn shr<'js>(&self, ctx: Ctx<'js>, n: Opt<Value<'js>>) -> Result<JsInt> {
        let n = count(&ctx, "Int.shr()", n)?;
        Ok(JsInt { v: self.v.shr(n) })
    }
    pub fn ushr<'js>(&self, ctx: Ctx<'js>, n: Opt<Value<'js>>) -> Result<JsInt> {
        let n = count(&ctx, "Int.ushr()", n)?;
        Ok(JsInt { v: self.v.ushr(n) })
    }

    /// Pipy's `==` on Ints: the same mathematical value, whatever the types.
    pub fn equals<'js>(&self, ctx: Ctx<'js>, x: Opt<Value<'js>>) -> Result<bool> {
        let x = operand(&ctx, "Int.equals()", x)?;
        Ok(self.v.value() == x.value())
    }

    /// -1, 0 or 1 as the mathematical values compare (Pipy's `<`, `<=`, `>`, `>=`).
    pub fn compare<'js>(&self, ctx: Ctx<'js>, x: Opt<Value<'js>>) -> Result<i32> {
        let x = operand(&ctx, "Int.compare()", x)?;
        Ok(self.v.value().cmp(&x.value()) as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IntType::*;

    fn i(t: IntType, bits: i64) -> Int64 {
        Int64::new(t, bits)
    }

    #[test]
    fn promotion_matches_c_rules() {
        assert_eq!(IntType::promote(I8, U8), I16);
        assert_eq!(IntType::promote(U8, I16), I16);
        assert_eq!(IntType::promote(I16, U16), I32);
        assert_eq!(IntType::promote(U16, I32), I32);
        assert_eq!(IntType::promote(I8, U32), I64);
        assert_eq!(IntType::promote(I32, U32), I64);
        assert_eq!(IntType::promote(I64, U32), I64);
        assert_eq!(IntType::promote(I64, U64), U64);
        assert_eq!(IntType::promote(I8, U64), U64);
        assert_eq!(IntType::promote(U8, U32), U32);
        assert_eq!(IntType::promote(I16, I8), I16);
        for a in TYPES {
            for b in TYPES {
                assert_eq!(IntType::promote(a, b), IntType::promote(b, a));
            }
        }
    }

    #[test]
    fn wrapping() {
        assert_eq!(i(I8, 127).inc().value(), -128);
        assert_eq!(i(U8, 0).dec().value(), 255);
        assert_eq!(
            i(I64, i64::MAX).add(i(I64, 1)).value(),
            i128::from(i64::MIN)
        );
        assert_eq!(i(U64, -1).add(i(I64, 1)).value(), 0);
        assert_eq!(i(U64, -1).value(), i128::from(u64::MAX));
        assert_eq!(i(I32, 0x7fff_ffff).mul(i(I32, 2)).value(), -2);
        assert_eq!(i(I64, i64::MIN).neg().value(), i128::from(i64::MIN));
        assert_eq!(i(U8, 1).neg().value(), 255);
        assert_eq!(i(I64, i64::MIN).div(i(I64, -1)), Some(i(I64, i64::MIN)));
        assert_eq!(i(I64, 1).div(i(U8, 0)), None);
        assert_eq!(i(I64, -7).rem(i(I64, 2)).map(|v| v.value()), Some(-1));
        assert_eq!(
            i(U64, -1).div(i(I64, 2)).map(|v| v.value()),
            Some(i128::from(i64::MAX))
        );
        assert_eq!(i(U8, 5).not().value(), 250);
        assert_eq!(i(U64, -1).shr(1).value(), i128::from(u64::MAX));
        assert_eq!(i(U64, -1).ushr(1).value(), i128::from(i64::MAX));
        assert_eq!(i(I32, -1).ushr(1).value(), -1);
        assert_eq!(i(U32, -1).shl(4).value(), 0xffff_fff0);
        assert_eq!(i(I64, 1).shl(64).value(), 1);
    }

    #[test]
    fn text() {
        assert_eq!(i(I64, i64::MIN).to_string_radix(10), "-9223372036854775808");
        assert_eq!(i(U64, -1).to_string_radix(16), "ffffffffffffffff");
        assert_eq!(i(I8, -1).to_string_radix(2), "-1");
        assert_eq!(i(I64, 0).to_string_radix(36), "0");
        assert_eq!(bits_of_decimal(" -9223372036854775808 "), Ok(i64::MIN));
        assert_eq!(bits_of_decimal("18446744073709551615"), Ok(-1));
        assert!(bits_of_decimal("18446744073709551616").is_err());
        assert!(bits_of_decimal("-9223372036854775809").is_err());
        assert!(bits_of_decimal("12abc").is_err());
        assert!(bits_of_decimal("").is_err());
        assert!(bits_of_decimal("-").is_err());
        assert_eq!(parse_radix("  ff\t", 16), Some(255));
        assert_eq!(parse_radix("0xFF", 16), Some(255));
        assert_eq!(parse_radix("0x1f", 0), Some(31));
        assert_eq!(parse_radix("017", 0), Some(15));
        assert_eq!(parse_radix("-101", 2), Some(-5));
        assert_eq!(parse_radix("9223372036854775807", 10), Some(i64::MAX));
        assert_eq!(parse_radix("9223372036854775808", 10), None);
        assert_eq!(parse_radix("-9223372036854775808", 10), Some(i64::MIN));
        assert_eq!(parse_radix("12a", 10), None);
        assert_eq!(parse_radix("", 10), None);
        assert_eq!(parse_radix("0x", 16), None);
        assert_eq!(parse_radix("z", 36), Some(35));
    }

    #[test]
    fn numbers() {
        assert_eq!(bits_of_f64(-1.9), Ok(-1));
        assert_eq!(bits_of_f64(18446744073709549568.0), Ok(-2048));
        assert!(bits_of_f64(18446744073709551616.0).is_err());
        assert_eq!(bits_of_f64(-9223372036854775808.0), Ok(i64::MIN));
        assert!(bits_of_f64(f64::NAN).is_err());
        assert!(bits_of_f64(f64::INFINITY).is_err());
        assert_eq!(i(I16, -2).high(), -1.0);
        assert_eq!(i(U64, -2).high(), 4294967295.0);
        assert_eq!(i(I16, -2).low(), 4294967294.0);
        assert_eq!(i(I16, 0x1234).to_bytes(), vec![0x34, 0x12]);
    }
}
