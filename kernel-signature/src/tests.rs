//! Parser tests. The NumPy cases are ported from numpy 2.4's
//! `numpy/_core/tests/test_ufunc.py` (`test_signature*`, which go through the C parser
//! `_parse_signature`) and `numpy/lib/tests/test_function_base.py`
//! (`test_parse_gufunc_signature`, the regex parser of `np.vectorize`). Positions in
//! "NumPy:" comments were observed with `_umath_tests.test_signature` on numpy 2.4.6.

use crate::{CoreDim, CoreShape, DimSize, Signature};

fn parse(text: &str) -> Signature {
    Signature::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

/// The error as the user sees it.
fn error(text: &str) -> String {
    match Signature::parse(text) {
        Ok(sig) => panic!("{text:?} parsed as {sig}"),
        Err(e) => e.to_string(),
    }
}

fn dim(size: DimSize, modifier: &str) -> CoreDim {
    CoreDim {
        size,
        optional: modifier == "?",
        broadcastable: modifier == "|1",
    }
}

/// Writes a core shape in the signature's own notation: `shape("m?, 3, n|1")`.
fn shape(dims: &str) -> CoreShape {
    dims.split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            let split = d.find(['?', '|']).unwrap_or(d.len());
            let (size, modifier) = d.split_at(split);
            match size.parse() {
                Ok(n) => dim(DimSize::Fixed(n), modifier),
                Err(_) => dim(DimSize::Named(size.to_owned()), modifier),
            }
        })
        .collect()
}

fn assert_shapes(text: &str, inputs: &[&str], outputs: &[&str]) {
    let sig = parse(text);
    let expect = |args: &[&str]| args.iter().map(|a| shape(a)).collect::<Vec<_>>();
    assert_eq!(sig.inputs(), expect(inputs), "inputs of {text:?}");
    assert_eq!(sig.outputs(), expect(outputs), "outputs of {text:?}");
}

const SIZE_INFERRED: u32 = 2;
const CAN_IGNORE: u32 = 4;

/// What `_umath_tests.test_signature` returns, rebuilt from a `Signature`: whether core
/// dims are enabled, each operand's core ndim, each dim's index among the distinct dims
/// (fixed sizes deduplicated by value, as NumPy does), and per distinct dim its flags and
/// its size (-1 for a name).
type NumpyView = (bool, Vec<usize>, Vec<usize>, Vec<u32>, Vec<i64>);

fn numpy_view(text: &str) -> NumpyView {
    let sig = parse(text);
    let operands: Vec<&CoreShape> = sig.inputs().iter().chain(sig.outputs()).collect();
    let mut distinct: Vec<&CoreDim> = Vec::new();
    let mut ixs = Vec::new();
    for d in operands.iter().copied().flatten() {
        let ix = distinct.iter().position(|seen| seen.size == d.size);
        ixs.push(ix.unwrap_or_else(|| {
            distinct.push(d);
            distinct.len() - 1
        }));
    }
    let flags = distinct
        .iter()
        .map(|d| {
            let inferred = if matches!(d.size, DimSize::Named(_)) {
                SIZE_INFERRED
            } else {
                0
            };
            inferred | if d.optional { CAN_IGNORE } else { 0 }
        })
        .collect();
    let sizes = distinct
        .iter()
        .map(|d| match d.size {
            DimSize::Named(_) => -1,
            DimSize::Fixed(n) => i64::try_from(n).unwrap(),
        })
        .collect();
    let num_dims = operands.iter().map(|op| op.len()).collect();
    (!sig.is_elementwise(), num_dims, ixs, flags, sizes)
}

// ---- numpy/_core/tests/test_ufunc.py ----

#[test]
fn numpy_signature0() {
    let view = numpy_view("(i),(i)->()");
    assert_eq!(
        view,
        (
            true,
            vec![1, 1, 0],
            vec![0, 0],
            vec![SIZE_INFERRED],
            vec![-1]
        )
    );
}

