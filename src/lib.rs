//! ndkernel: per-element rules over n-dimensional arrays, run at hardware speed.
//!
//! Write what happens to one element; the attribute writes the loops, the broadcasting,
//! the border cases, the SIMD lanes and the threads. Three attributes, after Numba's:
//!
//! | attribute | the rule is | like |
//! |---|---|---|
//! | [`macro@vectorize`] | a scalar function, applied elementwise with NumPy broadcasting | `@numba.vectorize`, a NumPy ufunc |
//! | [`macro@guvectorize`] | a function over core dimensions, `"(n,k),(k,m)->(n,m)"` | `@numba.guvectorize`, a NumPy gufunc |
//! | [`macro@stencil`] | a function of an element's neighbours, read by relative index | `@numba.stencil`, `scipy.ndimage` |
//!
//! Add it to `Cargo.toml` from a clone of this repository (it is not on crates.io):
//!
//! ```toml
//! [dependencies]
//! ndkernel = { path = "../ndkernel" }   # or { git = "<this repository's URL>" }
//! ```
//!
//! `use ndkernel::prelude::*` brings the attributes, [`KernelError`], [`stencil::Rel`] and
//! ndarray's prelude. Every generated function that takes arrays returns
//! `Result<_, KernelError>`: shapes that do not fit are an error naming the operand, the
//! axis or core dimension and both sizes, never a panic.
//!
//! # `#[vectorize]`: elementwise kernels
//!
//! ```
//! use ndkernel::prelude::*;
//!
//! #[vectorize]
//! fn rel_diff(x: f64, y: f64) -> f64 {
//!     2.0 * (x - y) / (x + y)
//! }
//!
//! let a = array![[1.0], [2.0], [3.0]];          // (3, 1)
//! let b = array![1.0, 2.0, 4.0, 8.0];            // (4,)
//! let z = rel_diff(&a, &b)?;                     // (3, 4), NumPy broadcasting
//! assert_eq!(z.shape(), &[3, 4]);
//! assert_eq!(z[[1, 2]], rel_diff_scalar(2.0, 4.0));
//! let w = rel_diff(&a, 2.0)?;                    // scalars broadcast too
//! assert_eq!(w[[0, 0]], -2.0 / 3.0);
//! # Ok::<(), KernelError>(())
//! ```
//!
//! # `#[guvectorize]`: kernels over core dimensions
//!
//! ```
//! use ndkernel::prelude::*;
//!
//! #[guvectorize("(n)->()")]
//! fn norm(x: ArrayView1<f64>) -> f64 {
//!     let mut acc = 0.0;
//!     for v in &x {
//!         acc += v * v;
//!     }
//!     acc.sqrt()
//! }
//!
//! let rows = array![[3.0, 4.0], [6.0, 8.0], [0.0, 1.0]];
//! assert_eq!(norm(&rows)?, array![5.0, 10.0, 1.0]); // one norm per row, in parallel
//! # Ok::<(), KernelError>(())
//! ```
//!
//! # `#[stencil]`: neighbourhood kernels
//!
//! ```
//! use ndkernel::prelude::*;
//!
//! #[stencil(mode = "nearest")]
//! fn smooth(x: Rel<f32>) -> f32 {
//!     (x[[-1, 0]] + x[[1, 0]] + x[[0, -1]] + x[[0, 1]]) * 0.25
//! }
//!
//! let image = Array2::<f32>::ones((480, 640));
//! let y = smooth(&image)?;                   // same shape; borders by `mode`
//! assert_eq!(y[[0, 0]], 1.0);
//!
//! // A shape that does not fit is an error, not a panic.
//! let mut wrong = Array2::<f32>::zeros((480, 639));
//! let error = smooth_into(&image, &mut wrong).unwrap_err();
//! assert!(error.to_string().contains("out"), "{error}");
//! # Ok::<(), KernelError>(())
//! ```
//!
//! Each attribute's page lists what it generates, its arguments, what runs on SIMD lanes
//! and its errors. The modules re-exported here are the runtime every generated kernel
//! calls; most users need only the attributes and [`KernelError`].
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

