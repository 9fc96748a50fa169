//! Random shapes, broadcasting or not, against the reference.

use ndarray::IxDyn;
use ndkernel::prelude::*;
use proptest::prelude::*;

use crate::kernels::{rel_diff, rel_diff_fine, rel_diff_fine_scalar, rel_diff_scalar};
use crate::{assert_same, naive};

/// A shape of rank 0 to 4 with sizes 0 to 5, size 1 often.
fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(prop_oneof![2 => Just(1usize), 3 => 0usize..6], 0..=4)
}

/// A second shape: independent, or the first with some axes set to 1 or dropped.
fn shape_pair() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    (shape(), shape(), any::<u8>(), 0usize..=4).prop_map(|(a, other, ones, drop)| {
        if ones % 3 == 0 {
            return (a, other);
        }
        let b: Vec<_> = a
            .iter()
            .enumerate()
            .map(|(axis, &n)| if ones >> axis & 1 == 1 { 1 } else { n })
            .skip(drop.min(a.len()))
            .collect();
        (a, b)
    })
}

proptest! {
    #[test]
    fn random_shapes_match_the_reference((sa, sb) in shape_pair(), flip in any::<bool>()) {
        let mut x = ArrayD::from_shape_fn(IxDyn(&sa), |i| i.slice().iter().sum::<usize>() as f64 - 2.5);
        let y = ArrayD::from_shape_fn(IxDyn(&sb), |i| i.slice().iter().fold(1.0, |p, &k| p * 0.5 + k as f64));
        if flip && x.ndim() > 0 {
            x.invert_axis(Axis(0));
        }
        let (xv, yv) = (x.view(), y.view());
        let want = naive(&[&sa, &sb], |ix| rel_diff_scalar(xv[&*ix[0]], yv[&*ix[1]]));
        match (rel_diff(&x, &y), want) {
            (Ok(got), Some(want)) => assert_same(&got, &want, &format!("{sa:?} with {sb:?}")),
            (Err(KernelError::Broadcast { .. }), None) => {}
            (got, want) => prop_assert!(false, "{sa:?} with {sb:?}: {got:?} vs {want:?}"),
        }
        let t = x.t();
        let got = rel_diff_fine(&t, 1.0).unwrap();
        let want = naive(&[t.shape()], |ix| rel_diff_fine_scalar(t[&*ix[0]], 1.0)).unwrap();
        assert_same(&got, &want, "transposed");
    }
}