#[test]
fn numpy_signature1_trivial_core_is_elementwise() {
    let view = numpy_view("(),()->()");
    assert_eq!(view, (false, vec![0, 0, 0], vec![], vec![], vec![]));
}

#[test]
fn numpy_signature2_names() {
    let view = numpy_view("(i1,i2),(J_1)->(_kAB)");
    let flags = vec![SIZE_INFERRED; 4];
    assert_eq!(
        view,
        (true, vec![2, 1, 1], vec![0, 1, 2, 3], flags, vec![-1; 4])
    );
}

#[test]
fn numpy_signature3_whitespace_and_shared_names() {
    let view = numpy_view("(i1, i12),   (J_1)->(i12, i2)");
    let flags = vec![SIZE_INFERRED; 4];
    assert_eq!(
        view,
        (true, vec![2, 1, 2], vec![0, 1, 2, 1, 3], flags, vec![-1; 4])
    );
}

#[test]
fn numpy_signature4_matrix_multiply() {
    let view = numpy_view("(n,k),(k,m)->(n,m)");
    let ixs = vec![0, 1, 1, 2, 0, 2];
    let flags = vec![SIZE_INFERRED; 3];
    assert_eq!(view, (true, vec![2, 2, 2], ixs, flags, vec![-1; 3]));
}

#[test]
fn numpy_signature5_matmul() {
    let view = numpy_view("(n?,k),(k,m?)->(n?,m?)");
    let ixs = vec![0, 1, 1, 2, 0, 2];
    let ignorable = SIZE_INFERRED | CAN_IGNORE;
    let flags = vec![ignorable, SIZE_INFERRED, ignorable];
    assert_eq!(view, (true, vec![2, 2, 2], ixs, flags, vec![-1; 3]));
}

#[test]
fn numpy_signature6_fixed() {
    let view = numpy_view("(3)->()");
    assert_eq!(view, (true, vec![1, 0], vec![0], vec![0], vec![3]));
}

#[test]
fn numpy_signature7_fixed_with_leading_zero() {
    let view = numpy_view("(3),(03,3),(n)->(9)");
    let flags = vec![0, SIZE_INFERRED, 0];
    let expected = (
        true,
        vec![1, 2, 1, 1],
        vec![0, 0, 0, 1, 2],
        flags,
        vec![3, -1, 9],
    );
    assert_eq!(view, expected);
    assert_shapes("(3),(03,3),(n)->(9)", &["3", "3, 3", "n"], &["9"]);
}

#[test]
fn numpy_signature8_optional_fixed() {
    let view = numpy_view("(3?),(3?,3?),(n)->(9)");
    let flags = vec![CAN_IGNORE, SIZE_INFERRED, 0];
    let expected = (
        true,
        vec![1, 2, 1, 1],
        vec![0, 0, 0, 1, 2],
        flags,
        vec![3, -1, 9],
    );
    assert_eq!(view, expected);
}

#[test]
fn numpy_signature9_spaces() {
    let view = numpy_view("(  3)  -> ( )");
    assert_eq!(view, (true, vec![1, 0], vec![0], vec![0], vec![3]));
}

#[test]
fn numpy_signature10_spaces_and_optional() {
    let view = numpy_view("( 3? ) , (3? ,  3?) ,(n )-> ( 9)");
    let flags = vec![CAN_IGNORE, SIZE_INFERRED, 0];
    let expected = (
        true,
        vec![1, 2, 1, 1],
        vec![0, 0, 0, 1, 2],
        flags,
        vec![3, -1, 9],
    );
    assert_eq!(view, expected);
}

#[test]
fn numpy_signature_failure_extra_parenthesis() {
    // NumPy: expect dimension name or non-zero frozen size at position 1.
    assert_eq!(
        error("((i)),(i)->()"),
        r#"expected a dimension name or size at position 1 in "((i)),(i)->()""#
    );
}

#[test]
fn numpy_signature_failure_mismatching_parenthesis() {
    // NumPy: expect '(' at position 4.
    assert_eq!(
        error("(i),)i(->()"),
        r#"expected '(' at position 4 in "(i),)i(->()""#
    );
}

