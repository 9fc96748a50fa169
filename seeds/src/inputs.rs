//! Deterministic benchmark inputs, bit-identical to the generators of `peers/peers.py`
//! (its docstring has the formula), so that ndkernel and the peers time the same data
//! without shipping it.

use ndkernel::ndarray::{Array, Array2, ArrayD, IxDyn, ShapeBuilder};

use crate::data;

/// Element `k` (C-order flat index) of stream `seed`: splitmix64's finaliser on a counter.
pub fn splitmix64(seed: u64, k: u64) -> u64 {
    let mut z = ((seed << 32).wrapping_add(k).wrapping_add(1)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn generate<T: Clone + Default, Sh: ShapeBuilder>(
    shape: Sh,
    seed: u64,
    convert: impl Fn(u64) -> T,
) -> Array<T, Sh::Dim>
where
    Sh::Dim: ndkernel::ndarray::Dimension,
{
    // Allocated as kernel outputs are (huge pages for big arrays, as NumPy's inputs have).
    let mut values = ndkernel::alloc::output(shape.into_shape_with_order().raw_dim().clone());
    for (k, value) in values.iter_mut().enumerate() {
        *value = convert(splitmix64(seed, k as u64));
    }
    values
}

/// `gen_f64(shape, seed)`: uniform in `[0, 1)` with 53 random bits.
pub fn f64s<Sh: ShapeBuilder>(shape: Sh, seed: u64) -> Array<f64, Sh::Dim> {
    generate(shape, seed, |z| {
        (z >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    })
}

/// `gen_u7(shape, seed)`: bytes in `0..128`, as seed 000's `randint(0, 127)`-style inputs.
pub fn u7s<Sh: ShapeBuilder>(shape: Sh, seed: u64) -> Array<u8, Sh::Dim> {
    generate(shape, seed, |z| (z >> 57) as u8)
}

/// `gen_i8(shape, seed)`: every int8 value equally likely.
pub fn i8s<Sh: ShapeBuilder>(shape: Sh, seed: u64) -> Array<i8, Sh::Dim> {
    generate(shape, seed, |z| (z >> 56) as u8 as i8)
}

/// `tiled_skeleton(shape)`: `data/skeletons/retina.npy` tiled and cropped to `rows x cols`.
///
/// # Panics
///
/// If `data/skeletons/retina.npy` is missing.
pub fn tiled_skeleton(rows: usize, cols: usize) -> Array2<bool> {
    let base: Array2<bool> = data::load("skeletons/retina.npy");
    let (br, bc) = base.dim();
    Array2::from_shape_fn((rows, cols), |(i, j)| base[[i % br, j % bc]])
}

/// The shipped skeleton `data/skeletons/<name>.npy` with its rank as stored.
pub fn skeleton(name: &str) -> ArrayD<bool> {
    data::load::<bool, IxDyn>(&format!("skeletons/{name}.npy"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first values of `peers.py`'s `gen_f64(3, 1)`, `gen_i8(3, 5)` and `gen_u7(3, 3)`,
    /// as numpy prints them.
    #[test]
    fn matches_the_python_generators() {
        assert_eq!(splitmix64(0, 0), 0xE220_A839_7B1D_CDAF);
        let x = f64s(3, 1);
        let bits: Vec<u64> = x.iter().map(|v| v.to_bits()).collect();
        assert_eq!(
            bits,
            [
                0x3FD1_824F_3E61_87B0,
                0x3FEC_FFF0_29C3_B334,
                0x3FE3_3DB6_7D76_9443
            ]
        );
        assert_eq!(i8s(3, 5).to_vec(), [-101, -3, -50]);
        assert_eq!(u7s(3, 3).to_vec(), [97, 87, 67]);
    }
}