/// Turns a scalar function into an elementwise kernel over arrays, like Numba's
/// `@vectorize`.
///
/// ```
/// use ndkernel::prelude::*;
///
/// #[vectorize]
/// fn clip<T: PartialOrd + Copy>(x: T, lo: T, hi: T) -> T {
///     if x < lo { lo } else if x > hi { hi } else { x }
/// }
///
/// let x = array![-2, 0, 5, 9];
/// assert_eq!(clip(&x, 0, 6)?, array![0, 0, 5, 6]);
/// # Ok::<(), KernelError>(())
/// ```
///
/// # What is generated
///
/// For `#[vectorize] fn name(x: X, y: Y) -> R`:
///
/// | item | what it does |
/// |---|---|
/// | `name(x, y) -> Result<Array<R, D>, KernelError>` | broadcasts the operands NumPy-style and returns a new array; `D` is static when every operand's rank is (`Ix2` with `Ix1` gives `Ix2`), `IxDyn` otherwise |
/// | `name_into(x, y, &mut out) -> Result<(), KernelError>` | writes into an existing array, whose shape must equal the broadcast shape exactly |
/// | `name_scalar(x, y) -> R` | the function as written |
/// | `mod name { INPUTS, OUTPUTS, SIGNATURE, SIMD }` | metadata constants |
/// | `name_reduce(&a, axis)`, `name_reduce_all(&a)` | with `identity = ..`: NumPy's `ufunc.reduce` (see [`reduce`](kernel_runtime::reduce) for the order of combination) |
///
/// Each operand may be an owned array, a view, a reference to either, of any rank, or a
/// plain scalar. A tuple return type gives several outputs: `name` returns a tuple of
/// arrays and `name_into` takes one `&mut` array per output. `name` lays its outputs out
/// in memory as the first input of the full shape (NumPy's `order='K'`; C order if every
/// input is broadcast), so that F-ordered and transposed inputs are walked at unit stride.
///
/// # Arguments
///
/// - `identity = expr`: for binary kernels `fn(T, T) -> T`, generate reductions.
/// - `parallel = false`: never use more than the calling thread.
/// - `grain = n`: the least number of elements worth a thread (default
///   [`dispatch::DEFAULT_GRAIN`]).
/// - `simd = "require"`: a body that cannot run on SIMD lanes is a compile error at the
///   expression responsible.
/// - `crate = "path"`: where `ndkernel` is, for crates that re-export it.
///
/// # SIMD lanes
///
/// When every parameter and output has one type among `f32`, `f64`, `i8`…`i64` and
/// `u8`…`u64`, and the body uses only arithmetic (`+ - *`, and `/` for floats; `& | ^` for
/// integers), comparisons and `&&`/`||`/`!` in `if` conditions, `if`/`else` (both branches
/// are evaluated and blended), `let` bindings and compound assignment, literals, constants,
/// and the methods `abs sqrt min max clamp floor ceil trunc copysign mul_add`, `powi` with a
/// literal exponent (exact: multiplied in the order the scalar `powi` multiplies) or `exp
/// exp2 exp_m1 ln ln_1p log2 log10 powf sin cos tan asin acos atan atan2 sinh cosh tanh
/// cbrt` (approximate), then every element runs on 256-bit `wide` lanes: whole vectors from
/// contiguous rows, and the row's tail and strided rows gathered into a vector and
/// scattered back.
///
/// A single-output body outside that subset — generic element types, mixed types, casts,
/// `bool` results, loops, `match`, other methods — runs on [`lanes::Lanes`] as `#[stencil]`
/// bodies do (see its "SIMD lanes" section): every operation is the scalar one, lane by
/// lane, so results equal `name_scalar` exactly. Only a body that calls a function of its
/// own, uses a macro or `return`, or has several outputs outside the `wide` subset runs
/// the scalar function element by element; `name::SIMD` tells which, and
/// `simd = "require"` turns that case into a compile error naming the expression.
///
/// Lanes agree with the scalar function bit for bit for `+ - * /`, comparisons, selects,
/// `abs`, `sqrt`, `min`, `max`, `floor`, `ceil` and `trunc`. `mul_add` is fused on lanes only
/// when the build enables FMA. `exp` is ndkernel's own branch-free port of fdlibm's
/// (`ndkernel::lanes::exp`: the same bits in every build, 1.4–1.7x faster than `wide`'s);
/// the other approximate functions are `wide`'s polynomial implementations.
/// `tests/vectorize/approximate.rs` measures their distance from `core`'s on sweeps
/// of their usual domains and holds them to these bounds (f64 / f32, in ULP): `exp` 1/1,
/// `ln` 1/1, `cos` 2/2, `sin` 1/4, `tanh` 4/4, `powf` 47/47 (worst for results near
/// 1e20).
///
/// Since every element of a lane kernel is computed on lanes, its value never depends on
/// its position in the array. Where lanes cannot follow Rust's scalar semantics, the array
/// forms (`name`, `name_into`, reductions) follow the lanes' rule and `name_scalar` stays
/// the function as written: integer arithmetic wraps in every build (the scalar function
/// panics on overflow in a debug build); `min`/`max` of two zeros of opposite sign return
/// the second operand (Rust may return either); `clamp` never panics: with `lo > hi` float
/// lanes give `lo` and integer lanes `hi`, and a NaN bound gives NaN. A kernel with
/// `name::SIMD == false` runs `name_scalar` on every element.
///
/// # Errors
///
/// Misuse is a compile error on the offending tokens: a parameter that is not a scalar
/// type, `self`, a missing return type, an unknown argument, `identity` on a kernel that
/// is not binary.
pub use kernel_macros::vectorize;

