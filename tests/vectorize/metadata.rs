//! The generated metadata constants, and const generic kernels.

use ndkernel::prelude::*;

use crate::kernels::{
    add_i16, add_u8, branchy, divmod, exact_ops, fused, horner, is_pos, rel_diff, scale, sum_diff,
    wrapping_add_i16,
};

#[test]
fn metadata_constants_describe_the_kernel() {
    assert_eq!(
        (rel_diff::INPUTS, rel_diff::OUTPUTS, rel_diff::SIGNATURE),
        (2, 1, "(),()->()")
    );
    assert_eq!(
        (branchy::band::INPUTS, branchy::band::SIGNATURE),
        (3, "(),(),()->()")
    );
    assert_eq!((divmod::OUTPUTS, divmod::SIGNATURE), (2, "(),()->(),()"));
    assert_eq!((is_pos::INPUTS, is_pos::SIGNATURE), (1, "()->()"));
    // On lanes: one SIMD element type throughout and a supported body.
    let simd = [
        rel_diff::SIMD,
        add_u8::SIMD,
        add_i16::SIMD,
        branchy::band::SIMD,
        exact_ops::SIMD,
        fused::SIMD,
        sum_diff::SIMD,
        horner::SIMD,
    ];
    assert_eq!(simd, [true; 8]);
    // On `Lanes`, each operation the scalar one: generic, mixed types, `bool` output,
    // methods `wide` lacks.
    let arrays = [
        branchy::clip::SIMD,
        scale::SIMD,
        is_pos::SIMD,
        wrapping_add_i16::SIMD,
    ];
    assert_eq!(arrays, [true; 4]);
    // Scalar: several outputs of a body outside `wide`'s subset (integer division).
    const { assert!(!divmod::SIMD) };
}

/// A const generic parameter carries through to the generated functions.
#[vectorize]
fn scale_by<const K: i32>(x: f64) -> f64 {
    x * f64::from(K)
}

#[test]
fn const_generic_kernels() {
    let x = Array1::from(vec![1.0, -2.0, 0.5]);
    assert_eq!(
        scale_by::<3, _>(&x).unwrap(),
        Array1::from(vec![3.0, -6.0, 1.5])
    );
}
