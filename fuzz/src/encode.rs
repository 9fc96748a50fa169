//! The inverse of `arbitrary`'s derived decoding (arbitrary 1.x), for the types of the
//! `bind` target only: it lets `examples/make_seeds.rs` write seed files that decode to
//! chosen inputs. The tests decode every encoding back and compare, so a change in
//! `arbitrary`'s format shows up as a test failure rather than as useless seeds.

/// Bytes that `Arbitrary::arbitrary` (or, for [`Encode::encode_last`],
/// `Arbitrary::arbitrary_take_rest`) decodes to `self`.
pub trait Encode {
    /// The encoding of `self` in any field but the last.
    fn encode(&self, out: &mut Vec<u8>);

    /// The encoding of `self` as the last field, which `arbitrary` decodes with
    /// `arbitrary_take_rest`.
    fn encode_last(&self, out: &mut Vec<u8>) {
        self.encode(out);
    }
}

/// Encoded bytes of a whole fuzz input (the last field of everything).
pub fn to_bytes(value: &impl Encode) -> Vec<u8> {
    let mut out = Vec::new();
    value.encode_last(&mut out);
    out
}

/// The discriminant of variant `index` of an enum with `count` variants: derive reads a
/// `u32` `x` and picks variant `(x * count) >> 32`.
pub fn variant(out: &mut Vec<u8>, index: usize, count: usize) {
    let x = ((index as u64) << 32).div_ceil(count as u64);
    out.extend_from_slice(&(x as u32).to_le_bytes());
}

impl Encode for u8 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }
}

impl Encode for u64 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl Encode for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.is_some().encode(out);
        if let Some(value) = self {
            value.encode(out);
        }
    }
}

impl<T: Encode, const N: usize> Encode for [T; N] {
    fn encode(&self, out: &mut Vec<u8>) {
        for item in self {
            item.encode(out);
        }
    }
}

/// Each element after a `true` byte, then a `false` one (which the last field may leave
/// out: the end of the data reads as `false`).
impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.encode_last(out);
        false.encode(out);
    }

    fn encode_last(&self, out: &mut Vec<u8>) {
        for item in self {
            true.encode(out);
            item.encode(out);
        }
    }
}

/// Only as the last field, where `arbitrary` takes the rest of the data as the string.
impl Encode for String {
    fn encode(&self, _: &mut Vec<u8>) {
        unimplemented!("strings are only encoded as the last field")
    }

    fn encode_last(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
}
