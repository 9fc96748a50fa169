//! Seed 000's skeleton pixel graph: `pixel_graph` (stencil, prefix sums, parallel scatter)
//! against skan's CSR arrays committed in `data/skeletons/`, and against the post's
//! algorithm transcribed serially (`pixel_graph_naive`) on awkward inputs: empty, one pixel,
//! one row or column, all true, transposed, stepped and reversed views, 3-D, random images.

use ndarray::{Array, Array1, Array2, Array3, ArrayD, ArrayView, Dimension, Ix1, IxDyn, s};
use ndkernel::KernelError;
use ndkernel::dispatch::serial;
use ndkernel_seeds::skeleton::{PixelGraph, pixel_graph, pixel_graph_naive};
use ndkernel_seeds::{data, inputs};
use proptest::prelude::*;

/// Every skeleton shipped in `data/skeletons/` with its skan graph.
const SHIPPED: [&str; 6] = [
    "seed000_tiny",
    "horse",
    "coins",
    "camera",
    "retina",
    "blobs3d",
];

/// The graph `skan.csr.pixel_graph(skel, connectivity=skel.ndim)` gave for `name`.
fn skan_graph(name: &str) -> PixelGraph {
    fn part<T: ndarray_npy::ReadableElement>(name: &str, what: &str) -> Vec<T> {
        data::load::<T, Ix1>(&format!("skeletons/{name}.graph.{what}.npy"))
            .into_raw_vec_and_offset()
            .0
    }
    PixelGraph {
        indptr: part(name, "indptr"),
        indices: part(name, "indices"),
        data: part(name, "data"),
        nodes: part(name, "nodes"),
    }
}

/// Asserts two graphs equal array by array (data bit for bit), naming the first
/// difference rather than printing thousands of numbers.
#[track_caller]
fn assert_same(found: &PixelGraph, expected: &PixelGraph, what: &str) {
    fn first_difference<T: PartialEq>(a: &[T], b: &[T]) -> Option<usize> {
        (a.len() != b.len())
            .then(|| a.len().min(b.len()))
            .or_else(|| a.iter().zip(b).position(|(x, y)| x != y))
    }
    let bits = |d: &[f64]| d.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    for (field, difference) in [
        ("nodes", first_difference(&found.nodes, &expected.nodes)),
        ("indptr", first_difference(&found.indptr, &expected.indptr)),
        (
            "indices",
            first_difference(&found.indices, &expected.indices),
        ),
        (
            "data",
            first_difference(&bits(&found.data), &bits(&expected.data)),
        ),
    ] {
        if let Some(at) = difference {
            panic!(
                "{what}: `{field}` differs at {at} (lengths: nodes {} vs {}, entries {} vs {})",
                found.nodes.len(),
                expected.nodes.len(),
                found.indices.len(),
                expected.indices.len(),
            );
        }
    }
}

/// Checks the CSR invariants skan's output has, independently of any reference: sorted
/// unique indices, no self loops, symmetric with equal values, distances that match the
/// pixels' positions in an image of `shape`.
#[track_caller]
fn assert_canonical(graph: &PixelGraph, shape: &[usize]) {
    let n = graph.nodes.len();
    assert_eq!(graph.indptr.len(), n + 1);
    assert_eq!(graph.indptr[0], 0);
    assert_eq!(graph.indptr[n] as usize, graph.indices.len());
    assert_eq!(graph.data.len(), graph.indices.len());
    assert!(
        graph.nodes.windows(2).all(|w| w[0] < w[1]),
        "nodes ascending"
    );
    let coords = |k: usize| {
        let mut rest = graph.nodes[k] as usize;
        let mut c = vec![0isize; shape.len()];
        for axis in (0..shape.len()).rev() {
            c[axis] = (rest % shape[axis]) as isize;
            rest /= shape[axis];
        }
        c
    };
    let row = |k: usize| graph.indptr[k] as usize..graph.indptr[k + 1] as usize;
    for k in 0..n {
        let cols = &graph.indices[row(k)];
        assert!(
            cols.windows(2).all(|w| w[0] < w[1]),
            "row {k} sorted, unique"
        );
        for (&j, &d) in cols.iter().zip(&graph.data[row(k)]) {
            let j = j as usize;
            assert_ne!(j, k, "self loop at {k}");
            let axes = coords(k)
                .iter()
                .zip(coords(j))
                .map(|(a, b)| {
                    assert!((a - b).abs() <= 1, "{k} and {j} do not touch");
                    u32::from(*a != b)
                })
                .sum::<u32>();
            assert_eq!(d.to_bits(), f64::from(axes).sqrt().to_bits());
            let back = graph.indices[row(j)].binary_search(&(k as i32));
            let back = back.unwrap_or_else(|_| panic!("edge {k}-{j} not symmetric"));
            assert_eq!(graph.data[row(j)][back].to_bits(), d.to_bits());
        }
    }
}

