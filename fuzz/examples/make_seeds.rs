//! Writes the seed corpus, `corpus/signature/` and `corpus/bind/`, from the signatures and
//! shapes of `kernel-signature/src/tests.rs` and `kernel-runtime/src/bind/tests.rs`.
//!
//! `cargo +nightly run --example make_seeds` (in `fuzz/`); it replaces the seed files it
//! writes (`seed-*`) and leaves any other file alone.

use std::fs;
use std::path::Path;

use arbitrary::{Arbitrary, Unstructured};
use ndkernel_fuzz::bind::{BindInput, Dim, GrammarSig, Huge, Modifier, Rule, RuleValue, SigSource};
use ndkernel_fuzz::encode::to_bytes;

/// Valid and invalid signatures from the parser's tests.
const SIGNATURES: &[&str] = &[
    "(m,n),(n,p)->(m,p)",
    "(m?,n),(n,p?)->(m?,p?)",
    "(n,k),(k,m)->(n,m)",
    "(n?,k),(k,m?)->(n?,m?)",
    "(),()->()",
    "(),(a,b,c),(d)->(d,e)",
    "(  ), ( a,  b,c )  ,(  d)   ->   (d  ,  e)",
    "( m? , n ) ,\n(n,p?) -> (m?,p?)",
    "(\ti\r\n,\x0cj)->()",
    "(i1, i12),   (J_1)->(i12, i2)",
    "()->(),(n?)",
    "->(i)",
    "(i)->",
    "->",
    "(3),(03,3),(n)->(9)",
    "(3?),(3?,3?),(n)->(9)",
    "(9223372036854775807)->()",
    "(9223372036854775808)->()",
    "(0)->()",
    "(+3)->()",
    "(3a)->()",
    "(3 a)->()",
    "(n|1),(n|1)->(n)",
    "(n | 1),(n\t|1)->(n)",
    "(m|1,n|1,o|1),(m|1,n|1,o|1)->()",
    "(3|1)->(3)",
    "()->(3|1)",
    "(n|1)->(n|1)",
    "(n|1),(n)->()",
    "(n?),(n|1)->()",
    "(n?|1)->()",
    "(n|1?)->()",
    "(n|11)->()",
    "(n|2)->()",
    "(n?),(n)->()",
    "(i??)->()",
    "((i)),(i)->()",
    "(i),)i(->()",
    "( i ,  ,)->()",
    "(i)- >()",
    "(i)->() x",
    "(i)->(i)\u{e9}",
    "(\u{e9})->()",
    "(i",
];

fn shape(sizes: &[usize]) -> Vec<Dim> {
    sizes.iter().map(|&s| Dim::of(s)).collect()
}

fn text(signature: &str, inputs: &[&[usize]], outputs: &[Option<&[usize]>]) -> BindInput {
    BindInput {
        fit_counts: false,
        names: 0x12,
        inputs: inputs.iter().map(|s| shape(s)).collect(),
        outputs: outputs.iter().map(|s| s.map(shape)).collect(),
        rules: Vec::new(),
        signature: SigSource::Text(signature.to_owned()),
    }
}

