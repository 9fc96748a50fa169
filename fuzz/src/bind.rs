//! The `bind` target: a signature (generated from the grammar, or arbitrary text) and
//! operand shapes through `Binder::bind`.

use std::cell::Cell;

use arbitrary::Arbitrary;
use kernel_runtime::KernelError;
use kernel_runtime::bind::{Binder, Binding, CoreSizes, SizeRule};
use kernel_runtime::signature::{CoreDim, CoreShape, DimSize, Signature};

use crate::encode::{Encode, variant};

/// One call: a signature, the operand shapes and the binder's options.
#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub struct BindInput {
    /// Pad (with `()` inputs and unpassed outputs) or cut the operand lists to the
    /// signature's counts, so that most inputs get past the count check.
    pub fit_counts: bool,
    /// The number of operand names given: inputs in the low nibble, outputs in the high.
    pub names: u8,
    /// Input shapes.
    pub inputs: Vec<Vec<Dim>>,
    /// Output shapes passed in (`Some`) or to be allocated (`None`).
    pub outputs: Vec<Option<Vec<Dim>>>,
    /// Size rules; those for a dimension that already has a rule are left out, because
    /// two disagreeing rules are a documented panic (a bug in the caller).
    pub rules: Vec<Rule>,
    /// Last, so that a text signature is the rest of the data, as in the seed files.
    pub signature: SigSource,
}

/// One axis length. Mostly tiny, so that sizes often agree, plus the extremes.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dim {
    /// 0 to 3.
    Tiny(u8),
    /// 0 to 255.
    Small(u8),
    Huge(Huge),
    Raw(u64),
}

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Huge {
    UsizeMax,
    UsizeMaxMinusOne,
    IsizeMax,
    IsizeMaxPlusOne,
    U32Max,
    /// `1 << (n % 64)`.
    PowerOfTwo(u8),
}

/// A size rule for `names[dim % len]` of the signature's dimension names.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub dim: u8,
    pub value: RuleValue,
}

/// What a rule computes; dimension indices as in [`Rule`], a dimension without a size yet
/// reads as 0, and arithmetic wraps (a rule that overflows is the caller's bug, not the
/// binder's).
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleValue {
    Const(Dim),
    SizeOf(u8),
    Sum(u8, u8),
    Product(u8, u8),
}

#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub enum SigSource {
    /// Arbitrary text, mostly rejected by the parser.
    Text(String),
    /// A signature that follows the grammar, built from a pool of dimensions.
    Grammar(GrammarSig),
}

/// The dimensions a [`GrammarSig`] draws from: names and fixed sizes.
pub const POOL: [&str; 10] = [
    "m",
    "n",
    "p",
    "k",
    "_i",
    "d_2",
    "1",
    "2",
    "3",
    "9223372036854775807",
];

/// A valid signature: each operand is a list of indices into [`POOL`], and each pool entry
/// has one modifier for all its uses (`|1` written on inputs only), as the grammar wants.
#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub struct GrammarSig {
    /// Which whitespace goes between tokens: none, a space, a tab, or a newline and space.
    pub spacing: u8,
    pub modifiers: [Modifier; POOL.len()],
    pub inputs: Vec<Vec<u8>>,
    pub outputs: Vec<Vec<u8>>,
}

#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Modifier {
    Plain,
    Optional,
    Broadcastable,
}

impl Dim {
    pub fn value(self) -> usize {
        match self {
            Dim::Tiny(n) => usize::from(n % 4),
            Dim::Small(n) => usize::from(n),
            Dim::Huge(Huge::UsizeMax) => usize::MAX,
            Dim::Huge(Huge::UsizeMaxMinusOne) => usize::MAX - 1,
            Dim::Huge(Huge::IsizeMax) => isize::MAX as usize,
            Dim::Huge(Huge::IsizeMaxPlusOne) => isize::MAX as usize + 1,
            Dim::Huge(Huge::U32Max) => u32::MAX as usize,
            Dim::Huge(Huge::PowerOfTwo(n)) => 1 << (n % 64),
            Dim::Raw(n) => n as usize,
        }
    }