/// Turns a function over core dimensions into a generalized ufunc, like Numba's
/// `@guvectorize`, without dtype lists: types come from the function.
///
/// ```
/// use ndkernel::prelude::*;
///
/// // Out-parameter form, as in Numba.
/// #[guvectorize("(n,k),(k,m)->(n,m)")]
/// fn matmul(a: ArrayView2<f64>, b: ArrayView2<f64>, mut out: ArrayViewMut2<f64>) {
///     out.assign(&a.dot(&b));
/// }
///
/// // Returning form: `()` operands are plain scalars.
/// #[guvectorize("(n),()->(n)")]
/// fn shift(x: ArrayView1<f32>, by: f32) -> Array1<f32> {
///     x.mapv(|v| v + by)
/// }
///
/// #[guvectorize("(n)->()")]
/// fn norm(x: ArrayView1<f64>) -> f64 {
///     x.dot(&x).sqrt()
/// }
///
/// let a = Array4::<f64>::ones((2, 1, 3, 4));
/// let b = Array3::<f64>::ones((5, 4, 2));
/// let c = matmul(&a, &b)?;                       // loop dims (2, 1) and (5,) broadcast
/// assert_eq!(c.shape(), &[2, 5, 3, 2]);
/// assert_eq!(c[[1, 4, 2, 1]], 4.0);
///
/// let mut c2 = Array4::<f64>::zeros((2, 5, 3, 2));
/// matmul_into(&a, &b, &mut c2)?;
/// assert_eq!(c, c2);
///
/// assert_eq!(shift(&array![1.0f32, 2.0], 0.5)?, array![1.5f32, 2.5]);
/// assert_eq!(norm(&array![[3.0, 4.0], [6.0, 8.0]])?, array![5.0, 10.0]);
///
/// // Inputs of dynamic rank give outputs of dynamic rank.
/// let rows = ArrayD::<f64>::ones(vec![2, 3, 4]);
/// assert_eq!(norm(&rows)?, ArrayD::from_elem(vec![2, 3], 2.0));
///
/// let error = matmul(&a, &Array2::<f64>::ones((3, 2))).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "input 1 (`b`) has size 3 on axis 0 for core dimension `k`, expected 4 as bound by \
///      input 0 (`a`) (signature \"(n,k),(k,m)->(n,m)\")"
/// );
/// # Ok::<(), KernelError>(())
/// ```
///
/// # What is generated
///
/// For `#[guvectorize("…")] fn name(…)`:
///
/// The output's rank `D` is the inputs' broadcast loop rank plus the output's core rank,
/// static when every input's rank is (an `Array1` from a `(n)->()` kernel over a matrix)
/// and `IxDyn` when any input's is dynamic or the signature has optional dimensions.
///
/// | item | what it does |
/// |---|---|
/// | `name(inputs…) -> Result<Array<T, D>, KernelError>` | binds core dimensions, broadcasts loop dimensions, allocates the outputs (zeroed: an element the kernel forgets is 0, never uninitialised) and runs the kernel once per loop index in parallel; several outputs come back as a tuple |
/// | `name_into(inputs…, &mut out…) -> Result<(), KernelError>` | the same into existing outputs of exactly the loop shape followed by their core shapes (output-only dimensions take their size from these); the kernel sees each output's current values, so it may update them in place |
/// | `name_core(…)` | the function as written |
/// | `mod name { INPUTS, OUTPUTS, SIGNATURE, DIMS, SIMD, signature() }` | metadata |
///
/// Parameters are `ArrayViewN<T>` / `ArrayViewD<T>` for inputs with core dimensions (a
/// dynamic rank is needed where the core shape has optional dimensions `n?`), a scalar
/// type for `()` inputs, and either `ArrayViewMutN<T>` output parameters after the inputs
/// or a return value (`ArrayN<T>`, `ArrayD<T>`, a scalar for `()`, or a tuple of them). A
/// returned array is allocated at every loop index, except a single `Array1` built by
/// `array![a, b, c]` as the body's last expression (with no `return` before): the engine
/// runs that body with a plain `[a, b, c]` instead, as fast as the out-parameter form
/// (`name_core` stays the function as written). Inputs accept arrays, views, references and scalars of any rank.
///
/// # Arguments
///
/// - the signature, first: NumPy's grammar with fixed sizes `(3)`, optional `n?` and
///   broadcastable `n|1` dimensions (see [`signature`]).
/// - `p = "n * n.saturating_sub(1) / 2"`: the size of an output-only dimension from the
///   input dimensions, as a Rust expression over their names (it runs in debug builds
///   too, so keep it free of overflow for empty inputs).
/// - `parallel = false`, `grain = n`, `crate = "path"`: as for [`vectorize`].
/// - `simd = "require"`: a body that cannot run on SIMD lanes (below) is a compile error at
///   the expression that keeps it off them.
///
/// # SIMD lanes
///
/// With small cores (a few to a few hundred elements, as in row norms, 3-vectors and 4x4
/// matrices), calling the body once per loop index costs more than the body. So when the
/// body is in the lane subset of [`stencil`](macro@stencil) (arithmetic, comparisons, `if`/`match` as
/// selects, loops whose trip count does not depend on the values, casts, the float
/// methods listed there), it runs on `L` consecutive loop indices at once: each core view
/// becomes a view whose elements are [`lanes::Lanes`] of one value per loop index, each
/// `()` input a lane vector. On lanes a core view is
///
/// - read by index, `x[i]` or `m[[i, j]]`, with indices that do not depend on the values;
/// - iterated, `for v in &x`, `for &v in x.iter()`, `for (a, b) in x.iter().zip(&y)`;
/// - for `f32` or `f64` inputs, multiplied as `x.dot(&y)` (two vectors) or into an output as
///   `out.assign(&m.dot(&v))` (a matrix and a vector), adding in ndarray's own order
///   (eight partial sums for contiguous vectors and rows), so the lanes give the bits of
///   ndarray's `dot` (built without its `blas` feature, which hands long vectors to BLAS);
/// - asked its shape: `len`, `len_of`, `dim`, `shape`, `raw_dim`, `ndim`, `nrows`, `ncols`,
///   `is_empty`;
/// - for an output parameter, written by index, `out[i] = value`, outside conditions on
///   the values (write the value the condition chooses instead).
///
/// A returned `()` value runs on lanes too, and so does a returned `Array1` whose value is
/// `array![…]` of its elements (below); any other returned array is built at each loop
/// index, so write it through an `ArrayViewMut` parameter instead. Every lane is bit for bit
/// what the body gives at its loop index, and an index out of a core's bounds panics as in
/// the body. The cores of the `L` loop indices are staged side by side in an L1-sized
/// buffer on the stack (no allocation); an output element is read from the output only
/// if the body reads it, and only elements the body read or wrote go back, so an element
/// the body does not write keeps its value. Cores too large to stage (over
/// `LANE_CORES_BYTES` for the `L` indices) run one loop index at a time, as do the loop
/// indices left at the end of a run. `name::SIMD` says whether the body runs on lanes.
///
/// ```
/// use ndkernel::prelude::*;
///
/// #[guvectorize("(n)->()")]
/// fn norm(x: ArrayView1<f64>) -> f64 {
///     let mut acc = 0.0;
///     for v in &x {
///         acc += v * v;
///     }
///     acc.sqrt()
/// }
///
/// #[guvectorize("(3),(3)->(3)", simd = "require")]
/// fn cross(a: ArrayView1<f64>, b: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
///     out[0] = a[1] * b[2] - a[2] * b[1];
///     out[1] = a[2] * b[0] - a[0] * b[2];
///     out[2] = a[0] * b[1] - a[1] * b[0];
/// }
///
/// const { assert!(norm::SIMD && cross::SIMD) };
/// assert_eq!(norm(&array![[3.0, 4.0], [6.0, 8.0]])?, array![5.0, 10.0]);
/// let z = cross(&array![[1.0, 0.0, 0.0]], &array![[0.0, 1.0, 0.0]])?;
/// assert_eq!(z, array![[0.0, 0.0, 1.0]]);
/// # Ok::<(), KernelError>(())
/// ```
///
/// # Errors
///
/// A signature that does not parse, or that disagrees with the function (operand counts,
/// a view's rank against its core dimensions, a view where `()` needs a scalar), is a
/// compile error pointing at the literal or the parameter.
pub use kernel_macros::guvectorize;