/// `pixel_graph` equals the naive transcription and is canonical.
#[track_caller]
fn check<D: Dimension>(skeleton: ArrayView<'_, bool, D>, what: &str) -> PixelGraph {
    let expected = pixel_graph_naive(skeleton.view());
    let found = pixel_graph(skeleton.view()).expect("a supported rank");
    assert_same(&found, &expected, what);
    let shape = if skeleton.ndim() < 2 {
        vec![skeleton.len()]
    } else {
        skeleton.shape().to_vec()
    };
    assert_canonical(&found, &shape);
    found
}

#[test]
fn shipped_skeletons_equal_skan() {
    for name in SHIPPED {
        let skeleton = inputs::skeleton(name);
        let expected = skan_graph(name);
        assert_same(&pixel_graph(skeleton.view()).unwrap(), &expected, name);
        assert_same(&pixel_graph_naive(skeleton.view()), &expected, name);
    }
}

#[test]
fn seed_post_example() {
    // The post's 5x7 skeleton: padded pixel (1, 6) is label 2 (node 1), with neighbours
    // labels 3 and 6 (nodes 2 and 5). Label 6's neighbours are labels 2, 5 and 8 (nodes 1,
    // 4, 7): the post's text says 3 for 2, but pixel 3 is two columns away.
    let skeleton = Array2::from_shape_vec(
        (5, 7),
        [
            [0, 1, 0, 0, 0, 1, 1],
            [0, 0, 1, 1, 1, 0, 0],
            [0, 1, 0, 0, 0, 1, 0],
            [0, 0, 1, 0, 1, 0, 0],
            [1, 1, 0, 1, 0, 0, 0],
        ]
        .iter()
        .flatten()
        .map(|&v| v == 1)
        .collect(),
    )
    .unwrap();
    let graph = check(skeleton.view(), "post");
    let row = |k: usize| &graph.indices[graph.indptr[k] as usize..graph.indptr[k + 1] as usize];
    assert_eq!(row(1), [2, 5]);
    assert_eq!(row(5), [1, 4, 7]);
    assert_eq!(graph.nodes[..3], [1, 5, 6]);
}

#[test]
fn empty_and_tiny_images() {
    for shape in [(0, 0), (0, 5), (5, 0), (1, 1), (1, 2), (2, 1)] {
        for value in [false, true] {
            let skeleton = Array2::from_elem(shape, value);
            let graph = check(skeleton.view(), &format!("{shape:?} all {value}"));
            assert_eq!(graph.nodes.len(), if value { skeleton.len() } else { 0 });
        }
    }
    let lone = Array2::from_elem((1, 1), true);
    let graph = pixel_graph(lone.view()).unwrap();
    assert_eq!(
        (graph.indptr, graph.indices, graph.nodes),
        (vec![0, 0], vec![], vec![0])
    );
    for shape in [(0, 0, 0), (2, 0, 3), (1, 1, 1)] {
        check(Array3::from_elem(shape, true).view(), &format!("{shape:?}"));
    }
    for value in [false, true] {
        let graph = check(ndarray::arr0(value).view(), "0-D");
        assert_eq!(graph.nodes, if value { vec![0] } else { vec![] });
    }
}

#[test]
fn single_rows_and_columns_do_not_wrap() {
    let line: Array1<bool> = (0..40).map(|k| k % 7 != 3).collect();
    let row = line.view().insert_axis(ndarray::Axis(0)).to_owned();
    let column = line.view().insert_axis(ndarray::Axis(1)).to_owned();
    let graph = check(row.view(), "row");
    check(column.view(), "column");
    // A 1-D skeleton is its single row, as in skan.
    assert_same(&check(line.view(), "1-D"), &graph, "1-D as a row");
    // Pixels at the end of one row and the start of the next never touch.
    let mut edges = Array2::from_elem((3, 4), false);
    edges[[0, 3]] = true;
    edges[[1, 0]] = true;
    let graph = check(edges.view(), "row ends");
    assert!(graph.indices.is_empty());
}

#[test]
fn all_true_blocks() {
    for shape in [(3, 3), (4, 7), (9, 5)] {
        let block = Array2::from_elem(shape, true);
        let graph = check(block.view(), &format!("{shape:?}"));
        // Interior pixel (1, 1) has all 8 neighbours.
        let k = shape.1 + 1;
        assert_eq!(graph.indptr[k + 1] - graph.indptr[k], 8);
    }
    let cube = Array3::from_elem((3, 4, 5), true);
    let graph = check(cube.view(), "cube");
    let k = 4 * 5 + 5 + 1; // voxel (1, 1, 1)
    assert_eq!(graph.indptr[k + 1] - graph.indptr[k], 26);
    assert_eq!(
        graph.data[graph.indptr[k] as usize].to_bits(),
        3f64.sqrt().to_bits()
    );
}

