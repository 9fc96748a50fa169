use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;

const PADDING: [Boundary; 5] = [
    Boundary::Constant,
    Boundary::Nearest,
    Boundary::Reflect,
    Boundary::Mirror,
    Boundary::Wrap,
];

/// `0..n` padded by `pad` on each side the way `numpy.pad` builds it: block by block, each
/// block copied from what is already there (`symmetric` for reflect, `reflect` for mirror,
/// `edge` for nearest, `wrap`, `constant`). Entry `pad + i` is what index `i` reads.
fn numpy_pad(mode: Boundary, n: usize, pad: usize) -> Vec<Option<usize>> {
    let original: Vec<Option<usize>> = (0..n).map(Some).collect();
    if n == 0 || !PADDING.contains(&mode) {
        let mut seq = vec![None; pad];
        seq.extend(&original);
        seq.extend(vec![None; pad]);
        return seq;
    }
    let mut seq = original.clone();
    let mut left = 0;
    while left < pad {
        let block: Vec<Option<usize>> = match mode {
            Boundary::Reflect => seq[..n].iter().rev().copied().collect(),
            Boundary::Mirror if n > 1 => seq[1..n].iter().rev().copied().collect(),
            Boundary::Wrap => original.clone(),
            Boundary::Constant => vec![None],
            _ => vec![seq[0]],
        };
        left += block.len();
        seq.splice(0..0, block);
    }
    while seq.len() - left - n < pad {
        let end = seq.len();
        let block: Vec<Option<usize>> = match mode {
            Boundary::Reflect => seq[end - n..].iter().rev().copied().collect(),
            Boundary::Mirror if n > 1 => seq[end - n..end - 1].iter().rev().copied().collect(),
            Boundary::Wrap => original.clone(),
            Boundary::Constant => vec![None],
            _ => vec![seq[end - 1]],
        };
        seq.extend(block);
    }
    seq[left - pad..left + n + pad].to_vec()
}

fn mapped(mode: Boundary, n: usize, pad: usize) -> Vec<Option<usize>> {
    let pad = pad as isize;
    (-pad..n as isize + pad)
        .map(|i| mode.map_index(i, n))
        .collect()
}

#[test]
fn names_follow_all_and_round_trip() {
    assert_eq!(BOUNDARY_NAMES.len(), Boundary::ALL.len());
    for (mode, name) in Boundary::ALL.iter().zip(BOUNDARY_NAMES) {
        assert_eq!(mode.name(), *name);
        assert_eq!(mode.to_string(), *name);
        assert_eq!(name.parse::<Boundary>(), Ok(*mode));
    }
    assert_eq!(Boundary::default(), Boundary::Skip);
}

#[test]
fn scipy_aliases_parse_to_the_same_filter_mode() {
    assert_eq!("grid-constant".parse(), Ok(Boundary::Constant));
    assert_eq!("grid-mirror".parse(), Ok(Boundary::Reflect));
    assert_eq!("grid-wrap".parse(), Ok(Boundary::Wrap));
    for (alias, name) in BOUNDARY_ALIASES {
        assert_eq!(alias.parse::<Boundary>(), name.parse::<Boundary>());
    }
}

#[test]
fn unknown_names_list_the_choices() {
    let error = "periodic".parse::<Boundary>().unwrap_err();
    assert_eq!(error.name(), "periodic");
    assert_eq!(
        error.to_string(),
        "unknown boundary mode `periodic`, expected one of `skip`, `constant`, `nearest`, \
         `reflect`, `mirror`, `wrap`, `valid`"
    );
    for bad in ["", "Reflect", " wrap", "grid-nearest", "symmetric", "edge"] {
        assert!(bad.parse::<Boundary>().is_err(), "{bad:?} parsed");
    }
}

#[test]
fn matches_numpy_pad_for_small_lengths_and_long_extensions() {
    for &mode in Boundary::ALL {
        for n in 0..=9 {
            let pad = 4 * n + 5;
            assert_eq!(
                mapped(mode, n, pad),
                numpy_pad(mode, n, pad),
                "{mode} n = {n}"
            );
        }
    }
}

#[test]
fn reference_builder_reproduces_the_documented_table() {
    let show = |mode| {
        let items: Vec<String> = numpy_pad(mode, 3, 3)
            .iter()
            .map(|i| i.map_or("c".to_owned(), |i| (i + 1).to_string()))
            .collect();
        items.join(" ")
    };
    assert_eq!(show(Boundary::Constant), "c c c 1 2 3 c c c");
    assert_eq!(show(Boundary::Nearest), "1 1 1 1 2 3 3 3 3");
    assert_eq!(show(Boundary::Reflect), "3 2 1 1 2 3 3 2 1");
    assert_eq!(show(Boundary::Mirror), "2 3 2 1 2 3 2 1 2");
    assert_eq!(show(Boundary::Wrap), "1 2 3 1 2 3 1 2 3");
}

