//! Shape cases ported from NumPy 2.4.6's gufunc tests, then our own edge cases and the
//! exact text of each error.

use super::*;

/// What a call binds to: `Ok((loop shape, output shapes))`, or the kind of error.
type Outcome = Result<(Vec<usize>, Vec<Vec<usize>>), &'static str>;

fn kind(error: &KernelError) -> &'static str {
    match error {
        KernelError::TooFewAxes { .. } => "TooFewAxes",
        KernelError::CoreDimMismatch { .. } => "CoreDimMismatch",
        KernelError::UnboundDim { .. } => "UnboundDim",
        KernelError::Broadcast { .. } => "Broadcast",
        KernelError::ShapeMismatch { .. } => "ShapeMismatch",
        KernelError::OperandCount { .. } => "OperandCount",
        _ => "other",
    }
}

fn outcome(binding: Result<Binding<'_>, KernelError>) -> Outcome {
    binding
        .map(|b| {
            let outputs = b.outputs().iter().map(|o| o.shape().to_vec()).collect();
            (b.loop_shape().to_vec(), outputs)
        })
        .map_err(|e| kind(&e))
}

fn bind(signature: &str, inputs: &[&[usize]], outputs: &[Option<&[usize]>]) -> Outcome {
    let sig: Signature = signature.parse().unwrap();
    outcome(Binder::new(&sig).bind(inputs, outputs))
}

/// The shape of the single output of a two-input gufunc, or the kind of error.
fn out2(
    signature: &str,
    a: &[usize],
    b: &[usize],
    out: Option<&[usize]>,
) -> Result<Vec<usize>, &'static str> {
    bind(signature, &[a, b], &[out]).map(|(_, mut outputs)| outputs.remove(0))
}

fn error(
    signature: &str,
    names: (&[&'static str], &[&'static str]),
    inputs: &[&[usize]],
    outputs: &[Option<&[usize]>],
) -> String {
    let sig: Signature = signature.parse().unwrap();
    Binder::new(&sig)
        .names(names.0, names.1)
        .bind(inputs, outputs)
        .unwrap_err()
        .to_string()
}

const MATMUL: &str = "(m?,n),(n,p?)->(m?,p?)";
const MATRIX_MULTIPLY: &str = "(m,n),(n,p)->(m,p)";
const VECDOT: &str = "(n),(n)->()";

/// A shape in a test table.
type Shape = &'static [usize];
/// An output shape, or the kind of error.
type Expected = Result<Shape, &'static str>;
type Case = (Shape, Shape, Expected);

/// `numpy/_core/tests/test_multiarray.py`, `MatmulCommon` and `TestMatmul` (run there for
/// `np.matmul`, whose signature is `MATMUL`): `test_exceptions`, `test_shapes`,
/// `test_result_types`, `test_scalar_output`, `test_vector_vector_values`,
/// `test_vector_matrix_values`, `test_matrix_vector_values`, `test_matrix_matrix_values`,
/// `test_empty_out` (without `out`) and `test_matmul_empty`.
const MATMUL_CASES: &[Case] = &[
    // test_exceptions
    (&[1], &[2], Err("CoreDimMismatch")),
    (&[2, 1], &[2], Err("CoreDimMismatch")),
    (&[2], &[1, 2], Err("CoreDimMismatch")),
    (&[1, 2], &[3, 1], Err("CoreDimMismatch")),
    (&[1], &[], Err("TooFewAxes")),
    (&[], &[1], Err("TooFewAxes")),
    (&[1, 1], &[], Err("TooFewAxes")),
    (&[], &[1, 1], Err("TooFewAxes")),
    (&[2, 2, 1], &[3, 1, 2], Err("Broadcast")),
    // test_shapes
    (&[1, 1], &[2, 1, 1], Ok(&[2, 1, 1])),
    (&[2, 1, 1], &[1, 1], Ok(&[2, 1, 1])),
    (&[2, 1, 1], &[2, 1, 1], Ok(&[2, 1, 1])),
    (&[2], &[2], Ok(&[])),
    // test_result_types
    (&[1, 1], &[1], Ok(&[1])),
    (&[1], &[1, 1], Ok(&[1])),
    (&[1, 1], &[1, 1], Ok(&[1, 1])),
    (&[1], &[1], Ok(&[])),
    // test_scalar_output
    (&[1], &[1, 2], Ok(&[2])),
    (&[2, 1], &[1], Ok(&[2])),
    // test_vector_vector_values
    (&[2], &[2, 1], Ok(&[1])),
    (&[2, 1], &[1, 2], Ok(&[2, 2])),
    // test_vector_matrix_values, test_matrix_vector_values
    (&[2], &[2, 2], Ok(&[2])),
    (&[2], &[2, 2, 2], Ok(&[2, 2])),
    (&[2, 2], &[2], Ok(&[2])),
    (&[2, 2, 2], &[2], Ok(&[2, 2])),
    // test_matrix_matrix_values
    (&[2, 2], &[2, 2, 2], Ok(&[2, 2, 2])),
    (&[2, 2, 2], &[2, 2], Ok(&[2, 2, 2])),
    (&[2, 2, 2], &[2, 2, 2], Ok(&[2, 2, 2])),
    // test_empty_out, test_matmul_empty
    (&[0, 1, 1], &[0, 1, 1], Ok(&[0, 1, 1])),
    (&[3, 0], &[0, 3], Ok(&[3, 3])),
];