/// A deterministic random image, 35% true: dense enough that every neighbour kind occurs.
fn pattern<D: Dimension>(shape: D, seed: u64) -> Array<bool, D> {
    let n = shape.size();
    let bits = inputs::u7s(n, seed);
    let flat = bits.iter().map(|&v| v < 45).collect();
    Array::from_shape_vec(shape, flat).unwrap()
}

#[test]
fn views_transposed_stepped_reversed() {
    let image = pattern(ndarray::Dim([23, 31]), 7);
    check(image.t(), "transposed");
    check(image.slice(s![..;2, ..;-1]), "stepped and reversed");
    check(image.slice(s![..;-1, ..;-3]), "negative strides");
    check(image.slice(s![3..17;3, 5..]).t(), "sliced then transposed");
    let retina = inputs::skeleton("retina");
    check(retina.slice(s![..;-1, ..]), "retina upside down");

    let volume = pattern(ndarray::Dim([9, 11, 13]), 8);
    check(volume.view(), "3-D");
    check(volume.view().permuted_axes([2, 0, 1]), "3-D permuted");
    check(volume.slice(s![..;-1, 1..;2, ..;-2]), "3-D stepped");
}

#[test]
fn ranks_above_three_are_an_error() {
    let image = ArrayD::from_elem(IxDyn(&[2, 3, 4, 5]), true);
    let error = pixel_graph(image.view()).unwrap_err();
    assert!(
        matches!(
            error,
            KernelError::UnsupportedRank {
                ndim: 4,
                min: 0,
                max: 3,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        "input 0 (`skeleton`) has 4 axes but only 0 to 3 are supported"
    );
    // The naive transcription is rank-generic and still works.
    let graph = pixel_graph_naive(image.view());
    assert_eq!(graph.nodes.len(), 120);
    assert_canonical(&graph, image.shape());
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

#[test]
fn parallel_equals_serial() {
    // Large enough to be cut into several groups of lines on any pool.
    let big = inputs::tiled_skeleton(1200, 900);
    let blobs = inputs::skeleton("blobs3d");
    // Dense noise has enough edges to split the neighbour scatter into several groups.
    let dense = pattern(ndarray::Dim([300, 400]), 9);
    let dense_3d = pattern(ndarray::Dim([30, 24, 40]), 10);
    for (what, image) in [
        ("tiled retina", big.view().into_dyn()),
        ("blobs3d", blobs.view()),
        ("dense noise", dense.view().into_dyn()),
        ("dense 3-D noise", dense_3d.view().into_dyn()),
    ] {
        let expected = serial(|| pixel_graph(image.view())).unwrap();
        assert_same(&pixel_graph(image.view()).unwrap(), &expected, what);
        for threads in [1, 3] {
            let found = pool(threads).install(|| pixel_graph(image.view())).unwrap();
            assert_same(&found, &expected, &format!("{what}, {threads} threads"));
        }
    }
    assert_same(
        &pixel_graph(dense.view()).unwrap(),
        &pixel_graph_naive(dense.view()),
        "dense noise, naive",
    );
    assert_same(
        &pixel_graph(dense_3d.view()).unwrap(),
        &pixel_graph_naive(dense_3d.view()),
        "dense 3-D noise, naive",
    );
}

/// A random small image of rank `ndim` (2 or 3) with a random fill, possibly reversed or
/// transposed.
fn image_strategy(ndim: usize, max: usize) -> impl Strategy<Value = (ArrayD<bool>, u8)> {
    prop::collection::vec(0..=max, ndim)
        .prop_flat_map(|shape| {
            let n: usize = shape.iter().product();
            (
                Just(shape),
                prop::collection::vec(prop::bool::weighted(0.4), n),
                0u8..4,
            )
        })
        .prop_map(|(shape, bits, layout)| {
            (ArrayD::from_shape_vec(IxDyn(&shape), bits).unwrap(), layout)
        })
}

/// Applies layout `code` to `image`: as is, transposed, reversed on axis 0, or stepped.
fn with_layout(image: &ArrayD<bool>, code: u8) -> ArrayView<'_, bool, IxDyn> {
    let view = image.view();
    match code {
        0 => view,
        1 => view.reversed_axes(),
        2 => {
            let mut v = view;
            v.invert_axis(ndarray::Axis(0));
            v
        }
        _ => {
            let mut v = view;
            let last = v.ndim() - 1;
            v.slice_axis_inplace(ndarray::Axis(last), ndarray::Slice::new(0, None, 2));
            v
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_2d_equals_naive((image, layout) in image_strategy(2, 14)) {
        check(with_layout(&image, layout), "random 2-D");
    }

    #[test]
    fn random_3d_equals_naive((image, layout) in image_strategy(3, 7)) {
        check(with_layout(&image, layout), "random 3-D");
    }
}