    /// The encoding of a size, for seeds.
    pub fn of(size: usize) -> Dim {
        match size {
            0..=3 => Dim::Tiny(size as u8),
            4..=255 => Dim::Small(size as u8),
            _ => Dim::Raw(size as u64),
        }
    }
}

impl SigSource {
    pub fn text(&self) -> String {
        match self {
            SigSource::Text(text) => text.clone(),
            SigSource::Grammar(grammar) => grammar.text(),
        }
    }
}

impl GrammarSig {
    fn entry(index: u8) -> usize {
        usize::from(index) % POOL.len()
    }

    pub fn text(&self) -> String {
        let sep = ["", " ", "\t", "\n "][usize::from(self.spacing % 4)];
        let args = |args: &[Vec<u8>], input: bool| {
            let args: Vec<String> = args
                .iter()
                .map(|arg| {
                    let dims: Vec<String> = arg
                        .iter()
                        .map(|&i| {
                            let e = Self::entry(i);
                            let modifier = match self.modifiers[e] {
                                Modifier::Optional => format!("{sep}?"),
                                Modifier::Broadcastable if input => format!("{sep}|{sep}1"),
                                _ => String::new(),
                            };
                            format!("{}{modifier}", POOL[e])
                        })
                        .collect();
                    format!("({sep}{}{sep})", dims.join(&format!("{sep},{sep}")))
                })
                .collect();
            args.join(&format!("{sep},{sep}"))
        };
        format!(
            "{sep}{}{sep}->{sep}{}{sep}",
            args(&self.inputs, true),
            args(&self.outputs, false)
        )
    }

    /// The core shapes the parser must return for [`GrammarSig::text`].
    pub fn expected(&self) -> (Vec<CoreShape>, Vec<CoreShape>) {
        let args = |args: &[Vec<u8>], input: bool| -> Vec<CoreShape> {
            args.iter()
                .map(|arg| {
                    arg.iter()
                        .map(|&i| {
                            let e = Self::entry(i);
                            let size = match POOL[e].parse() {
                                Ok(n) => DimSize::Fixed(n),
                                Err(_) => DimSize::Named(POOL[e].to_owned()),
                            };
                            CoreDim {
                                size,
                                optional: self.modifiers[e] == Modifier::Optional,
                                broadcastable: input
                                    && self.modifiers[e] == Modifier::Broadcastable,
                            }
                        })
                        .collect()
                })
                .collect()
        };
        (args(&self.inputs, true), args(&self.outputs, false))
    }
}

const INPUT_NAMES: [&str; 16] = [
    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p",
];
const OUTPUT_NAMES: [&str; 16] = [
    "out0", "out1", "out2", "out3", "out4", "out5", "out6", "out7", "out8", "out9", "out10",
    "out11", "out12", "out13", "out14", "out15",
];

/// A size rule's function, as `SizeRule` borrows it.
type RuleFn<'a> = dyn Fn(&CoreSizes<'_>) -> usize + 'a;

fn sizes_of(shape: &[Dim]) -> Vec<usize> {
    shape.iter().map(|d| d.value()).collect()
}