#[test]
fn matmul_shapes_follow_numpy() {
    for &(a, b, expected) in MATMUL_CASES {
        let expected = expected.map(<[usize]>::to_vec);
        assert_eq!(out2(MATMUL, a, b, None), expected, "{a:?} @ {b:?}");
    }
}

/// `numpy/_core/tests/test_multiarray.py`, `TestMatmulInplace.SHAPES`: `a @= b` is
/// `matmul(a, b, out=a)`, which fails exactly when the result's shape is not `a`'s.
const MATMUL_INPLACE: &[(&[usize], &[usize], bool)] = &[
    (&[100_000, 10], &[10, 10], true),
    (&[10_000, 10, 10], &[1, 10, 10], true),
    (&[3], &[3], false),
    (&[3, 3], &[3], false),
    (&[3], &[3, 3], true),
    (&[3, 3], &[3, 1], false),
    (&[1, 3], &[3, 3], true),
    (&[3, 3, 3], &[1, 3, 1], false),
    (&[3, 3, 3], &[1, 3, 3], true),
    (&[3, 3, 3], &[3, 3, 1], false),
    (&[1, 3, 3], &[3, 3, 3], false),
    (&[3, 1, 3], &[3, 3, 3], true),
    (&[1, 1, 3], &[3, 3, 3], false),
];

#[test]
fn matmul_into_its_first_operand() {
    for &(a, b, fits) in MATMUL_INPLACE {
        let result = out2(MATMUL, a, b, Some(a));
        assert_eq!(result.is_ok(), fits, "{a:?} @= {b:?}: {result:?}");
    }
    // test_out_arg; test_empty_out: a (0, 1, 1) result cannot go into (1, 1, 1).
    assert_eq!(
        out2(MATMUL, &[5, 2], &[2, 2], Some(&[5, 2])),
        Ok(vec![5, 2])
    );
    assert_eq!(
        out2(MATMUL, &[0, 1, 1], &[0, 1, 1], Some(&[1, 1, 1])),
        Err("ShapeMismatch")
    );
}