fn bind_seeds() -> Vec<BindInput> {
    const MATMUL: &str = "(m?,n),(n,p?)->(m?,p?)";
    const MATRIX_MULTIPLY: &str = "(m,n),(n,p)->(m,p)";
    const VECDOT: &str = "(n),(n)->()";
    let max = usize::MAX;
    let mut seeds = vec![
        text(MATMUL, &[&[2, 1, 3, 4], &[5, 4, 2]], &[None]),
        text(MATMUL, &[&[2, 3, 4], &[4]], &[None]),
        text(MATMUL, &[&[3], &[3]], &[Some(&[1, 1])]),
        text(MATMUL, &[&[0, 1, 1], &[0, 1, 1]], &[Some(&[1, 1, 1])]),
        text(MATMUL, &[&[1, 3], &[3, 4]], &[Some(&[4])]),
        text(MATMUL, &[&[1], &[]], &[None]),
        text(MATMUL, &[&[2, 2, 1], &[3, 1, 2]], &[None]),
        text(
            MATRIX_MULTIPLY,
            &[&[4, 2, 1, 1, 3], &[4, 2, 1, 3, 1]],
            &[Some(&[4, 2, 1, 1, 1])],
        ),
        text(MATRIX_MULTIPLY, &[&[0, 10], &[10, 0]], &[None]),
        text(VECDOT, &[&[2, 1, 2], &[1, 2, 2]], &[None]),
        text(VECDOT, &[&[3, 2], &[2]], &[Some(&[])]),
        text(VECDOT, &[&[3]], &[None]),
        text(VECDOT, &[&[3], &[3]], &[]),
        text("(3),(3)->(3)", &[&[3], &[3, 3]], &[Some(&[3, 3])]),
        text("(3),(3)->(3)", &[&[3, 3], &[4]], &[None]),
        text(
            "(i),(i),(i)->()",
            &[&[2, 3, 4], &[2, 3, 4], &[2, 3, 4]],
            &[None],
        ),
        text("(i),(i),(i)->()", &[&[0], &[0], &[0]], &[None]),
        text("(n,d)->(p)", &[&[4, 3]], &[Some(&[6])]),
        text("(n,d)->(p)", &[&[4, 3]], &[None]),
        text("(a?,b?,n)->(a?,b?)", &[&[4, 5]], &[None]),
        text("(m?,n),(m?,n)->(m?)", &[&[3], &[2, 3]], &[None]),
        text("(n|1),(n|1)->(n)", &[&[1], &[4]], &[Some(&[4])]),
        text("(n|1),(n|1)->(n)", &[&[2, 1], &[4]], &[None]),
        text("(3|1),(3|1)->()", &[&[1], &[2]], &[None]),
        text("(3?),(3?,3?),(n)->(9)", &[&[3], &[3, 3], &[5]], &[None]),
        // Extremes.
        text(MATMUL, &[&[max, 1, 0], &[0, max]], &[None]),
        text(
            VECDOT,
            &[&[max, isize::MAX as usize], &[1, isize::MAX as usize]],
            &[None],
        ),
        text(
            "(9223372036854775807)->(9223372036854775807)",
            &[&[isize::MAX as usize]],
            &[None],
        ),
    ];
    // Size rules: pdist's p and conv1d's p = m + n - 1 (as m + n here).
    let mut pdist = text("(n,d)->(p)", &[&[7, 4, 3]], &[None]);
    pdist.rules = vec![Rule {
        dim: 2,
        value: RuleValue::Product(0, 1),
    }];
    seeds.push(pdist);
    let mut conv = text("(m),(n)->(p)", &[&[3, 6], &[2, 1, 7]], &[None]);
    conv.rules = vec![
        Rule {
            dim: 2,
            value: RuleValue::Sum(0, 1),
        },
        Rule {
            dim: 0,
            value: RuleValue::Const(Dim::Tiny(6)),
        },
    ];
    seeds.push(conv);
    let mut huge = text("(n)->(p,q)", &[&[2, 5]], &[None]);
    huge.rules = vec![
        Rule {
            dim: 1,
            value: RuleValue::Const(Dim::Huge(Huge::UsizeMax)),
        },
        Rule {
            dim: 2,
            value: RuleValue::Product(1, 1),
        },
    ];
    seeds.push(huge);
    // Generated signatures, with counts fitted.
    let grammar = |modifiers: [Modifier; 10], inputs: Vec<Vec<u8>>, outputs: Vec<Vec<u8>>| {
        SigSource::Grammar(GrammarSig {
            spacing: 1,
            modifiers,
            inputs,
            outputs,
        })
    };
    use Modifier::{Broadcastable as B, Optional as O, Plain as P};
    seeds.push(BindInput {
        fit_counts: true,
        names: 0,
        inputs: vec![shape(&[2, 3, 4]), shape(&[4, 5])],
        outputs: vec![],
        rules: Vec::new(),
        signature: grammar(
            [O, P, O, P, P, P, P, P, P, P],
            vec![vec![0, 1], vec![1, 2]],
            vec![vec![0, 2]],
        ),
    });
    seeds.push(BindInput {
        fit_counts: true,
        names: 0xff,
        inputs: vec![shape(&[1, 3]), shape(&[5, 3])],
        outputs: vec![None],
        rules: Vec::new(),
        signature: grammar(
            [P, B, P, P, P, P, P, P, B, P],
            vec![vec![1, 8], vec![1, 8]],
            vec![vec![1]],
        ),
    });
    seeds.push(BindInput {
        fit_counts: true,
        names: 0x11,
        inputs: vec![vec![
            Dim::Huge(Huge::IsizeMax),
            Dim::Huge(Huge::PowerOfTwo(40)),
        ]],
        outputs: vec![None, None],
        rules: vec![Rule {
            dim: 3,
            value: RuleValue::Const(Dim::Tiny(0)),
        }],
        signature: grammar([P; 10], vec![vec![9, 5]], vec![vec![3], vec![5, 3]]),
    });
    seeds
}

fn write(dir: &Path, seeds: impl IntoIterator<Item = Vec<u8>>) {
    fs::create_dir_all(dir).unwrap();
    for (i, bytes) in seeds.into_iter().enumerate() {
        fs::write(dir.join(format!("seed-{i:03}")), bytes).unwrap();
    }
}

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    write(
        &corpus.join("signature"),
        SIGNATURES.iter().map(|s| s.as_bytes().to_vec()),
    );
    let seeds = bind_seeds();
    for seed in &seeds {
        // The seed files must decode to the inputs above.
        let bytes = to_bytes(seed);
        let decoded = BindInput::arbitrary_take_rest(Unstructured::new(&bytes)).unwrap();
        assert_eq!(&decoded, seed);
        ndkernel_fuzz::bind::check(seed);
    }
    write(&corpus.join("bind"), seeds.iter().map(to_bytes));
}