/// Binds and checks; see the module docs of the crate.
pub fn check(input: &BindInput) {
    let text = input.signature.text();
    crate::signature::check_text(&text);
    let sig = match Signature::parse(&text) {
        Ok(sig) => sig,
        Err(e) => {
            assert!(
                matches!(input.signature, SigSource::Text(_)),
                "generated signature {text:?} does not parse: {e}"
            );
            return;
        }
    };
    if let SigSource::Grammar(grammar) = &input.signature {
        let (inputs, outputs) = grammar.expected();
        assert_eq!(sig.inputs(), inputs, "inputs of generated {text:?}");
        assert_eq!(sig.outputs(), outputs, "outputs of generated {text:?}");
    }
    let (nin, nout) = (sig.inputs().len(), sig.outputs().len());

    let mut inputs: Vec<Vec<usize>> = input.inputs.iter().map(|s| sizes_of(s)).collect();
    let mut outputs: Vec<Option<Vec<usize>>> = input
        .outputs
        .iter()
        .map(|s| s.as_deref().map(sizes_of))
        .collect();
    if input.fit_counts {
        inputs.resize(nin, Vec::new());
        outputs.resize(nout, None);
    }
    let input_refs: Vec<&[usize]> = inputs.iter().map(Vec::as_slice).collect();
    let output_refs: Vec<Option<&[usize]>> = outputs.iter().map(Option::as_deref).collect();

    // Size rules, at most one per dimension name. Each records what it returned last.
    let names = sig.dim_names();
    let dim_name = |i: u8| names[usize::from(i) % names.len()];
    let in_inputs = |name: &str| {
        sig.inputs()
            .iter()
            .flatten()
            .any(|d| matches!(&d.size, DimSize::Named(n) if n == name))
    };
    let mut specs: Vec<(&str, RuleValue, Cell<Option<usize>>)> = Vec::new();
    if !names.is_empty() {
        for rule in &input.rules {
            let name = dim_name(rule.dim);
            if !specs.iter().any(|(n, _, _)| *n == name) {
                specs.push((name, rule.value, Cell::new(None)));
            }
        }
    }
    // Whether the rules' values depend only on the inputs (then an output passed in with
    // the allocated shape must bind the same way).
    let mut rules_read_inputs_only = true;
    let closures: Vec<Box<RuleFn<'_>>> = specs
        .iter()
        .map(|(_, value, last)| {
            let reads: &[u8] = match value {
                RuleValue::Const(_) => &[],
                RuleValue::SizeOf(a) => std::slice::from_ref(a),
                RuleValue::Sum(a, b) | RuleValue::Product(a, b) => &[*a, *b],
            };
            rules_read_inputs_only &= reads.iter().all(|&i| in_inputs(dim_name(i)));
            let value = *value;
            Box::new(move |s: &CoreSizes<'_>| {
                let get = |i: u8| s.get(dim_name(i)).unwrap_or(0);
                let v = match value {
                    RuleValue::Const(d) => d.value(),
                    RuleValue::SizeOf(a) => get(a),
                    RuleValue::Sum(a, b) => get(a).wrapping_add(get(b)),
                    RuleValue::Product(a, b) => get(a).wrapping_mul(get(b)),
                };
                last.set(Some(v));
                v
            }) as Box<RuleFn<'_>>
        })
        .collect();
    let rules: Vec<SizeRule<'_>> = specs
        .iter()
        .zip(&closures)
        .map(|((name, _, _), f)| (*name, &**f))
        .collect();

    let in_names = &INPUT_NAMES[..usize::from(input.names & 15)];
    let out_names = &OUTPUT_NAMES[..usize::from(input.names >> 4)];
    let binder = Binder::new(&sig)
        .names(in_names, out_names)
        .size_rules(&rules);
    let _ = format!("{binder:?}");

    let result = binder.bind(&input_refs, &output_refs);
    let wrong_count = inputs.len() != nin || outputs.len() != nout;
    let binding = match result {
        Err(error) => {
            let _ = (error.to_string(), format!("{error:?}"));
            assert_eq!(
                matches!(error, KernelError::OperandCount { .. }),
                wrong_count,
                "{text:?} {inputs:?} {outputs:?}: {error}"
            );
            return;
        }
        Ok(binding) => binding,
    };
    assert!(!wrong_count, "{text:?} bound {inputs:?} {outputs:?}");
    let ctx = format!("{text:?} with inputs {inputs:?} outputs {outputs:?}");
    check_binding(&sig, &binding, &inputs, &outputs, &ctx);
    for (name, _, last) in &specs {
        if !binding.sizes().is_missing(name)
            && let Some(value) = last.get()
        {
            assert_eq!(
                binding.sizes().get(name),
                Some(value),
                "rule for {name}: {ctx}"
            );
        }
    }

    // Where no output was passed, passing each with the shape the binding allocates binds
    // the same way. Not where some were: outputs drop optional dimensions in operand order
    // too (NumPy's `_validate_num_dims`), so output 0 passed in can drop a dimension that
    // only output 1 dropped before, as for "->(3?,n?),(n?,m)" and outputs [None, (0,)].
    if rules_read_inputs_only && !outputs.is_empty() && outputs.iter().all(Option::is_none) {
        let filled: Vec<Vec<usize>> = binding
            .outputs()
            .iter()
            .map(|o| o.shape().to_vec())
            .collect();
        let filled_refs: Vec<Option<&[usize]>> =
            filled.iter().map(|s| Some(s.as_slice())).collect();
        match binder.bind(&input_refs, &filled_refs) {
            Ok(again) => assert_eq!(again, binding, "outputs passed as {filled:?}: {ctx}"),
            Err(e) => panic!("outputs passed as {filled:?}: {e}: {ctx}"),
        }
    }
}