/// `numpy/_core/tests/test_ufunc.py`, `test_can_ignore_signature`: `matrix_multiply` needs
/// every dimension, `matmul` may drop `m` and `p`.
#[test]
fn optional_dims_against_required_ones() {
    const MAT: Shape = &[2, 3, 2];
    let cases: &[(Shape, Shape, Expected, Expected)] = &[
        (MAT, &[2, 1], Ok(&[2, 3, 1]), Ok(&[2, 3, 1])),
        (MAT, &[2], Err("TooFewAxes"), Ok(&[2, 3])),
        (MAT, &[2, 2, 2, 1], Ok(&[2, 2, 3, 1]), Ok(&[2, 2, 3, 1])),
        (&[1, 3], MAT, Ok(&[2, 1, 2]), Ok(&[2, 1, 2])),
        (&[3], MAT, Err("TooFewAxes"), Ok(&[2, 2])),
        (
            &[4, 2, 1, 1, 3],
            MAT,
            Ok(&[4, 2, 2, 1, 2]),
            Ok(&[4, 2, 2, 1, 2]),
        ),
        (&[1, 3], &[3, 1], Ok(&[1, 1]), Ok(&[1, 1])),
        (&[3], &[3], Err("TooFewAxes"), Ok(&[])),
        (
            &[4, 2, 1, 1, 3],
            &[4, 2, 1, 3, 1],
            Ok(&[4, 2, 1, 1, 1]),
            Ok(&[4, 2, 1, 1, 1]),
        ),
    ];
    for &(a, b, required, optional) in cases {
        let (required, optional) = (
            required.map(<[usize]>::to_vec),
            optional.map(<[usize]>::to_vec),
        );
        assert_eq!(out2(MATRIX_MULTIPLY, a, b, None), required, "{a:?} {b:?}");
        assert_eq!(out2(MATMUL, a, b, None), optional, "{a:?} {b:?}");
    }
    // "Things are *not* squeezed if one gives an output."
    let out: &[usize] = &[4, 2, 1, 1, 1];
    let (a, b): (&[usize], &[usize]) = (&[4, 2, 1, 1, 3], &[4, 2, 1, 3, 1]);
    assert_eq!(out2(MATRIX_MULTIPLY, a, b, Some(out)), Ok(out.to_vec()));
    assert_eq!(out2(MATMUL, a, b, Some(out)), Ok(out.to_vec()));
    // "One cannot put missing dimensions back." NumPy lets `matmul` broadcast the `()`
    // result into a (1, 1) output; we never broadcast outputs.
    assert_eq!(
        out2(MATRIX_MULTIPLY, &[3], &[3], Some(&[1, 1])),
        Err("TooFewAxes")
    );
    assert_eq!(
        out2(MATMUL, &[3], &[3], Some(&[1, 1])),
        Err("ShapeMismatch")
    );
}

/// `numpy/_core/tests/test_ufunc.py`: `test_broadcast`, `test_output_argument`,
/// `test_incontiguous_array` (shapes only) for `vecdot`; `test_matrix_multiply_umath_empty`.
#[test]
fn vecdot_and_matrix_multiply_shapes() {
    let cases: &[(Shape, Shape, Option<Shape>, Expected)] = &[
        (&[2, 1, 2], &[1, 2, 2], None, Ok(&[2, 2])),
        (&[2, 1, 2], &[2, 2], None, Ok(&[2, 2])),
        (&[4, 2], &[4, 1], None, Err("CoreDimMismatch")),
        (&[4, 2], &[], None, Err("TooFewAxes")),
        (&[2, 1, 1], &[3, 1, 1], None, Err("Broadcast")),
        (&[3, 2], &[2], Some(&[]), Err("ShapeMismatch")),
        (&[3, 2], &[2], Some(&[3]), Ok(&[3])),
        (&[2, 3, 2], &[2, 1, 2], Some(&[2, 3]), Ok(&[2, 3])),
        (&[2, 2, 2], &[2, 2, 2], None, Ok(&[2, 2])),
        (&[4, 3, 2], &[4, 3, 2], None, Ok(&[4, 3])),
    ];
    for &(a, b, out, expected) in cases {
        assert_eq!(
            out2(VECDOT, a, b, out),
            expected.map(<[usize]>::to_vec),
            "{a:?} {b:?}"
        );
    }
    assert_eq!(
        out2(MATRIX_MULTIPLY, &[0, 10], &[10, 0], None),
        Ok(vec![0, 0])
    );
    assert_eq!(
        out2(MATRIX_MULTIPLY, &[10, 0], &[0, 10], None),
        Ok(vec![10, 10])
    );
}