#[test]
fn numpy_signature_failure_missing_input_arg() {
    // NumPy: expect '(' at position 4.
    assert_eq!(
        error("(i),->()"),
        r#"expected '(' at position 4 in "(i),->()""#
    );
}

#[test]
fn numpy_signature_failure_missing_output_arg() {
    // NumPy fails this for a ufunc declared with two outputs. The parser takes the count
    // from the text, so it parses; whoever knows the function's outputs compares.
    assert_eq!(parse("(i),(i)->()").outputs().len(), 1);
}

// ---- numpy/lib/tests/test_function_base.py: test_parse_gufunc_signature ----

#[test]
fn numpy_parse_gufunc_signature_valid() {
    assert_shapes("(x)->()", &["x"], &[""]);
    assert_shapes("(x,y)->()", &["x, y"], &[""]);
    assert_shapes("(x),(y)->()", &["x", "y"], &[""]);
    assert_shapes("(x)->(y)", &["x"], &["y"]);
    assert_shapes("(x)->(y),()", &["x"], &["y", ""]);
    assert_shapes("(),(a,b,c),(d)->(d,e)", &["", "a, b, c", "d"], &["d, e"]);
}

#[test]
fn numpy_parse_gufunc_signature_whitespace() {
    assert_shapes("(x )->()", &["x"], &[""]);
    assert_shapes("( x , y )->(  )", &["x, y"], &[""]);
    assert_shapes("(x),( y) ->()", &["x", "y"], &[""]);
    assert_shapes("(  x)-> (y )  ", &["x"], &["y"]);
    assert_shapes(" (x)->( y),( )", &["x"], &["y", ""]);
    assert_shapes(
        "(  ), ( a,  b,c )  ,(  d)   ->   (d  ,  e)",
        &["", "a, b, c", "d"],
        &["d, e"],
    );
}

#[test]
fn numpy_parse_gufunc_signature_invalid() {
    // NumPy (C parser): expect ',' at position 3.
    assert_eq!(
        error("(x)(y)->()"),
        r#"expected ',' or '->' at position 3 in "(x)(y)->()""#
    );
    assert_eq!(
        error("((x))->(x)"),
        r#"expected a dimension name or size at position 1 in "((x))->(x)""#
    );
}

#[test]
fn numpy_parse_gufunc_signature_no_outputs_differs() {
    // Deliberate difference: NumPy rejects this in both parsers (the C one wants a
    // no-output signature written without the arrow). Here it is the spelling of one.
    assert_shapes("(x),(y)->", &["x", "y"], &[]);
}

// ---- behaviour of NumPy's C parser, observed with _umath_tests.test_signature ----

#[test]
fn numpy_c_parser_rejections_same_position() {
    let cases = [
        // NumPy: expect dimension name or non-zero frozen size at position 1.
        ("(0)->()", "a non-zero size", 1),
        ("(3a)->()", "a dimension name or size", 1),
        ("(1i)->()", "a dimension name or size", 1),
        ("(é)->()", "a dimension name or size", 1),
        ("(,)->()", "a dimension name or size", 1),
        (
            "(9223372036854775808)->()",
            "a size of at most isize::MAX",
            1,
        ),
        // NumPy: expect ',' or ')' at position 1 (signs are not part of a size).
        ("(+3)->()", "a dimension name or size", 1),
        // NumPy: expect ',' or ')'.
        ("(3 a)->()", "',' or ')'", 3),
        ("(i", "',' or ')'", 2),
        ("(i)->(i", "',' or ')'", 7),
        (
            "(i??)->()",
            "',' or ')' (a dimension takes at most one modifier)",
            3,
        ),
        // NumPy: ',' must not be followed by ')' at position 3.
        ("(i,)->()", "a dimension name or size", 3),
        // NumPy: unexpected end of signature string at position 8.
        ("(i)->(i,", "a dimension name or size", 8),
        // NumPy: expect '->' at position 3.
        ("(i)- >()", "',' or '->'", 3),
        // NumPy: expect '(' (it knows there are no more outputs).
        ("(i)->() x", "',' or end of signature", 8),
        ("x->()", "'('", 0),
        // NumPy: ? must be used, name already seen with ?
        ("(n?)->(n)", "'n?' (n is optional elsewhere)", 7),
        ("(n?),(n)->()", "'n?' (n is optional elsewhere)", 6),
        ("(3?)->(3)", "'3?' (3 is optional elsewhere)", 7),
        // NumPy: ? cannot be used, name already seen without ?
        (
            "(n)->(n?)",
            "'n' without '?' (n is not optional elsewhere)",
            6,
        ),
    ];
    for (text, expected, position) in cases {
        let e = Signature::parse(text).unwrap_err();
        assert_eq!(
            (e.expected.as_str(), e.position),
            (expected, position),
            "{text:?}"
        );
    }
}