fn check_binding(
    sig: &Signature,
    binding: &Binding<'_>,
    inputs: &[Vec<usize>],
    outputs: &[Option<Vec<usize>>],
    ctx: &str,
) {
    let sizes = binding.sizes();
    let loop_shape = binding.loop_shape();
    assert_eq!(binding.inputs().len(), inputs.len(), "{ctx}");
    assert_eq!(binding.outputs().len(), outputs.len(), "{ctx}");

    // Every named dimension has a size; a missing one is optional and has size 1.
    let names = sig.dim_names();
    assert_eq!(sizes.iter().count(), names.len(), "sizes {sizes:?}: {ctx}");
    for (name, size) in sizes.iter() {
        assert_eq!(sizes.get(name), Some(size));
        assert_eq!(sizes[name], size);
        if sizes.is_missing(name) {
            assert_eq!(size, 1, "missing {name}: {ctx}");
            let optional = sig
                .inputs()
                .iter()
                .chain(sig.outputs())
                .flatten()
                .find(|d| matches!(&d.size, DimSize::Named(n) if n == name))
                .is_some_and(|d| d.optional);
            assert!(optional, "{name} is missing but not optional: {ctx}");
        }
    }
    // Which of an operand's core dimensions it has. Missing fixed sizes (`3?`) cannot be
    // asked about, so operands with one are checked less closely.
    let present = |core: &CoreShape| -> Option<Vec<CoreDim>> {
        let mut dims = Vec::new();
        for dim in core {
            match &dim.size {
                DimSize::Named(name) if sizes.is_missing(name) => {}
                DimSize::Named(_) => dims.push(dim.clone()),
                DimSize::Fixed(_) if dim.optional => return None,
                DimSize::Fixed(_) => dims.push(dim.clone()),
            }
        }
        Some(dims)
    };
    let bound_size = |dim: &CoreDim| match &dim.size {
        DimSize::Named(name) => sizes.get(name).expect("every name has a size"),
        DimSize::Fixed(n) => *n,
    };

    // Inputs keep their shapes; their loop shapes broadcast to the loop shape.
    let mut loop_ndim = 0;
    for (op, (bound, given)) in binding.inputs().iter().zip(inputs).enumerate() {
        assert_eq!(bound.shape(), given.as_slice(), "input {op}: {ctx}");
        let core = &sig.inputs()[op];
        assert!(bound.core_ndim() <= core.len(), "input {op}: {ctx}");
        assert_eq!(
            bound.loop_ndim() + bound.core_ndim(),
            given.len(),
            "input {op}: {ctx}"
        );
        assert_eq!(
            bound.kernel_core_shape().len(),
            bound.core_ndim(),
            "input {op}: {ctx}"
        );
        let own = bound.loop_shape();
        loop_ndim = loop_ndim.max(own.len());
        assert!(own.len() <= loop_shape.len(), "input {op}: {ctx}");
        let offset = loop_shape.len() - own.len();
        for (axis, &size) in own.iter().enumerate() {
            assert!(
                size == 1 || size == loop_shape[offset + axis],
                "input {op} loop shape {own:?} vs {loop_shape:?}: {ctx}"
            );
        }
        if let Some(present) = present(core) {
            assert_eq!(bound.core_ndim(), present.len(), "input {op}: {ctx}");
            for (k, dim) in present.iter().enumerate() {
                let (got, kernel) = (bound.core_shape()[k], bound.kernel_core_shape()[k]);
                assert_eq!(kernel, bound_size(dim), "input {op} axis {k}: {ctx}");
                assert!(
                    got == kernel || (got == 1 && dim.broadcastable),
                    "input {op} axis {k}: {got} for {dim} of size {kernel}: {ctx}"
                );
            }
        }
    }
    assert_eq!(
        loop_shape.len(),
        loop_ndim,
        "loop shape {loop_shape:?}: {ctx}"
    );
    // A loop axis other than 1 comes from some input.
    for (t, &size) in loop_shape.iter().enumerate() {
        let from_input = binding.inputs().iter().any(|b| {
            let own = b.loop_shape();
            let offset = loop_shape.len() - own.len();
            t >= offset && own[t - offset] == size
        });
        assert!(size == 1 || from_input, "loop axis {t}: {ctx}");
    }

    // Outputs: the loop shape, then their core sizes as bound; exactly as given, if given.
    for (j, (bound, given)) in binding.outputs().iter().zip(outputs).enumerate() {
        assert_eq!(bound.loop_shape(), loop_shape, "output {j}: {ctx}");
        assert_eq!(
            bound.core_shape(),
            bound.kernel_core_shape(),
            "output {j}: {ctx}"
        );
        if let Some(given) = given {
            assert_eq!(bound.shape(), given.as_slice(), "output {j}: {ctx}");
        }
        if let Some(present) = present(&sig.outputs()[j]) {
            let want: Vec<usize> = present.iter().map(bound_size).collect();
            assert_eq!(bound.core_shape(), want, "output {j}: {ctx}");
        }
    }
}