/// `numpy/_core/tests/test_ufunc.py`, `test_cross1d`: fixed sizes, `(3),(3)->(3)`.
#[test]
fn fixed_sizes_must_match() {
    const CROSS: &str = "(3),(3)->(3)";
    assert_eq!(out2(CROSS, &[3, 3], &[3, 3], None), Ok(vec![3, 3]));
    assert_eq!(out2(CROSS, &[3], &[3, 3], Some(&[3, 3])), Ok(vec![3, 3]));
    assert_eq!(out2(CROSS, &[4, 4], &[4, 4], None), Err("CoreDimMismatch"));
    assert_eq!(out2(CROSS, &[3, 3], &[4], None), Err("CoreDimMismatch"));
    assert_eq!(
        out2(CROSS, &[3, 3], &[3], Some(&[3, 4])),
        Err("CoreDimMismatch")
    );
    assert_eq!(out2(CROSS, &[3, 3], &[3], Some(&[3])), Err("ShapeMismatch"));
}

/// `numpy/_core/tests/test_ufunc.py`: `test_innerwt`, `test_innerwt_empty`, `test_cumsum`.
#[test]
fn three_inputs_zero_sizes_and_same_shape_outputs() {
    const INNERWT: &str = "(i),(i),(i)->()";
    assert_eq!(
        bind(INNERWT, &[&[2, 3][..]; 3], &[None]),
        Ok((vec![2], vec![vec![2]]))
    );
    assert_eq!(
        bind(INNERWT, &[&[2, 3, 4][..]; 3], &[None]),
        Ok((vec![2, 3], vec![vec![2, 3]]))
    );
    assert_eq!(
        bind(INNERWT, &[&[0][..]; 3], &[None]),
        Ok((vec![], vec![vec![]]))
    );
    assert_eq!(
        bind("(i)->(i)", &[&[10]], &[None]),
        Ok((vec![], vec![vec![10]]))
    );
    // Zero-size loop and core dimensions bind like any other size.
    assert_eq!(
        out2(MATMUL, &[0, 2, 0], &[1, 0, 5], None),
        Ok(vec![0, 2, 5])
    );
    assert_eq!(out2(VECDOT, &[0, 1], &[3, 1], None), Err("Broadcast"));
}

/// `numpy/_core/tests/test_ufunc.py`, `test_euclidean_pdist`: `p` needs an output array, or
/// (our addition) a size rule.
#[test]
fn output_only_dims_from_output_or_rule() {
    const PDIST: &str = "(n,d)->(p)";
    assert_eq!(
        bind(PDIST, &[&[4, 3]], &[Some(&[6])]),
        Ok((vec![], vec![vec![6]]))
    );
    assert_eq!(bind(PDIST, &[&[4, 3]], &[None]), Err("UnboundDim"));
    let sig: Signature = PDIST.parse().unwrap();
    let rules: &[SizeRule] = &[("p", &|s: &CoreSizes| s["n"] * (s["n"] - 1) / 2)];
    let binder = Binder::new(&sig).size_rules(rules);
    let binding = binder.bind(&[&[7, 4, 3]], &[None]).unwrap();
    assert_eq!(binding.outputs()[0].shape(), [7, 6]);
    assert_eq!(binding.sizes().get("p"), Some(6));
    // A rule checks an output passed in.
    assert!(binder.bind(&[&[4, 3]], &[Some(&[6])]).is_ok());
    assert_eq!(
        outcome(binder.bind(&[&[4, 3]], &[Some(&[5])])),
        Err("CoreDimMismatch")
    );
}

/// `numpy/_core/tests/test_ufunc.py`, `TestGUFuncProcessCoreDims` (`conv1d_full`, whose
/// `process_core_dims_func` is the rule `p = m + n - 1`).
#[test]
fn conv1d_full_rule() {
    let sig: Signature = "(m),(n)->(p)".parse().unwrap();
    let rules: &[SizeRule] = &[("p", &|s: &CoreSizes| s["m"] + s["n"] - 1)];
    let binder = Binder::new(&sig).size_rules(rules);
    let shape = |a: &[usize], b: &[usize], out| outcome(binder.bind(&[a, b], &[out]));
    assert_eq!(shape(&[5], &[13], None), Ok((vec![], vec![vec![17]])));
    assert_eq!(
        shape(&[5], &[13], Some(&[17])),
        Ok((vec![], vec![vec![17]]))
    );
    assert_eq!(
        shape(&[3, 6], &[2, 1, 7], None),
        Ok((vec![2, 3], vec![vec![2, 3, 12]]))
    );
    // test_bad_out_shape
    assert_eq!(
        shape(&[1, 2], &[2, 3], Some(&[2, 3])),
        Err("CoreDimMismatch")
    );
}

