//! Small fixed-size cores, as `#[guvectorize]` kernels: row norms, cross products, 4x4
//! matrix-vector products, each in the returning and the out-parameter form.

use ndkernel::ndarray::{
    Array1, ArrayBase, ArrayD, ArrayView1, ArrayView2, ArrayViewMut0, ArrayViewMut1, IxDyn,
};
use ndkernel::prelude::*;
use ndkernel_seeds::inputs;

use super::{near, spellings};
use crate::{Bench, Check, flat};

// --- zoo_rownorm_f64 ------------------------------------------------------------------------

/// The Euclidean norm of each row, as the `ndkernel::guvectorize` docs write it.
#[guvectorize("(n)->()")]
pub fn rownorm_dot(x: ArrayView1<f64>) -> f64 {
    x.dot(&x).sqrt()
}

/// The same norm with the sum of squares as a loop, returned.
#[guvectorize("(n)->()")]
pub fn rownorm(x: ArrayView1<f64>) -> f64 {
    let mut acc = 0.0;
    for v in &x {
        acc += v * v;
    }
    acc.sqrt()
}

/// The same loop writing an output parameter, as Numba's `@guvectorize` does.
#[guvectorize("(n)->()")]
pub fn rownorm_out(x: ArrayView1<f64>, mut out: ArrayViewMut0<f64>) {
    let mut acc = 0.0;
    for v in &x {
        acc += v * v;
    }
    out[()] = acc.sqrt();
}

pub fn zoo_rownorm_f64(b: &mut Bench, shape: (usize, usize)) -> Check {
    let x = inputs::f64s(shape, 34) - 0.5;
    let want: Vec<f64> = x
        .rows()
        .into_iter()
        .map(|row| row.iter().map(|v| v * v).sum::<f64>().sqrt())
        .collect();
    let mut out = ArrayD::zeros(IxDyn(&[shape.0]));
    spellings(
        b,
        &x,
        &mut out,
        f64::NAN,
        &|what, got| near(what, &flat(got), &want, 0.0, 1e-15),
        &[
            ("(returning, x.dot(&x)) rownorm_dot_into", &|x, o| {
                rownorm_dot_into(x, o)
            }),
            ("(returning, loop) rownorm_into", &|x, o| rownorm_into(x, o)),
            ("(out-param, loop) rownorm_out_into", &|x, o| {
                rownorm_out_into(x, o)
            }),
        ],
        ("(returning, x.dot(&x)) rownorm_dot (allocates)", &|x| {
            rownorm_dot(x).map(ArrayBase::into_dyn)
        }),
    )
}

// --- zoo_cross3_f64 -------------------------------------------------------------------------

/// The cross product into an output parameter.
#[guvectorize("(3),(3)->(3)")]
pub fn cross(a: ArrayView1<f64>, b: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
    out[0] = a[1] * b[2] - a[2] * b[1];
    out[1] = a[2] * b[0] - a[0] * b[2];
    out[2] = a[0] * b[1] - a[1] * b[0];
}

/// The same product, returned as a new array.
#[guvectorize("(3),(3)->(3)")]
pub fn cross_ret(a: ArrayView1<f64>, b: ArrayView1<f64>) -> Array1<f64> {
    array![
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

pub fn zoo_cross3_f64(b: &mut Bench, n: usize) -> Check {
    let x = inputs::f64s((n, 3), 35) - 0.5;
    let y = inputs::f64s((n, 3), 36) - 0.5;
    let mut want = Vec::with_capacity(3 * n);
    for (a, c) in x.rows().into_iter().zip(y.rows()) {
        want.extend([
            a[1] * c[2] - a[2] * c[1],
            a[2] * c[0] - a[0] * c[2],
            a[0] * c[1] - a[1] * c[0],
        ]);
    }
    let mut out = ArrayD::zeros(IxDyn(&[n, 3]));
    spellings(
        b,
        &(x, y),
        &mut out,
        f64::NAN,
        &|what, got| near(what, &flat(got), &want, 0.0, 0.0),
        &[
            ("(out-param) cross_into", &|(x, y), o| cross_into(x, y, o)),
            ("(returning) cross_ret_into", &|(x, y), o| {
                cross_ret_into(x, y, o)
            }),
        ],
        ("(out-param) cross (allocates)", &|(x, y)| {
            cross(x, y).map(ArrayBase::into_dyn)
        }),
    )
}

// --- zoo_mat4vec_f32 ------------------------------------------------------------------------

/// `out = m v` with ndarray's `dot`, as the README's `matmul` writes it.
#[guvectorize("(4,4),(4)->(4)")]
pub fn mat4vec_dot(m: ArrayView2<f32>, v: ArrayView1<f32>, mut out: ArrayViewMut1<f32>) {
    out.assign(&m.dot(&v));
}

/// The same product as loops.
#[guvectorize("(4,4),(4)->(4)")]
pub fn mat4vec(m: ArrayView2<f32>, v: ArrayView1<f32>, mut out: ArrayViewMut1<f32>) {
    for r in 0..4 {
        let mut acc = 0.0;
        for k in 0..4 {
            acc += m[[r, k]] * v[k];
        }
        out[r] = acc;
    }
}

/// `m.dot(&v)`, returned.
#[guvectorize("(4,4),(4)->(4)")]
pub fn mat4vec_ret(m: ArrayView2<f32>, v: ArrayView1<f32>) -> Array1<f32> {
    m.dot(&v)
}

pub fn zoo_mat4vec_f32(b: &mut Bench, n: usize) -> Check {
    let m = (inputs::f64s((n, 4, 4), 37) - 0.5).mapv(|v| v as f32);
    let v = (inputs::f64s((n, 4), 38) - 0.5).mapv(|v| v as f32);
    let mut want = Vec::with_capacity(4 * n);
    for i in 0..n {
        for r in 0..4 {
            let mut acc = 0.0f32;
            for k in 0..4 {
                acc += m[[i, r, k]] * v[[i, k]];
            }
            want.push(acc);
        }
    }
    let mut out = ArrayD::zeros(IxDyn(&[n, 4]));
    spellings(
        b,
        &(m, v),
        &mut out,
        f32::NAN,
        // `dot` may add the four products in another order.
        &|what, got| near(what, &flat(got), &want, 1e-6, 1e-6),
        &[
            ("(out-param, dot) mat4vec_dot_into", &|(m, v), o| {
                mat4vec_dot_into(m, v, o)
            }),
            ("(out-param, loops) mat4vec_into", &|(m, v), o| {
                mat4vec_into(m, v, o)
            }),
            ("(returning, dot) mat4vec_ret_into", &|(m, v), o| {
                mat4vec_ret_into(m, v, o)
            }),
        ],
        ("(out-param, dot) mat4vec_dot (allocates)", &|(m, v)| {
            mat4vec_dot(m, v).map(ArrayBase::into_dyn)
        }),
    )
}
