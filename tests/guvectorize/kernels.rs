//! The kernels the tests share.

use ndkernel::prelude::*;

/// Out-parameter form, sums in order of `k`.
#[guvectorize("(n,k),(k,m)->(n,m)")]
pub(crate) fn matmul(a: ArrayView2<f64>, b: ArrayView2<f64>, mut out: ArrayViewMut2<f64>) {
    for ((i, j), o) in out.indexed_iter_mut() {
        let mut acc = 0.0;
        for k in 0..a.ncols() {
            acc += a[[i, k]] * b[[k, j]];
        }
        *o = acc;
    }
}

#[guvectorize("(i),(i)->()")]
pub(crate) fn inner1d(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    let mut acc = 0.0;
    for (x, y) in a.iter().zip(&b) {
        acc += x * y;
    }
    acc
}

#[guvectorize("(3),(3)->(3)")]
pub(crate) fn cross(a: ArrayView1<f64>, b: ArrayView1<f64>) -> Array1<f64> {
    array![
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

#[guvectorize("(n)->()")]
pub(crate) fn norm(x: ArrayView1<f64>) -> f64 {
    let mut acc = 0.0;
    for v in &x {
        acc += v * v;
    }
    acc.sqrt()
}

/// The same reduction, split into chunks of one loop index each even on tiny calls.
#[guvectorize("(n)->()", grain = 1)]
pub(crate) fn row_sum_fine(x: ArrayView1<f64>) -> f64 {
    let mut acc = 0.0;
    for v in &x {
        acc += v;
    }
    acc
}

#[guvectorize("(n)->()")]
pub(crate) fn row_sum(x: ArrayView1<f64>) -> f64 {
    let mut acc = 0.0;
    for v in &x {
        acc += v;
    }
    acc
}

#[guvectorize("(n)->(n)")]
pub(crate) fn cumsum(x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
    let mut acc = 0.0;
    for (o, v) in out.iter_mut().zip(&x) {
        acc += v;
        *o = acc;
    }
}

#[guvectorize("(n)->(n)")]
pub(crate) fn softmax(x: ArrayView1<f64>) -> Array1<f64> {
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e = x.mapv(|v| (v - max).exp());
    let mut total = 0.0;
    for v in &e {
        total += v;
    }
    e / total
}

#[guvectorize("(n)->(),()")]
pub(crate) fn min_max(x: ArrayView1<f64>) -> (f64, f64) {
    let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo, hi)
}

#[guvectorize("(n)->(),()")]
pub(crate) fn min_max_out(
    x: ArrayView1<f64>,
    mut lo: ArrayViewMut0<f64>,
    mut hi: ArrayViewMut0<f64>,
) {
    lo[()] = x.iter().copied().fold(f64::INFINITY, f64::min);
    hi[()] = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
}

#[guvectorize("(n),()->(n)")]
pub(crate) fn shift(x: ArrayView1<f64>, by: f64) -> Array1<f64> {
    x.mapv(|v| v + by)
}

/// NumPy's `euclidean_pdist`, with the size rule NumPy's `process_core_dims` applies.
#[guvectorize("(n,d)->(p)", p = "n * (n - 1) / 2")]
pub(crate) fn pdist(x: ArrayView2<f64>) -> Array1<f64> {
    let n = x.nrows();
    let mut out = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let mut acc = 0.0;
            for k in 0..x.ncols() {
                let d = x[[i, k]] - x[[j, k]];
                acc += d * d;
            }
            out.push(acc.sqrt());
        }
    }
    Array1::from(out)
}

/// `(n)->(m)` without a rule: `m` comes from the output passed in. Copies the first `m`
/// elements, padding with -1.
#[guvectorize("(n)->(m)")]
pub(crate) fn head(x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
    for (j, o) in out.iter_mut().enumerate() {
        *o = x.get(j).copied().unwrap_or(-1.0);
    }
}