/// NEP 20 via NumPy's `_validate_num_dims`: optional dimensions drop leftmost first, only
/// as many as needed, and once dropped they are gone from every operand.
#[test]
fn which_optional_dims_drop() {
    let sig: Signature = "(a?,b?,n)->(a?,b?)".parse().unwrap();
    let binding = Binder::new(&sig).bind(&[&[4, 5]], &[None]).unwrap();
    assert!(binding.sizes().is_missing("a") && !binding.sizes().is_missing("b"));
    assert_eq!(binding.sizes().get("a"), Some(1));
    assert_eq!(binding.outputs()[0].shape(), [4]);
    let binding = Binder::new(&sig).bind(&[&[5]], &[None]).unwrap();
    assert_eq!(binding.outputs()[0].shape(), [] as [usize; 0]);
    assert_eq!(binding.inputs()[0].core_ndim(), 1);
    // Input 0 drops `m`, so input 1's `m` axis becomes a loop axis.
    let binding = outcome(
        Binder::new(&"(m?,n),(m?,n)->(m?)".parse().unwrap()).bind(&[&[3], &[2, 3]], &[None]),
    );
    assert_eq!(binding, Ok((vec![2], vec![vec![2]])));
    // An output passed with too few axes drops an optional dimension from the inputs too.
    assert_eq!(
        out2(MATMUL, &[2, 3], &[3, 4], Some(&[4])),
        Err("ShapeMismatch")
    );
    // Input 0's `m` axis turned into a loop axis, which the output then lacks.
    assert_eq!(
        error(MATMUL, (&[], &[]), &[&[1, 3], &[3, 4]], &[Some(&[4])]),
        "output 0 has shape (4,) but the call requires (1, 4)"
    );
}

/// Our `n|1` extension: an input may give 1, in any operand order.
#[test]
fn broadcastable_dims_accept_one() {
    const SIG: &str = "(n|1),(n|1)->(n)";
    assert_eq!(
        bind(SIG, &[&[1], &[4]], &[None]),
        Ok((vec![], vec![vec![4]]))
    );
    assert_eq!(
        bind(SIG, &[&[4], &[1]], &[None]),
        Ok((vec![], vec![vec![4]]))
    );
    assert_eq!(
        bind(SIG, &[&[1], &[1]], &[None]),
        Ok((vec![], vec![vec![1]]))
    );
    assert_eq!(
        bind(SIG, &[&[1], &[4]], &[Some(&[4])]),
        Ok((vec![], vec![vec![4]]))
    );
    assert_eq!(
        bind(SIG, &[&[1], &[4]], &[Some(&[1])]),
        Err("CoreDimMismatch")
    );
    assert_eq!(bind(SIG, &[&[3], &[4]], &[None]), Err("CoreDimMismatch"));
    assert_eq!(
        bind("(3|1),(3|1)->()", &[&[1], &[3]], &[None]),
        Ok((vec![], vec![vec![]]))
    );
    assert_eq!(
        bind("(3|1),(3|1)->()", &[&[1], &[2]], &[None]),
        Err("CoreDimMismatch")
    );
    let sig: Signature = SIG.parse().unwrap();
    let binding = Binder::new(&sig).bind(&[&[2, 1], &[4]], &[None]).unwrap();
    assert_eq!(binding.inputs()[0].core_shape(), [1]);
    assert_eq!(binding.inputs()[0].loop_shape(), [2]);
    assert_eq!(binding.sizes()["n"], 4);
    // Not broadcastable: a 1 is an ordinary size.
    assert_eq!(bind(VECDOT, &[&[1], &[4]], &[None]), Err("CoreDimMismatch"));
}

#[test]
fn operand_counts_are_checked_first() {
    assert_eq!(bind(VECDOT, &[&[3]], &[None]), Err("OperandCount"));
    assert_eq!(bind(VECDOT, &[&[3], &[3]], &[]), Err("OperandCount"));
}