/// Turns a rule for one element, reading neighbours by relative index, into a kernel over
/// whole arrays, like Numba's `@stencil`.
///
/// ```
/// use ndkernel::prelude::*;
///
/// #[stencil]                                   // Numba's default: the border is 0
/// fn smooth(x: Rel<i8>) -> i8 {
///     let s = x[[-1, -1]] as i16 + x[[-1, 0]] as i16 + x[[-1, 1]] as i16
///           + x[[ 0, -1]] as i16 + x[[ 0, 0]] as i16 + x[[ 0, 1]] as i16
///           + x[[ 1, -1]] as i16 + x[[ 1, 0]] as i16 + x[[ 1, 1]] as i16;
///     (s / 9) as i8
/// }
///
/// #[stencil(mode = "reflect")]                 // scipy.ndimage's modes
/// fn laplace(u: Rel<f64>, k: f64) -> f64 {
///     k * (u[[-1, 0]] + u[[1, 0]] + u[[0, -1]] + u[[0, 1]] - 4.0 * u[[0, 0]])
/// }
///
/// #[stencil(mode = "nearest")]                 // several inputs: read at the same place
/// fn diffuse(u: Rel<f64>, c: Rel<f64>) -> f64 {
///     u[[0, 0]] + c[[0, 0]] * (u[[-1, 0]] + u[[1, 0]] - 2.0 * u[[0, 0]])
/// }
///
/// #[stencil(neighborhood = [(-3, 3)])]         // computed offsets need a declared reach
/// fn moving_mean(x: Rel<f32>) -> f32 {
///     let mut acc = 0.0;
///     for k in -3..=3 {
///         acc += x[k];
///     }
///     acc / 7.0
/// }
///
/// let image = Array2::<i8>::from_elem((5, 6), 9);
/// let y = smooth(&image)?;
/// assert_eq!((y[[0, 0]], y[[2, 3]]), (0, 9));  // border skipped, interior averaged
///
/// let stack = Array3::<i8>::from_elem((4, 5, 6), 9);
/// assert_eq!(smooth(&stack)?.shape(), &[4, 5, 6]); // leading axes are a stack
///
/// let u = Array2::from_shape_fn((4, 4), |(i, j)| (i * i + j) as f64);
/// assert_eq!(laplace(&u, 1.0)?[[1, 1]], 2.0);
/// assert_eq!(diffuse(&u, &Array2::from_elem((4, 4), 0.5))?[[1, 1]], 3.0);
/// assert!(diffuse(&u, &Array2::<f64>::zeros((4, 5))).is_err()); // inputs share one shape
/// assert_eq!(moving_mean(&Array1::<f32>::ones(10))?[5], 1.0);
/// assert_eq!(smooth::NEIGHBORHOOD.lo, [-1, -1]);
/// # Ok::<(), KernelError>(())
/// ```
///
/// Seed 002's wish — a gufunc stacked on a stencil, returning its output — works as
/// written:
///
/// ```
/// use ndkernel::prelude::*;
///
/// #[guvectorize("(n,m)->(n,m)")]
/// #[stencil]
/// fn smooth(x: Rel<i8>) -> i8 {
///     let s = x[[-1, -1]] as i16 + x[[-1, 0]] as i16 + x[[-1, 1]] as i16
///           + x[[ 0, -1]] as i16 + x[[ 0, 0]] as i16 + x[[ 0, 1]] as i16
///           + x[[ 1, -1]] as i16 + x[[ 1, 0]] as i16 + x[[ 1, 1]] as i16;
///     (s / 9) as i8
/// }
///
/// let stack = Array3::<i8>::from_elem((3, 5, 6), 9);
/// let y = smooth(&stack)?;                       // one plane per loop index, in parallel
/// assert_eq!((y.shape(), y[[1, 0, 0]], y[[2, 2, 3]]), (&[3, 5, 6][..], 0, 9));
/// # Ok::<(), KernelError>(())
/// ```
///
/// # What is generated
///
/// For `#[stencil] fn name(x: Rel<T>, k: K, table: ArrayView1<U>) -> O`:
///
/// | item | what it does |
/// |---|---|
/// | `name(x, k, table) -> Result<Array<O, D>, KernelError>` | evaluates the rule at every position of `x`'s last `RANK` axes; leading axes are a stack; `x` is any array, view or reference, of any layout; the output has the first input's memory order |
/// | `name_into(x, k, table, &mut out) -> Result<(), KernelError>` | the same into an existing array of the output shape |
/// | `name_core(x, k, table) -> O` | the rule as written, generic over how `x` reads |
/// | `mod name { RANK, NEIGHBORHOOD, MODES, SIMD, LINEAR, FOLD }` | metadata |
/// | `name_weights(k) -> Option<Weights<S, RANK, F>>`, `name_evaluation(k) -> Evaluation` | for a [linear](#linear-stencils) body or a [maximum or minimum](#window-maxima-and-minima) of taps only (`FOLD` is `Some`): its weights (`F` is `Sum`, `Max` or `Min`) for these plain-value parameters, and how it will run |
///
/// A kernel reads one to six `Rel` inputs, in any order among the other parameters; they
/// must share one shape (a `KernelError` names the two that differ, the axis and both
/// sizes; they never broadcast), each may have its own element type and layout, and a
/// `constant` axis pads each with `cval` converted to its element type.
///
/// The rank is the number of indices of each read, `x[[di, dj]]`; one-dimensional stencils
/// may write `x[k]`, and stencils of rank 2 and more may read through an index array,
/// `x[d]` with `d: [isize; N]` (from a table of offsets, or built in a loop; its reach is
/// declared with `neighborhood`). The neighbourhood spans every offset read from any input (literals,
/// negated literals and `const` items of the enclosing module), always including 0; a kernel that computes
/// offsets declares it with `neighborhood`, and a computed offset outside it panics naming
/// the offset and the neighbourhood, never reading out of bounds. Plain-value parameters
/// and `ArrayView` parameters (Numba's `standard_indexing`) are passed through unchanged.
///
/// # Arguments
///
/// - `mode = "skip"` (default), `"constant"`, `"nearest"`, `"reflect"`, `"mirror"`,
///   `"wrap"` or `"valid"`, or one per axis: `mode = ["reflect", "wrap"]`. See [`boundary`]
///   for the exact index mapping of each.
/// - `cval = expr`: what `skip` writes at the border (typed as the output) and what
///   `constant` reads outside each input (typed as that input's element; default 0).
/// - `neighborhood = [(lo, hi), ..]`: the reach per axis. Bounds are integer literals, or
///   `isize` expressions of the kernel's parameters, set at each call (seed 004's box width:
///   `#[stencil(mode = "valid", neighborhood = [(0, w), (0, w)])] fn corner_sum(x: Rel<f64>,
///   w: isize)`); such a kernel's module has no `NEIGHBORHOOD` constant.
/// - `simd = "require"`: a body that cannot run on SIMD lanes (below) is a compile error
///   at the expression responsible, with the reason.
/// - `reassociate = true`: a [linear](#linear-stencils) body over floats may be summed in
///   another order than written, within a documented bound.
/// - `parallel = false`, `grain = n`, `crate = "path"`: as for [`vectorize`].
///
/// # Execution
///
/// Output rows (and the planes of a stack) are split over rayon's threads. In the
/// interior, each read is one load at a constant offset from the centre; the border goes
/// through the boundary modes. Results do not depend on the number of threads.
///
/// # SIMD lanes
///
/// The macro separates what a body computes from the position (reads, and everything
/// computed from them or assigned under a condition on them) from what is the same at
/// every position (parameters, constants, loop counters, offsets), and evaluates the body
/// at up to 32 consecutive positions of a row at once: each position-dependent value is a
/// [`lanes::Lanes`] of one value per position, and each operation on it is the scalar
/// operation applied lane by lane, which the compiler turns into vector instructions. A
/// lane is therefore bit for bit what the body as written gives at its position: no
/// reassociation, no fused operations the body did not write, the same panics in debug
/// builds. `name::SIMD` says whether a kernel runs this way. On lanes:
///
/// - arithmetic, bit and shift operators, comparisons, `as` casts and `T::from` between
///   number types, `let` (with or without types), tuples, local arrays, `const` tables;
/// - `&&`, `||`, `!`, `if`/`else` and `match` on position-dependent values (literal, range
///   and `|` patterns, a binding as the last arm): both sides are evaluated and blended,
///   and an assignment under such a condition (to a number, a tuple or an array) keeps the
///   old value where it is false. The side not taken costs time but never a panic the
///   scalar body would not raise: integer `+ - *` and negation under such a condition wrap
///   in every build (so a debug build does not panic on an overflow there, taken or not),
///   and a body that divides by a position-dependent integer, shifts by a
///   position-dependent amount or `clamp`s with position-dependent bounds under such a
///   condition keeps the scalar body (float division and division by a non-zero literal
///   stay on lanes);
/// - `for` and `while` loops, `break` and `continue`, whose bounds and conditions do not
///   depend on the position (literals, parameters, the declared neighbourhood): each
///   iteration runs on lanes;
/// - the methods `abs signum min max clamp sqrt floor ceil round trunc fract recip mul_add
///   powi powf exp exp2 exp_m1 ln ln_1p log2 log10 sin cos tan asin acos atan atan2 sinh
///   cosh tanh asinh acosh atanh cbrt hypot copysign to_degrees to_radians` and `pow
///   wrapping_add wrapping_sub wrapping_mul wrapping_neg saturating_add saturating_sub
///   saturating_mul`
///   for integers (transcendental ones call the scalar function per lane: exact, not
///   faster);
/// - `v.sort_unstable()` and `v.sort()` of a local array of integers bound once by `let`
///   to `[a, b, ..]` or `[a; n]` (a median or rank filter; a sort of a slice, of a row of
///   an array of arrays or of an array of tuples keeps the scalar body): a sorting network of lane-wise `min` and `max`, unrolled up to
///   [`lanes::MAX_NETWORK`] elements, whose exchanges the body does not read from are
///   dropped (a median of nine reads one element). Integers equal as values are equal as
///   bits, so the array is the one any sort gives. Larger arrays sort each lane with the
///   standard library's sort.
///
/// A body that calls a function of its own with a position-dependent argument, uses a
/// macro, `return`, a closure, a loop bound or offset that depends on the position, a
/// method of a generic element type, a `let` of a position-dependent name without a value,
/// or reads or returns elements that are not numbers or `bool` (structs, arrays), runs the
/// scalar body at each position instead. Statements that do not depend on the position run
/// once per lane vector, not once per position.
///
/// # Linear stencils
///
/// A body that is a weighted sum of one input's reads followed by anything on the sum
/// (the *epilogue*) is recognised as linear (`name::LINEAR`), in either spelling:
///
/// ```
/// use ndkernel::prelude::*;
/// use ndkernel::stencil::linear::Evaluation;
///
/// // Written out, with widening casts (`as i16` or `i16::from`) and an epilogue.
/// #[stencil(mode = "nearest")]
/// fn mean5(x: Rel<u8>) -> u8 {
///     ((x[[-2, 0]] as u16 + x[[-1, 0]] as u16 + x[[0, 0]] as u16 + x[[1, 0]] as u16
///         + x[[2, 0]] as u16) / 5) as u8
/// }
///
/// // An accumulator from zero, `+=` in loops over the neighbourhood, weights from a table,
/// // a `const` or a parameter.
/// const BINOMIAL: [f32; 5] = [1.0, 4.0, 6.0, 4.0, 1.0];
///
/// #[stencil(mode = "reflect", neighborhood = [(-2, 2), (-2, 2)], reassociate = true)]
/// fn blur5(x: Rel<f32>) -> f32 {
///     let mut acc = 0.0;
///     for i in -2..=2 {
///         for j in -2..=2 {
///             acc += BINOMIAL[(i + 2) as usize] * BINOMIAL[(j + 2) as usize] * x[[i, j]];
///         }
///     }
///     acc / 256.0
/// }
///
/// #[stencil(mode = "reflect", neighborhood = [(-r, r), (-r, r)])]
/// fn box_mean(x: Rel<u8>, r: isize) -> u8 {
///     let mut acc = 0u32;
///     for i in -r..=r {
///         for j in -r..=r {
///             acc += x[[i, j]] as u32;
///         }
///     }
///     (acc / ((2 * r + 1) * (2 * r + 1)) as u32) as u8
/// }
///
/// assert!(mean5::LINEAR && blur5::LINEAR && box_mean::LINEAR);
/// assert_eq!(blur5_evaluation(), Evaluation::Separable);
/// assert_eq!(box_mean_evaluation(15), Evaluation::RunningSums);
/// assert_eq!(box_mean_weights(1).unwrap().array().sum(), 9);
/// ```
///
/// A term is a read, maybe cast, or a read times a weight that reads nothing; terms add
/// and subtract. The statements before the sum, and the epilogue, must read nothing (a
/// sum and a centre read outside it, a branch, a product of reads is not linear and runs
/// as written). The weights are collected once per call into a table over the
/// neighbourhood, and [`Weights::plan`](stencil::linear::Weights::plan) picks:
///
/// - [`RunningSums`](stencil::linear::Evaluation::RunningSums) when every weight is the
///   same (a box): sums slide along rows and columns, so the cost does not grow with the
///   box;
/// - [`Separable`](stencil::linear::Evaluation::Separable) when the table is an outer
///   product (binomial, Gaussian, Sobel's factors, found exactly from the table): one pass
///   across rows into a row buffer, one along it;
/// - [`Direct`](stencil::linear::Evaluation::Direct) otherwise, and when the passes cost
///   more than the taps (up to about nine taps).
///
/// The passes read through the boundary modes of every axis, as the direct path does, and
/// need no copy of the input: one row buffer per thread. **Integers** are summed with
/// wrapping arithmetic in the sum's type, which is associative, so the passes give exactly
/// what the body gives (in release builds; a debug build's overflow check is the body's
/// alone). **Floats** take the passes only with `reassociate = true`, and then differ from
/// the body by at most `(k + 2·256 + 2)·u·M` for `k` taps and unit roundoff `u`, `M` the
/// largest `Σ|w·x|` of the windows a running sum passed through since it started (at most
/// 256 positions back along rows and columns; finite inputs and `cval`: an infinity or NaN
/// spreads as far); without it a float body runs exactly as written. Which rows a thread
/// starts its sums at depends on the shape alone, so results do not depend on the number
/// of threads.
/// [`direct_only`](stencil::linear::direct_only) runs kernels tap by tap, for comparisons.
///
/// In the accumulator spelling, a division of the accumulator in the epilogue by a value
/// fixed for the call, `acc / ((2 * r + 1) * (2 * r + 1)) as u32` or `acc /= n` (a divisor
/// that reads no input, not the accumulator and no name the epilogue binds), is prepared
/// once per call as a [`Divisor`](stencil::linear::Divisor): for unsigned integers a
/// multiply and shifts, exactly the quotient `/` gives (a literal divisor the compiler
/// already treats so); other types divide by `/`. The divisor is then evaluated once per
/// call, with the statements before the sum, rather than once per output.
///
/// # Window maxima and minima
///
/// A body that is the `.max` (or `.min`) of a set of one input's reads, followed by an
/// epilogue, is recognised the same way (`name::FOLD` says which): morphological dilation
/// and erosion, the maximum of a window.
///
/// ```
/// use ndkernel::prelude::*;
/// use ndkernel::stencil::linear::{Evaluation, FoldKind};
///
/// // An accumulator from any start that reads nothing (or from a read), updated by
/// // `acc = acc.max(x[[i, j]])` (or `std::cmp::max(acc, ..)`) in loops.
/// #[stencil(mode = "nearest", neighborhood = [(-r, r), (-r, r)])]
/// fn dilate(x: Rel<u8>, r: isize) -> u8 {
///     let mut high = 0;
///     for i in -r..=r {
///         for j in -r..=r {
///             high = high.max(x[[i, j]]);
///         }
///     }
///     high
/// }
///
/// // A written-out chain, with an epilogue around it.
/// #[stencil(mode = "reflect")]
/// #[rustfmt::skip]
/// fn erode_cross(x: Rel<i16>) -> i16 {
///     x[[-1, 0]].min(x[[0, -1]]).min(x[[0, 0]]).min(x[[0, 1]]).min(x[[1, 0]]) - 1
/// }
///
/// assert_eq!(dilate::FOLD, Some(FoldKind::Max));
/// assert_eq!(erode_cross::FOLD, Some(FoldKind::Min));
/// assert_eq!(dilate_evaluation(2), Evaluation::Separable);
/// assert_eq!(erode_cross_evaluation(), Evaluation::Direct);
/// ```
///
/// When the reads of an **integer** maximum or minimum are a box (every row read reads the
/// same columns; holes in whole rows and columns are allowed) and the box is large enough
/// to pay (a 5x5 window does, 3x3 does not), it runs as
/// [`Separable`](stencil::linear::Evaluation::Separable) passes: the maximum across the
/// rows into a row buffer, then along it. `max` and `min` of integers are associative, so
/// the result is exactly the body's, and the start of an accumulator takes part as in the
/// body. A float's maximum depends on the order where a window mixes `0.0` and `-0.0`,
/// or is all NaN, so float bodies run as written unless `reassociate = true`; then they
/// take the passes too, and differ from the body only in the sign of a zero result, and
/// where every tap of a window is NaN while the accumulator starts from a read or from
/// NaN: the passes give `-inf` (`+inf` for a minimum) where the body gives NaN. A bare
/// `max(a, b)`, `cmp::max` or `u8::max` may be the user's own function and is not taken
/// for the standard one. One-dimensional windows and windows that are not a box run
/// directly; a maximum whose cost does not grow with the width (van Herk)
/// is not built yet.
///
/// # Errors
///
/// Compile errors on the offending tokens: a non-literal offset without `neighborhood`,
/// reads with different numbers of indices, a literal offset outside the declared
/// neighbourhood, a write to an input, an unknown mode, a `cval` of the wrong type.
pub use kernel_macros::stencil;