// Seed encoding; see `crate::encode`.

impl Encode for BindInput {
    fn encode(&self, out: &mut Vec<u8>) {
        self.fit_counts.encode(out);
        self.names.encode(out);
        self.inputs.encode(out);
        self.outputs.encode(out);
        self.rules.encode(out);
    }

    fn encode_last(&self, out: &mut Vec<u8>) {
        self.encode(out);
        self.signature.encode_last(out);
    }
}

impl Encode for Dim {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Dim::Tiny(n) => {
                variant(out, 0, 4);
                n.encode(out);
            }
            Dim::Small(n) => {
                variant(out, 1, 4);
                n.encode(out);
            }
            Dim::Huge(h) => {
                variant(out, 2, 4);
                h.encode(out);
            }
            Dim::Raw(n) => {
                variant(out, 3, 4);
                n.encode(out);
            }
        }
    }
}

impl Encode for Huge {
    fn encode(&self, out: &mut Vec<u8>) {
        let index = match self {
            Huge::UsizeMax => 0,
            Huge::UsizeMaxMinusOne => 1,
            Huge::IsizeMax => 2,
            Huge::IsizeMaxPlusOne => 3,
            Huge::U32Max => 4,
            Huge::PowerOfTwo(_) => 5,
        };
        variant(out, index, 6);
        if let Huge::PowerOfTwo(n) = self {
            n.encode(out);
        }
    }
}

impl Encode for Rule {
    fn encode(&self, out: &mut Vec<u8>) {
        self.dim.encode(out);
        match self.value {
            RuleValue::Const(d) => {
                variant(out, 0, 4);
                d.encode(out);
            }
            RuleValue::SizeOf(a) => {
                variant(out, 1, 4);
                a.encode(out);
            }
            RuleValue::Sum(a, b) => {
                variant(out, 2, 4);
                [a, b].encode(out);
            }
            RuleValue::Product(a, b) => {
                variant(out, 3, 4);
                [a, b].encode(out);
            }
        }
    }
}