#[test]
fn numpy_c_parser_acceptances() {
    assert_shapes("(9223372036854775806)->()", &["9223372036854775806"], &[""]);
    assert_shapes("()->(),(n?)", &[""], &["", "n?"]);
    assert_shapes("()->(n?)", &[""], &["n?"]);
    assert_shapes("(i)->(j)", &["i"], &["j"]);
    // NumPy accepts this for a ufunc with no inputs.
    assert_shapes("->(i)", &[], &["i"]);
}

#[test]
fn numpy_c_parser_differences() {
    // NumPy skips only spaces and tabs: expect '->' at position 3.
    assert_shapes("(i)\n->(i)", &["i"], &["i"]);
    assert_shapes("(\ti\r\n,\x0cj)->()", &["i, j"], &[""]);
    // NumPy wants '?' right after the name: expect ',' or ')' at position 4.
    assert_shapes("( i ?)->()", &["i?"], &[""]);
    // NumPy rejects the size isize::MAX itself.
    assert_shapes("(9223372036854775807)->()", &["9223372036854775807"], &[""]);
    // NumPy wants no arrow when there are no outputs ("" for no operands at all).
    assert_shapes("(i)->", &["i"], &[]);
    assert_shapes("->", &[], &[]);
    assert_eq!(
        error("(i)"),
        r#"expected ',' or '->' at position 3 in "(i)""#
    );
    assert_eq!(error(""), r#"expected '(' at position 0 in """#);
    // NumPy knows there is one output and reports the ',' (position 10); here the ','
    // promises another output.
    assert_eq!(
        error("(i) -> () ,"),
        r#"expected '(' at position 11 in "(i) -> () ,""#
    );
}

// ---- broadcastable dimensions (NEP 20's deferred `|1`) ----

#[test]
fn broadcastable_dims() {
    assert_shapes("(n|1),(n|1)->()", &["n|1", "n|1"], &[""]);
    assert_shapes(
        "(m|1,n|1,o|1),(m|1,n|1,o|1)->()",
        &["m|1,n|1,o|1"; 2],
        &[""],
    );
    assert_shapes("(n | 1),(n\t|1)->(n)", &["n|1", "n|1"], &["n"]);
    assert_shapes("(3|1)->(3)", &["3|1"], &["3"]);
}

#[test]
fn broadcastable_errors() {
    let cases = [
        ("(n|2)->()", "'1' after '|'", 3),
        ("(n|)->()", "'1' after '|'", 3),
        ("(n|11)->()", "'1' after '|'", 3),
        ("(n|1a)->()", "'1' after '|'", 3),
        ("(n| )->()", "'1' after '|'", 4),
        (
            "(n?|1)->()",
            "',' or ')' (a dimension takes at most one modifier)",
            3,
        ),
        (
            "(n|1?)->()",
            "',' or ')' (a dimension takes at most one modifier)",
            4,
        ),
        (
            "(n|1)->(n|1)",
            "'n' without '|1' (outputs are never broadcast)",
            8,
        ),
        (
            "()->(3|1)",
            "'3' without '|1' (outputs are never broadcast)",
            5,
        ),
        (
            "(n|1),(n)->()",
            "'n|1' (n is broadcastable in another input)",
            7,
        ),
        (
            "(n),( n|1)->()",
            "'n' without '|1' (n is not broadcastable in another input)",
            6,
        ),
        // `?` is checked first, so a `|1` use of an optional name reports the `?`.
        ("(n?),(n|1)->()", "'n?' (n is optional elsewhere)", 6),
    ];
    for (text, expected, position) in cases {
        let e = Signature::parse(text).unwrap_err();
        assert_eq!(
            (e.expected.as_str(), e.position),
            (expected, position),
            "{text:?}"
        );
    }
}

// ---- error positions and messages ----

#[test]
fn error_display_and_fields() {
    let e = Signature::parse("(i),->()").unwrap_err();
    assert_eq!(e.signature, "(i),->()");
    assert_eq!(e.position, 4);
    assert_eq!(e.expected, "'('");
    assert_eq!(e.to_string(), r#"expected '(' at position 4 in "(i),->()""#);
}

#[test]
fn error_position_skips_whitespace() {
    assert_eq!(
        error("(i),  x->()"),
        r#"expected '(' at position 6 in "(i),  x->()""#
    );
    assert_eq!(
        error("( i ,  ,)->()"),
        r#"expected a dimension name or size at position 7 in "( i ,  ,)->()""#
    );
    assert_eq!(
        error("(i)   "),
        r#"expected ',' or '->' at position 6 in "(i)   ""#
    );
}

#[test]
fn error_position_is_a_byte_offset() {
    // Only ASCII is valid, so a non-ASCII character is always the offending token; the
    // position is the byte where it starts.
    let e = Signature::parse("(é)x").unwrap_err();
    assert_eq!(e.position, 1);
    let e = Signature::parse("(i)->(i)é").unwrap_err();
    assert_eq!(
        (e.position, e.expected.as_str()),
        (8, "',' or end of signature")
    );
}

#[test]
fn error_from_str() {
    let e = "(i)->(".parse::<Signature>().unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"expected a dimension name or size at position 6 in "(i)->(""#
    );
}

// ---- the public helpers ----

#[test]
fn display_is_canonical() {
    let cases = [
        ("( m? , n ) ,\n(n,p?) -> (m?,p?)", "(m?,n),(n,p?)->(m?,p?)"),
        ("( 03 ) -> ( )", "(3)->()"),
        ("(n | 1),(n|1)->()", "(n|1),(n|1)->()"),
        ("->(i)", "->(i)"),
        ("(i)->", "(i)->"),
        ("->", "->"),
    ];
    for (text, canonical) in cases {
        let sig = parse(text);
        assert_eq!(sig.to_string(), canonical);
        assert_eq!(sig.as_str(), text);
        let again = parse(canonical);
        assert_eq!(
            (again.inputs(), again.outputs()),
            (sig.inputs(), sig.outputs())
        );
    }
}

#[test]
fn dim_names_in_order_of_first_use() {
    assert_eq!(parse("(n,k),(k,m)->(n,m)").dim_names(), ["n", "k", "m"]);
    assert_eq!(
        parse("(i1, i12),   (J_1)->(i12, i2)").dim_names(),
        ["i1", "i12", "J_1", "i2"]
    );
    assert_eq!(parse("(3),(n,3)->(p)").dim_names(), ["n", "p"]);
    assert!(parse("(3)->()").dim_names().is_empty());
}

#[test]
fn output_only_dims() {
    assert_eq!(parse("(n)->(m)").output_only_dims(), ["m"]);
    assert_eq!(parse("()->(a),(b,a)").output_only_dims(), ["a", "b"]);
    assert!(parse("(m,n),(n,p)->(m,p)").output_only_dims().is_empty());
    assert!(parse("()->(3)").output_only_dims().is_empty());
}

#[test]
fn is_elementwise() {
    assert!(parse("(),()->()").is_elementwise());
    assert!(parse("->").is_elementwise());
    assert!(!parse("()->(3)").is_elementwise());
}