pub use kernel_runtime::{KernelError, Operand, Role, signature};
pub use ndarray;

/// Boundary modes: what a stencil reads past an array's edge, and their names.
pub mod boundary {
    pub use kernel_runtime::boundary::{
        BOUNDARY_ALIASES, BOUNDARY_NAMES, Boundary, ParseBoundaryError,
    };
}

/// How calls are split over threads: [`serial`](dispatch::serial) runs kernels on the
/// calling thread; a kernel's `parallel` and `grain` keys set its [`Schedule`](dispatch::Schedule).
pub mod dispatch {
    pub use kernel_runtime::dispatch::{DEFAULT_GRAIN, Schedule, is_serial, serial};
}

/// What `#[stencil]` bodies are written against: the [`Rel`](stencil::Rel) parameter
/// type, the [`Footprint`](stencil::Footprint) a kernel's `NEIGHBORHOOD` is, and the
/// [`linear`](stencil::linear) evaluation of weighted sums, and [`with_tiling`](stencil::with_tiling)
/// to compare the two sweeps of a volume.
pub mod stencil {
    pub use kernel_runtime::stencil::{Footprint, Rel, with_tiling};

    /// Linear stencils: the weights of a recognised body and how they are evaluated.
    pub mod linear {
        pub use kernel_runtime::stencil::linear::{
            Denominator, Divisor, DivisorElem, Evaluation, Fold, FoldKind, Max, Min, SEED, Sum,
            SumElem, Weights, direct_only, is_direct_only,
        };
    }
}

/// The lane vectors bodies are evaluated on, and the lane `exp`.
pub mod lanes {
    pub use kernel_runtime::lanes::{LaneExp, Lanes, MAX_NETWORK, exp};
}

/// Output arrays as the allocating forms of kernels make them.
pub mod alloc {
    pub use kernel_runtime::alloc::{check_size, output, output_like};
}

/// Operands: what kernels accept as array arguments, and the shape check of `_into` forms.
pub mod operand {
    pub use kernel_runtime::operand::{AsOperand, check_shape};
}

/// Everything a kernel author needs in scope.
pub mod prelude {
    pub use crate::stencil::Rel;
    pub use crate::{KernelError, guvectorize, stencil, vectorize};
    pub use ndarray::prelude::*;
}

/// Not public API: what generated code names, by absolute path. May change in any
/// release.
#[doc(hidden)]
pub mod __private {
    pub use kernel_runtime::*;
    pub use ndarray;
    pub use rayon;
    pub use wide;
}

/// The README's examples, compiled and run as doctests so that they cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