/// NumPy's `matmul`: vectors on either side drop `m` or `p`.
#[guvectorize("(m?,n),(n,p?)->(m?,p?)")]
pub(crate) fn matmul_opt(a: ArrayViewD<f64>, b: ArrayViewD<f64>) -> ArrayD<f64> {
    let (m, n) = if a.ndim() == 2 {
        (Some(a.shape()[0]), a.shape()[1])
    } else {
        (None, a.shape()[0])
    };
    let p = (b.ndim() == 2).then(|| b.shape()[1]);
    let shape: Vec<usize> = m.into_iter().chain(p).collect();
    let a_at = |i: usize, k: usize| if m.is_some() { a[[i, k]] } else { a[[k]] };
    let b_at = |k: usize, j: usize| if p.is_some() { b[[k, j]] } else { b[[k]] };
    ArrayD::from_shape_fn(shape, |ix| {
        let ix = ix.slice();
        let i = if m.is_some() { ix[0] } else { 0 };
        let j = if p.is_some() { ix[ix.len() - 1] } else { 0 };
        let mut acc = 0.0;
        for k in 0..n {
            acc += a_at(i, k) * b_at(k, j);
        }
        acc
    })
}

#[guvectorize("(m?,n),(n,p?)->(m?,p?)")]
pub(crate) fn matmul_opt_out(a: ArrayViewD<f64>, b: ArrayViewD<f64>, mut out: ArrayViewMutD<f64>) {
    out.assign(&matmul_opt_core(a, b));
}

/// `n|1`: an input may give the dimension as 1; the kernel indexes every input up to the
/// output's length, so it needs the broadcast length.
#[guvectorize("(n|1),(n|1)->(n)")]
pub(crate) fn add_bcast(x: ArrayView1<f64>, y: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
    for i in 0..out.len() {
        out[i] = x[i] + y[i];
    }
}

/// Forgets to write its output.
#[guvectorize("(n)->(n)")]
pub(crate) fn forget(x: ArrayView1<f64>, out: ArrayViewMut1<f64>) {
    let _ = (x, out);
}

/// Returns one element too few.
#[guvectorize("(n)->(n)")]
pub(crate) fn too_short(x: ArrayView1<f64>) -> Array1<f64> {
    x.iter().skip(1).copied().collect()
}

#[guvectorize("(n)->()")]
pub(crate) fn total<T: Copy + std::iter::Sum<T>>(x: ArrayView1<T>) -> T {
    x.iter().copied().sum()
}

/// A generic `()` input taken as a value ...
#[guvectorize("(n),()->(n)")]
fn offset<T: Copy + std::ops::Add<Output = T>>(x: ArrayView1<T>, k: T) -> Array1<T> {
    x.mapv(|v| v + k)
}

/// ... and as a 0-d view, with an out-parameter.
#[guvectorize("(n),()->(n)")]
fn scale<T: Copy + std::ops::Mul<Output = T>>(
    x: ArrayView1<T>,
    k: ArrayView0<T>,
    mut out: ArrayViewMut1<T>,
) {
    out.zip_mut_with(&x, |o, &v| *o = v * k[()]);
}

/// An output core with a dimension no input has alone: `(n),(m)->(n,m)`.
#[guvectorize("(n),(m)->(n,m)")]
pub(crate) fn outer(a: ArrayView1<f64>, b: ArrayView1<f64>) -> Array2<f64> {
    Array2::from_shape_fn((a.len(), b.len()), |(i, j)| a[i] * b[j])
}

/// A stencil run on each plane of a stack as a gufunc (seed 002's form).
#[guvectorize("(n,m)->(n,m)")]
#[stencil(mode = "nearest")]
pub(crate) fn plane_sum(x: Rel<f64>) -> f64 {
    x[[-1, 0]] + x[[0, -1]] + x[[0, 0]] + x[[0, 1]] + x[[1, 0]]
}