#[test]
fn extreme_indices_and_lengths_do_not_overflow() {
    let lens = [
        1,
        2,
        3,
        isize::MAX as usize - 1,
        isize::MAX as usize,
        isize::MAX as usize + 1,
        isize::MAX as usize + 2,
        usize::MAX - 1,
        usize::MAX,
    ];
    let indices = [
        isize::MIN,
        isize::MIN + 1,
        -2,
        -1,
        0,
        1,
        isize::MAX - 1,
        isize::MAX,
    ];
    for &mode in Boundary::ALL {
        for len in lens {
            for index in indices {
                if let Some(i) = mode.map_index(index, len) {
                    assert!(i < len, "{mode} {index} {len}");
                } else {
                    assert!(!PADDING[1..].contains(&mode), "{mode} {index} {len}");
                }
            }
        }
    }
    // One reflection is all an `isize` can reach on such long axes.
    let huge = usize::MAX;
    assert_eq!(
        Boundary::Reflect.map_index(isize::MIN, huge),
        Some(isize::MAX as usize)
    );
    assert_eq!(
        Boundary::Mirror.map_index(isize::MIN, huge),
        Some(1 << (usize::BITS - 1))
    );
    assert_eq!(Boundary::Wrap.map_index(-1, huge), Some(huge - 1));
    assert_eq!(
        Boundary::Wrap.map_index(isize::MIN, huge),
        Some(huge - (1 << (usize::BITS - 1)))
    );
    assert_eq!(Boundary::Nearest.map_index(isize::MIN, huge), Some(0));
    // Large periods still fold correctly when `2n` fits.
    let n = 1 << (usize::BITS - 2);
    assert_eq!(Boundary::Reflect.map_index(isize::MAX, n), Some(0));
    assert_eq!(Boundary::Mirror.map_index(isize::MIN, n + 1), Some(0));
}

#[test]
fn empty_axes_map_nothing() {
    for &mode in Boundary::ALL {
        for index in [isize::MIN, -1, 0, 1, isize::MAX] {
            assert_eq!(mode.map_index(index, 0), None);
        }
        let plan = mode.plan(0, -2, 3);
        assert_eq!((plan.out_len, plan.interior.clone()), (0, 0..0));
        assert_eq!(plan.border(), [0..0, 0..0]);
    }
}

/// The interior found by brute force: output indices whose every neighbour is in bounds.
fn brute_interior(mode: Boundary, len: usize, lo: isize, hi: isize) -> BTreeSet<usize> {
    let plan = mode.plan(len, lo, hi);
    (0..plan.out_len)
        .filter(|&o| {
            (lo.min(0)..=hi.max(0)).all(|k| {
                let i = (o + plan.center_offset) as isize + k;
                i >= 0 && (i as usize) < len
            })
        })
        .collect()
}

#[test]
fn plans_match_brute_force_on_small_axes() {
    for &mode in Boundary::ALL {
        for len in 0..12 {
            for lo in -6..=1 {
                for hi in -1..=6 {
                    let plan = mode.plan(len, lo, hi);
                    let width = (hi.max(0) - lo.min(0)) as usize;
                    let out_len = if mode == Boundary::Valid {
                        len.saturating_sub(width)
                    } else {
                        len
                    };
                    assert_eq!(plan.out_len, out_len);
                    assert_eq!(plan.out_len, mode.output_len(len, lo, hi));
                    assert_eq!(plan.interior, mode.interior(len, lo, hi));
                    let interior: BTreeSet<usize> = plan.interior.clone().collect();
                    assert_eq!(interior, brute_interior(mode, len, lo, hi));
                    assert_eq!(
                        plan.interior.is_empty(),
                        len <= width,
                        "{mode} {len} {lo} {hi}"
                    );
                    let [before, after] = plan.border();
                    let covered: Vec<usize> =
                        before.chain(plan.interior.clone()).chain(after).collect();
                    assert_eq!(covered, (0..out_len).collect::<Vec<_>>());
                    if mode == Boundary::Valid {
                        assert_eq!(plan.interior, 0..out_len);
                        assert_eq!(plan.center_offset, lo.min(0).unsigned_abs());
                    } else {
                        assert_eq!(plan.center_offset, 0);
                    }
                }
            }
        }
    }
}