#[test]
fn binding_reports_every_operand_and_dimension() {
    let sig: Signature = MATMUL.parse().unwrap();
    let binding = Binder::new(&sig)
        .bind(&[&[2, 1, 3, 4], &[5, 4, 2]], &[None])
        .unwrap();
    assert_eq!(binding.loop_shape(), [2, 5]);
    let sizes: Vec<_> = binding.sizes().iter().collect();
    assert_eq!(sizes, [("m", 3), ("n", 4), ("p", 2)]);
    let [a, b] = binding.inputs() else { panic!() };
    assert_eq!(
        (a.loop_shape(), a.core_shape(), a.core_ndim()),
        (&[2, 1][..], &[3, 4][..], 2)
    );
    assert_eq!((b.loop_ndim(), b.core_shape()), (1, &[4, 2][..]));
    assert_eq!(binding.outputs()[0].core_shape(), [3, 2]);
    assert_eq!(binding.sizes().get("q"), None);
}

// Exact messages, one per error kind.

#[test]
fn message_operand_count() {
    assert_eq!(
        error(VECDOT, (&[], &[]), &[&[3]], &[None]),
        "the kernel takes 2 inputs, 1 were given"
    );
}

#[test]
fn message_too_few_axes() {
    assert_eq!(
        error(MATMUL, (&["a", "b"], &["out"]), &[&[3], &[]], &[None]),
        "input 1 (`b`) has 0 axes but its core dimensions (n,p?) need at least 1 \
         (signature \"(m?,n),(n,p?)->(m?,p?)\")"
    );
}

#[test]
fn message_core_dim_mismatch() {
    assert_eq!(
        error(
            MATRIX_MULTIPLY,
            (&["a", "b"], &["out"]),
            &[&[2, 3, 4], &[5, 2]],
            &[None]
        ),
        "input 1 (`b`) has size 5 on axis 0 for core dimension `n`, expected 4 as bound by \
         input 0 (`a`) (signature \"(m,n),(n,p)->(m,p)\")"
    );
    assert_eq!(
        error("(3),(3)->(3)", (&[], &[]), &[&[3], &[2, 4]], &[None]),
        "input 1 has size 4 on axis 1 for core dimension `3`, expected 3 \
         (signature \"(3),(3)->(3)\")"
    );
    let sig: Signature = "(n,d)->(p)".parse().unwrap();
    let rules: &[SizeRule] = &[("p", &|s: &CoreSizes| s["n"] * (s["n"] - 1) / 2)];
    let message = Binder::new(&sig)
        .names(&["x"], &["out"])
        .size_rules(rules)
        .bind(&[&[4, 3]], &[Some(&[2, 5])])
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "output 0 (`out`) has size 5 on axis 1 for core dimension `p`, expected 6 \
         (signature \"(n,d)->(p)\")"
    );
}

#[test]
fn message_unbound_dim() {
    assert_eq!(
        error("(n,d)->(p)", (&[], &[]), &[&[4, 3]], &[None]),
        "core dimension `p` appears only in outputs and has no size: pass an output array or \
         give a size rule (signature \"(n,d)->(p)\")"
    );
}

#[test]
fn message_broadcast() {
    assert_eq!(
        error(
            VECDOT,
            (&["x", "y"], &[]),
            &[&[2, 1, 1], &[3, 1, 1]],
            &[None]
        ),
        "operands could not be broadcast together: input 1 (`y`) has size 3 on axis 0 where \
         input 0 (`x`) has size 2 on axis 0 (loop shapes (3, 1) and (2, 1))"
    );
}

#[test]
fn message_shape_mismatch() {
    assert_eq!(
        error(
            VECDOT,
            (&["x", "y"], &["out"]),
            &[&[3, 2], &[2]],
            &[Some(&[])]
        ),
        "output 0 (`out`) has shape () but the call requires (3,)"
    );
}

#[test]
#[should_panic(expected = "size rule for `q`, which signature \"(n,d)->(p)\" does not have")]
fn rule_for_an_unknown_dim_panics() {
    let sig: Signature = "(n,d)->(p)".parse().unwrap();
    let rules: &[SizeRule] = &[("q", &|_: &CoreSizes| 0)];
    let _ = Binder::new(&sig)
        .size_rules(rules)
        .bind(&[&[4, 3]], &[None]);
}