impl Encode for SigSource {
    fn encode(&self, _: &mut Vec<u8>) {
        unimplemented!("a signature is only encoded as the last field")
    }

    fn encode_last(&self, out: &mut Vec<u8>) {
        match self {
            SigSource::Text(text) => {
                variant(out, 0, 2);
                text.encode_last(out);
            }
            SigSource::Grammar(g) => {
                variant(out, 1, 2);
                g.encode_last(out);
            }
        }
    }
}

impl Encode for GrammarSig {
    fn encode(&self, out: &mut Vec<u8>) {
        self.encode_last(out);
        false.encode(out);
    }

    fn encode_last(&self, out: &mut Vec<u8>) {
        self.spacing.encode(out);
        self.modifiers.encode(out);
        self.inputs.encode(out);
        self.outputs.encode_last(out);
    }
}

impl Encode for Modifier {
    fn encode(&self, out: &mut Vec<u8>) {
        variant(out, *self as usize, 3);
    }
}

#[cfg(test)]
mod tests {
    use arbitrary::{Arbitrary, Unstructured};

    use super::*;
    use crate::encode::to_bytes;

    fn round_trip(input: &BindInput) {
        let bytes = to_bytes(input);
        let decoded = BindInput::arbitrary_take_rest(Unstructured::new(&bytes)).unwrap();
        assert_eq!(&decoded, input);
    }

    #[test]
    fn encoding_round_trips() {
        let dims = [
            Dim::Tiny(3),
            Dim::Small(200),
            Dim::Raw(u64::MAX),
            Dim::Huge(Huge::UsizeMax),
            Dim::Huge(Huge::IsizeMaxPlusOne),
            Dim::Huge(Huge::PowerOfTwo(63)),
        ];
        for signature in [
            SigSource::Text("(m?,n),(n,p?)->(m?,p?)".into()),
            SigSource::Text(String::new()),
            SigSource::Grammar(GrammarSig {
                spacing: 3,
                modifiers: [
                    Modifier::Plain,
                    Modifier::Optional,
                    Modifier::Broadcastable,
                    Modifier::Plain,
                    Modifier::Plain,
                    Modifier::Plain,
                    Modifier::Optional,
                    Modifier::Plain,
                    Modifier::Broadcastable,
                    Modifier::Plain,
                ],
                inputs: vec![vec![0, 1], vec![], vec![2, 9]],
                outputs: vec![vec![1, 7], vec![]],
            }),
        ] {
            round_trip(&BindInput {
                fit_counts: true,
                names: 0x21,
                inputs: vec![dims.to_vec(), vec![], vec![Dim::Tiny(0)]],
                outputs: vec![None, Some(dims[..2].to_vec()), Some(vec![])],
                rules: vec![
                    Rule {
                        dim: 1,
                        value: RuleValue::Const(Dim::Huge(Huge::U32Max)),
                    },
                    Rule {
                        dim: 200,
                        value: RuleValue::Sum(1, 2),
                    },
                    Rule {
                        dim: 0,
                        value: RuleValue::Product(3, 4),
                    },
                    Rule {
                        dim: 0,
                        value: RuleValue::SizeOf(5),
                    },
                ],
                signature,
            });
        }
    }

    #[test]
    fn committed_seeds_pass() {
        for target in ["signature", "bind"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("corpus")
                .join(target);
            let mut count = 0;
            for entry in std::fs::read_dir(&dir).unwrap() {
                let bytes = std::fs::read(entry.unwrap().path()).unwrap();
                if target == "signature" {
                    crate::signature::check(&bytes);
                } else if let Ok(input) = BindInput::arbitrary_take_rest(Unstructured::new(&bytes))
                {
                    check(&input);
                }
                count += 1;
            }
            assert!(count >= 20, "{count} seeds in {}", dir.display());
        }
    }
}