#[test]
fn plan_helpers_read_through_the_mode() {
    let plan = Boundary::Mirror.plan(4, -2, 1);
    assert_eq!(plan.interior, 2..3);
    assert!(plan.is_interior(2) && !plan.is_interior(3));
    assert_eq!(plan.input_index(0, -2), Some(2));
    assert_eq!(plan.input_index(3, 1), Some(2));
    assert!(!plan.skips(0));
    let skip = Boundary::Skip.plan(4, -2, 1);
    assert!(skip.skips(0) && skip.skips(3) && !skip.skips(2));
    let valid = Boundary::Valid.plan(4, -2, 1);
    assert_eq!((valid.out_len, valid.center(0)), (1, 2));
    assert_eq!(valid.input_index(0, -2), Some(0));
    assert_eq!(valid.input_index(0, 1), Some(3));
    let wide = Boundary::Wrap.plan(usize::MAX, 0, 0);
    assert_eq!(wide.input_index(usize::MAX - 1, 0), None);
    assert_eq!(
        Boundary::Wrap.plan(3, 0, 0).input_index(0, isize::MIN),
        Some(1)
    );
}

#[test]
fn halo_is_clamped_to_contain_the_center_and_never_overflows() {
    assert_eq!(Boundary::Valid.output_len(10, 2, 3), 7);
    assert_eq!(Boundary::Valid.output_len(10, -2, -1), 8);
    assert_eq!(
        Boundary::Valid.output_len(usize::MAX, isize::MIN, isize::MAX),
        0
    );
    assert_eq!(
        Boundary::Skip.interior(usize::MAX, isize::MIN, isize::MAX),
        {
            let start = 1 << (usize::BITS - 1);
            start..start
        }
    );
}

#[test]
fn boundaries_accept_one_mode_or_one_per_axis() {
    let one = Boundaries::new(&[Boundary::Reflect], 3).unwrap();
    assert_eq!(one.ndim(), 3);
    assert_eq!(one.iter().len(), 3);
    assert!(one.iter().all(|mode| mode == Boundary::Reflect));
    assert_eq!(one.axis(2), Boundary::Reflect);

    let modes = [Boundary::Wrap, Boundary::Valid];
    let each = Boundaries::new(&modes, 2).unwrap();
    assert_eq!(each.iter().collect::<Vec<_>>(), modes);
    assert_eq!(
        (each.axis(0), each.axis(1)),
        (Boundary::Wrap, Boundary::Valid)
    );

    assert_eq!(Boundaries::new(&[], 0).unwrap().iter().len(), 0);
    assert_eq!(
        Boundaries::new(&[Boundary::Skip], 0).unwrap().iter().len(),
        0
    );
    for (count, ndim) in [(0, 1), (2, 3), (3, 2), (2, 0)] {
        let modes = vec![Boundary::Nearest; count];
        assert_eq!(
            Boundaries::new(&modes, ndim),
            Err(KernelError::RankMismatch {
                what: "boundary modes",
                expected: ndim,
                found: count,
            })
        );
    }
}

#[test]
#[should_panic(expected = "axis 2 is out of bounds for an array with 2 axes")]
fn boundaries_axis_panics_past_the_rank() {
    let _ = Boundaries::new(&[Boundary::Wrap], 2).unwrap().axis(2);
}

fn any_mode() -> impl Strategy<Value = Boundary> {
    proptest::sample::select(Boundary::ALL)
}

proptest! {
    #[test]
    fn mapped_indices_are_in_bounds(mode in any_mode(), index in any::<isize>(), len in any::<usize>()) {
        let mapped = mode.map_index(index, len);
        if let Some(i) = mapped {
            prop_assert!(i < len);
        }
        let in_range = usize::try_from(index).is_ok_and(|i| i < len);
        if in_range {
            prop_assert_eq!(mapped, Some(index as usize));
        } else if len > 0 {
            prop_assert_eq!(mapped.is_some(), PADDING[1..].contains(&mode));
        } else {
            prop_assert_eq!(mapped, None);
        }
    }

    #[test]
    fn equals_numpy_pad(mode in any_mode(), n in 0usize..20, pad in 0usize..70) {
        prop_assert_eq!(mapped(mode, n, pad), numpy_pad(mode, n, pad));
    }

    #[test]
    fn padding_modes_are_periodic(index in any::<isize>(), len in 1usize..1000) {
        let periods = [
            (Boundary::Reflect, 2 * len),
            (Boundary::Mirror, (2 * len - 2).max(1)),
            (Boundary::Wrap, len),
        ];
        for (mode, period) in periods {
            if let Some(shifted) = index.checked_sub(period as isize) {
                prop_assert_eq!(mode.map_index(index, len), mode.map_index(shifted, len));
            }
        }
    }

    #[test]
    fn reflections_are_symmetric(index in any::<isize>(), len in 1usize..1000) {
        // reflect: about -1/2 and len - 1/2; mirror: about 0 and len - 1.
        prop_assert_eq!(
            Boundary::Reflect.map_index(index, len),
            Boundary::Reflect.map_index(!index, len)
        );
        if let Some(neg) = index.checked_neg() {
            prop_assert_eq!(
                Boundary::Mirror.map_index(index, len),
                Boundary::Mirror.map_index(neg, len)
            );
        }
    }
}
